"""``clarifai-connector emulator``: serve the local Clarifai-compatible API.

The command belongs to the emulator (:mod:`connector.emulator.command`, also run by
``python -m connector.emulator``); the command line only lists it.
"""

from __future__ import annotations

from connector.emulator.command import emulator

__all__ = ["emulator"]
