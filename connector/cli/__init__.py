"""The ``clarifai-connector`` command line (click + rich).

``main`` is the click group declared as the console script; :mod:`connector.cli.common`
holds the conventions every command follows (configuration, exit codes, ``--json``,
``--dry-run``, progress bars).
"""

from __future__ import annotations

from connector.cli.main import main

__all__ = ["main"]
