"""A pytest plugin for mutation runs only (``make mutation`` passes ``-p tests.support.mutation``).

mutmut runs each mutant against the tests that reach the mutated function, stopping at
the first failure (``-x``). Running those tests fastest first (by the durations mutmut
recorded in its stats run, ``mutmut-stats.json`` in the directory it runs from) makes a
killed mutant cost about one fast test instead of a walk through slower emulator tests.
Tests without a recorded duration go last, in their usual order. The plain suite never
loads this plugin, so its order is unchanged.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

STATS_FILE = Path("mutmut-stats.json")


def recorded_durations(path: Path = STATS_FILE) -> dict[str, float]:
    """Seconds per test node id from mutmut's stats file; empty when there is none."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    durations = data.get("duration_by_test") if isinstance(data, dict) else None
    if not isinstance(durations, dict):
        return {}
    return {str(k): float(v) for k, v in durations.items() if isinstance(v, (int, float))}


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    durations = recorded_durations()
    if durations:
        items.sort(key=lambda item: durations.get(item.nodeid, math.inf))
