"""Client-side token bucket shared by every thread (sync) and task (async) of a client.

Tokens are reserved under a lock: a caller takes a token at once if one is there, or
reserves the next one to come and sleeps until it is due. Reservations keep callers
in order and make the bucket fair between threads and tasks alike.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up; ``rate <= 0`` turns the
    limiter off (every acquire returns at once)."""

    def __init__(self, rate: float, burst: float | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = float(rate)
        self.burst = float(burst) if burst else max(1.0, self.rate)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._updated = clock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def reserve(self) -> float:
        """Take one token; return how many seconds the caller must wait before using it."""
        if not self.enabled:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.rate

    def acquire(self) -> float:
        """Block the calling thread until a token is available; return the wait."""
        wait = self.reserve()
        if wait > 0:
            time.sleep(wait)
        return wait

    async def aacquire(self) -> float:
        """Suspend the calling task until a token is available; return the wait."""
        wait = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)
        return wait

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate!r}, burst={self.burst!r})"
