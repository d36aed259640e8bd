"""``python -m connector.emulator``: serve the local Clarifai-compatible API."""

from connector.emulator.command import main

if __name__ == "__main__":
    main()
