"""Client-side token bucket shared by every thread (sync) and task (async) of a client.

Tokens are reserved under a lock: a caller takes a token at once if one is there, or
reserves the next one to come and sleeps until it is due. Reservations keep callers
in order and make the bucket fair between threads and tasks alike.

The bucket adapts to the server (additive increase, multiplicative decrease): when the
API answers a throttled 429, :meth:`TokenBucket.throttled` halves the current rate, down
to a floor; after a quiet period without another 429 the rate grows back by a fixed step
per period, never above the configured rate. Several processes sharing one account
(orchestrator workers, each with its own client) so settle under the account's limit
instead of each spending the whole limit on its own.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up; ``rate <= 0`` turns the
    limiter off (every acquire returns at once).

    ``rate`` is the ceiling: :attr:`current_rate` starts there, drops by ``decrease``
    (a factor) on each :meth:`throttled` call, at most once per ``cooldown`` seconds and
    never below ``floor`` (default a twentieth of the rate), and climbs back by
    ``recover_step`` tokens per second for every ``recover_after`` seconds without a
    throttled answer. A throttled answer also spends the saved tokens (the next request
    waits its turn at the lowered rate), and the burst shrinks with the rate (at least one
    token).
    """

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        floor: float | None = None,
        decrease: float = 0.5,
        cooldown: float = 1.0,
        recover_after: float = 2.0,
        recover_step: float = 1.0,
    ) -> None:
        self.rate = float(rate)
        self.burst = float(burst) if burst else max(1.0, self.rate)
        self.floor = min(self.rate, float(floor) if floor is not None else self.rate / 20)
        self.decrease = float(decrease)
        self.cooldown = float(cooldown)
        self.recover_after = float(recover_after)
        self.recover_step = float(recover_step)
        self._clock = clock
        self._lock = threading.Lock()
        self._current = self.rate
        self._tokens = self.burst
        self._updated = clock()
        self._changed = self._updated  # last decrease or recovery step
        self._throttled_at: float | None = None

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    @property
    def current_rate(self) -> float:
        """The rate now in force (the configured rate unless the server throttled)."""
        with self._lock:
            self._recover(self._clock())
            return self._current

    def _recover(self, now: float) -> None:
        """Additive increase: one step per quiet ``recover_after`` seconds (lock held)."""
        if self._current >= self.rate or now - self._changed < self.recover_after:
            return
        steps = int((now - self._changed) // self.recover_after)
        self._current = min(self.rate, self._current + steps * self.recover_step)
        self._changed += steps * self.recover_after

    def throttled(self) -> None:
        """The server answered a throttled 429: lower the rate (multiplicative decrease).

        Answers to requests that were already in flight arrive together, so decreases
        closer than ``cooldown`` seconds apart count once."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            if self._throttled_at is not None and now - self._throttled_at < self.cooldown:
                return
            self._refill(now)
            self._throttled_at = now
            self._changed = now
            self._current = max(self.floor, self._current * self.decrease)
            self._tokens = min(self._tokens, 0.0)  # saved tokens are what overran the server

    def _burst_now(self) -> float:
        return min(self.burst, max(1.0, self._current))

    def _refill(self, now: float) -> None:
        self._tokens = min(self._burst_now(), self._tokens + (now - self._updated) * self._current)
        self._updated = now

    def reserve(self) -> float:
        """Take one token; return how many seconds the caller must wait before using it."""
        if not self.enabled:
            return 0.0
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._recover(now)
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self._current

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
        return f"TokenBucket(rate={self.rate!r}, burst={self.burst!r}, current_rate={self._current!r})"
