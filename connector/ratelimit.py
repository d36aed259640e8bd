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

On top of the bucket, a sliding window holds the rate over every second, from the first
request on: at most ``floor(current rate x 1 s)`` requests start in any window of one
second (plus a small margin for the time between a start here and its arrival at the
server). A bucket alone lets its saved burst go on top of its refill, so a fresh client
allowed 15 requests/s could start about 30 in its first second and draw throttled
answers; with the window, a full bucket still starts its burst at once (the first
second's quota), and the next request waits for the window to slide past the first.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from collections.abc import Callable

#: The window the rate is held over (seconds).
WINDOW = 1.0
#: Added to each window: how far apart a request's start here and its arrival at the
#: server may drift (thread wake-ups, the GIL, the server's own scheduling) without two
#: windows' worth of requests arriving within one second.
WINDOW_MARGIN = 0.03


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

    Whatever the bucket allows, no more than ``floor(current_rate x window)`` requests
    (at least one) start within any ``window`` seconds (plus ``margin``); ``window=0``
    leaves the bucket alone.
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
        window: float = WINDOW,
        margin: float = WINDOW_MARGIN,
    ) -> None:
        self.rate = float(rate)
        self.burst = float(burst) if burst else max(1.0, self.rate)
        self.floor = min(self.rate, float(floor) if floor is not None else self.rate / 20)
        self.decrease = float(decrease)
        self.cooldown = float(cooldown)
        self.recover_after = float(recover_after)
        self.recover_step = float(recover_step)
        self.window = float(window)
        self.margin = float(margin)
        self._clock = clock
        self._lock = threading.Lock()
        self._current = self.rate
        self._tokens = self.burst
        self._updated = clock()
        self._changed = self._updated  # last decrease or recovery step
        self._throttled_at: float | None = None
        # The start times of the requests of the last window and of those reserved for
        # later: each a one-item list, planned at reservation and moved to the actual
        # start when the caller wakes up later than planned (a late start pushes the next
        # window too). Starts older than a window are dropped: no turn depends on them.
        self._starts: collections.deque[list[float]] = collections.deque()

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

    def _window_cap(self, rate: float) -> int:
        """Requests that may start within one window at ``rate`` (at least one)."""
        return max(1, int(rate * self.window + 1e-9))

    def reserve(self) -> float:
        """Take one token; return how many seconds the caller must wait before using it
        (the later of the bucket's turn and the window's). The wait also carries the
        reservation, so :meth:`acquire` can record a start later than planned."""
        if not self.enabled:
            return 0.0
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._recover(now)
            self._tokens -= 1.0
            start = now if self._tokens >= 0 else now - self._tokens / self._current
            if self.window <= 0:
                return start - now
            starts = self._starts
            while starts and starts[0][0] < now - self.window - self.margin:
                starts.popleft()
            cap = self._window_cap(self._current)
            if len(starts) >= cap:
                start = max(start, starts[-cap][0] + self.window + self.margin)
            if starts:
                start = max(start, starts[-1][0])  # reservations keep their order
            entry = [start]
            starts.append(entry)
            return _Wait(start - now, entry)

    def _started(self, wait: float) -> None:
        """The caller of a reservation starts now: a start later than planned counts
        from now (a plain number, without its reservation, changes nothing)."""
        entry = getattr(wait, "entry", None)
        if entry is None:
            return
        now = self._clock()
        with self._lock:
            entry[0] = max(entry[0], now)

    def acquire(self, stop: threading.Event | None = None) -> float:
        """Block the calling thread until a token is available; return the wait (pass
        it to :meth:`release` if the request is then not sent).

        With ``stop``, the wait ends early once ``stop`` is set (a listing whose end was
        seen stops waiting for the turn of a page fetched ahead): the caller checks why
        it woke up and releases the token it does not use."""
        wait = self.reserve()
        if wait > 0:
            if stop is None:
                time.sleep(wait)
            elif stop.wait(wait):
                return wait
        self._started(wait)
        return wait

    async def aacquire(self) -> float:
        """Suspend the calling task until a token is available; return the wait. A task
        cancelled while it waits gives its token back."""
        wait = self.reserve()
        if wait > 0:
            try:
                await asyncio.sleep(wait)
            except asyncio.CancelledError:
                self.release(wait)
                raise
        self._started(wait)
        return wait

    def release(self, wait: float) -> None:
        """Give back the token of a reservation whose request was not sent: its place in
        the window is freed and the bucket gets the token again, so later requests do
        not wait behind a request that never happened. (A plain number, without its
        reservation, changes nothing.)"""
        entry = getattr(wait, "entry", None)
        if entry is None:
            return
        with self._lock:
            for index, start in enumerate(self._starts):
                if start is entry:
                    del self._starts[index]
                    self._tokens = min(self._burst_now(), self._tokens + 1.0)
                    return

    def __repr__(self) -> str:
        return (
            f"TokenBucket(rate={self.rate!r}, burst={self.burst!r}, current_rate={self._current!r}, "
            f"window={self.window!r})"
        )


class _Wait(float):
    """Seconds to wait, carrying the window entry of the reservation they belong to."""

    entry: list[float]

    def __new__(cls, seconds: float, entry: list[float]) -> _Wait:
        wait = super().__new__(cls, seconds)
        wait.entry = entry
        return wait
