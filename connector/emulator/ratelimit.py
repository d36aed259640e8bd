"""The emulator's rate limiter: the server side of throttling, answering 429
CONN_THROTTLED (no Retry-After, as the real API) when an account is over its rate.

Deliberately separate from the connector's client-side ``connector.ratelimit``: the
two buckets do different jobs (this one refuses a request and keeps no debt; the
client's reserves the next token and makes its caller wait), and the emulator is the
yardstick the client's limiter is tested against, so it must not share that code: a
fault in one would then hide itself in the other.
"""

from __future__ import annotations

import re
import time

from connector.emulator.asgi import ASGIApp, Receive, Scope, Send, send_status_json
from connector.emulator.options import EmulatorOptions
from connector.status_codes import StatusCode

__all__ = ["RateLimitMiddleware", "RateLimiter", "account_of"]


class RateLimiter:
    """Token buckets per account: ``rate`` requests/s, bursts of ``burst`` (default
    ``max(1, rate)``). ``rate`` 0 turns limiting off."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.configure(rate, burst)

    def configure(self, rate: float, burst: float | None = None) -> None:
        """New rate and burst; every bucket starts full again. ValueError for a negative
        rate or a burst that is not positive."""
        if rate < 0 or (burst is not None and burst <= 0):
            raise ValueError("rate must not be negative and burst must be positive")
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else max(1.0, self.rate)
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, account: str, now: float | None = None) -> bool:
        """Take one token from ``account``'s bucket; False (nothing taken) when it is empty."""
        if self.rate <= 0:
            return True
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(account, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[account] = (tokens - 1.0, now)
            return True
        self._buckets[account] = (tokens, now)
        return False


_USER_IN_PATH = re.compile(r"^/v2/users/([^/]+)")


def account_of(scope: Scope) -> str:
    """Who a request counts against: its Authorization header, else the path's user."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            return str(value.decode("latin-1"))
    match = _USER_IN_PATH.match(scope.get("path", ""))
    return "user:" + match.group(1) if match else "anonymous"


class RateLimitMiddleware:
    """Answer 429 CONN_THROTTLED (no Retry-After) when an account is over its rate."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, options: EmulatorOptions) -> None:
        self.app = app
        self.limiter = limiter
        self.options = options

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.limiter.allow(account_of(scope)):
            await send_status_json(
                send,
                429,
                StatusCode.CONN_THROTTLED,
                f"Making too many requests: the limit is {self.limiter.rate:g} requests per second",
                names=self.options.status_as_names,
            )
            return
        await self.app(scope, receive, send)
