"""A fake clock for tests of the limiter and the waits: time moves only when a test
moves it (``clock.now += ...``) or when code under test sleeps on it."""

from __future__ import annotations


class FakeClock:
    """Called, the time now (``start`` until moved); :meth:`sleep` records each sleep
    in :attr:`sleeps` and moves the time on by it."""

    def __init__(self, start: float = 100.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
