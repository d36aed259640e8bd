"""``python -m connector.emulator``: serve the local Clarifai-compatible API."""

from connector.cli.emulator_cmd import main

if __name__ == "__main__":
    main()
