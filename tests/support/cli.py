"""Helpers for driving the command line against the emulator."""

from __future__ import annotations

from typing import Any


def cli_env(emulator: Any) -> dict[str, str]:
    """Environment for the CLI pointing at ``emulator`` (its base URL, ids and PAT);
    ``CLARIFAI_PAT_FILE`` emptied so a developer's own setting cannot leak in."""
    return {**emulator.env(), "CLARIFAI_PAT_FILE": ""}
