"""Time in the emulator: a wall clock whose readings strictly increase (so creation order
and ``created_at`` order agree) and the API's timestamp format."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime

__all__ = ["Clock", "iso"]


class Clock:
    """Wall-clock seconds, strictly increasing across readings."""

    def __init__(self) -> None:
        self._last = 0.0

    def now(self) -> float:
        """The current time, or a microsecond past the previous reading if the wall clock
        has not moved on since."""
        t = time.time()
        if t <= self._last:
            t = self._last + 1e-6
        self._last = t
        return t

    def catch_up(self, t: float) -> None:
        """Make later readings come after ``t`` (data stamped ahead of the wall clock)."""
        self._last = max(self._last, t)


def iso(t: float) -> str:
    """RFC 3339 UTC timestamp with microseconds, as the API's JSON writes them."""
    seconds = int(t)
    micros = round((t - seconds) * 1_000_000)
    if micros >= 1_000_000:
        seconds, micros = seconds + 1, micros - 1_000_000
    return f"{_iso_seconds(seconds)}.{micros:06d}Z"


@functools.lru_cache(maxsize=4096)
def _iso_seconds(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
