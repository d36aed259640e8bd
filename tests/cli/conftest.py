"""Fixtures of the command-line tests."""

from __future__ import annotations

import pytest

from tests.support.cli import cli_env


@pytest.fixture
def env(emulator):
    """Environment for the CLI pointing at the (reset, empty) emulator."""
    return cli_env(emulator)
