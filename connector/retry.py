"""Retry decisions and waits, on tenacity, shared by the sync and the async client.

One classification (:func:`retry_reason`) decides whether a failed attempt is worth
another one; one wait function honours ``Retry-After`` (capped by
``RetryPolicy.max_retry_after``), uses ``hourly_limit_wait`` for
CONN_EXCEED_HOURLY_LIMIT, and otherwise waits exponentially with full jitter. A call
stops after ``max_attempts`` attempts or when the next wait would pass ``max_elapsed``.

Never retried: authentication, not found, invalid argument, already exists,
partial failures, and :class:`~connector.errors.OutcomeUnknownError` (an ambiguous
failure of a write that is not safe to repeat; :func:`connector.transport.settle_error`
turns such failures into it before they reach this module).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import random
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import tenacity

from connector import transport
from connector.config import RetryPolicy
from connector.errors import (
    ClarifaiError,
    ConnectionFailedError,
    OutcomeUnknownError,
    ThrottledError,
    TransientServerError,
)
from connector.status_codes import HOURLY_LIMIT, NOT_WORTH_WAITING, StatusCode

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class ClientStats:
    """Counters of one client, safe to update from several threads."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, requests: int = 0, retries: int = 0, throttled: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.throttled += throttled

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {"requests": self.requests, "retries": self.retries, "throttled": self.throttled}


def retry_reason(exc: BaseException | None) -> str | None:
    """Why ``exc`` is worth another attempt, or None when it is not."""
    if exc is None or isinstance(exc, OutcomeUnknownError):
        return None
    if isinstance(exc, ThrottledError):
        if exc.code in NOT_WORTH_WAITING:
            return None
        return f"throttled ({exc.code_name if exc.code is not None else 'HTTP ' + str(exc.http_status)})"
    if isinstance(exc, ConnectionFailedError):
        cause = exc.__cause__
        return f"connection failure ({type(cause).__name__ if cause else 'transport error'})"
    if isinstance(exc, TransientServerError):
        what = exc.code_name if exc.code is not None else "no Clarifai status"
        return f"transient server error (HTTP {exc.http_status}, {what})"
    return None


def compute_wait(
    policy: RetryPolicy, attempt_number: int, exc: BaseException | None, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait after failed attempt ``attempt_number`` (1-based)."""
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        return min(float(retry_after), policy.max_retry_after)
    if isinstance(exc, ClarifaiError) and exc.code in HOURLY_LIMIT:
        return policy.hourly_limit_wait
    ceiling = min(policy.max_wait, policy.initial_wait * 2.0 ** max(0, attempt_number - 1))
    return rand() * ceiling


def retrying_kwargs(policy: RetryPolicy, stats: ClientStats, describe: str) -> dict[str, Any]:
    """Keyword arguments for ``tenacity.Retrying``/``AsyncRetrying`` implementing the
    policy for one call described by ``describe`` (used in log lines)."""

    def _retry(state: tenacity.RetryCallState) -> bool:
        if state.outcome is None or not state.outcome.failed:
            return False
        return retry_reason(state.outcome.exception()) is not None

    def _wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        return compute_wait(policy, state.attempt_number, exc)

    def _before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.upcoming_sleep
        stats.add(retries=1)
        req_id = getattr(exc, "req_id", None)
        level = logging.WARNING if state.attempt_number >= 2 else logging.INFO
        logger.log(
            level,
            "retrying %s after %s: attempt %d of %d failed, waiting %.2f s (req_id=%s)",
            describe,
            retry_reason(exc),
            state.attempt_number,
            policy.max_attempts,
            wait,
            req_id or "-",
        )

    def _after(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, ClarifaiError):
            exc.note_attempts(state.attempt_number)

    return {
        "retry": _retry,
        "after": _after,
        "wait": _wait,
        "stop": tenacity.stop_after_attempt(policy.max_attempts) | tenacity.stop_before_delay(policy.max_elapsed),
        "before_sleep": _before_sleep,
        "reraise": True,
    }


def is_rate_limited(exc: BaseException | None) -> bool:
    """True for a throttled answer that a lower request rate avoids: HTTP 429 or
    CONN_THROTTLED (not the hourly or monthly quotas, which no pace fixes)."""
    if not isinstance(exc, ThrottledError):
        return False
    if exc.code is not None:
        return exc.code == StatusCode.CONN_THROTTLED
    return exc.http_status == 429


def note_attempt(stats: ClientStats, exc: BaseException | None, on_throttle: Callable[[], None] | None = None) -> None:
    """Count one attempt (and whether it was throttled); call ``on_throttle`` when the
    server rate limited it (the client's token bucket lowers its rate)."""
    stats.add(requests=1, throttled=1 if isinstance(exc, ThrottledError) else 0)
    if on_throttle is not None and is_rate_limited(exc):
        on_throttle()


@contextlib.contextmanager
def attempt_scope(
    stats: ClientStats, spec: transport.CallSpec, on_throttle: Callable[[], None] | None = None
) -> Iterator[None]:
    """Wrap one attempt: count it, and turn what it raised into the typed error the
    retry policy decides on (see :func:`connector.transport.settle_error`);
    ``on_throttle`` is called when the attempt was rate limited."""
    failure: BaseException | None = None
    try:
        yield
    except (httpx.TransportError, ClarifaiError) as exc:
        failure = transport.settle_error(exc, spec)
        if failure is exc:
            raise
        raise failure from failure.__cause__
    finally:
        note_attempt(stats, failure, on_throttle)
