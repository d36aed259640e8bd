"""Why a failure is retried, as the retry log line says it, and the wait for failures
that carry no server advice."""

from __future__ import annotations

import httpx
import pytest

from connector.config import RetryPolicy
from connector.errors import ConnectionFailedError, ThrottledError, TransientServerError
from connector.retry import compute_wait, retry_reason
from connector.status_codes import StatusCode

POLICY = RetryPolicy(initial_wait=1.0, max_wait=8.0, max_retry_after=10.0, hourly_limit_wait=60.0)


def _connection_failure(cause: BaseException | None) -> ConnectionFailedError:
    err = ConnectionFailedError("failed")
    err.__cause__ = cause
    return err


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (ThrottledError(code=StatusCode.CONN_THROTTLED, http_status=429), "throttled (CONN_THROTTLED)"),
        (ThrottledError(http_status=429), "throttled (HTTP 429)"),
        (ThrottledError(code=StatusCode.CONN_EXCEED_HOURLY_LIMIT), "throttled (CONN_EXCEED_HOURLY_LIMIT)"),
        (_connection_failure(httpx.ReadTimeout("slow")), "connection failure (ReadTimeout)"),
        (_connection_failure(None), "connection failure (transport error)"),
        (
            TransientServerError(code=StatusCode.INTERNAL_SERVER_ISSUE, http_status=500),
            "transient server error (HTTP 500, INTERNAL_SERVER_ISSUE)",
        ),
        (TransientServerError(http_status=502), "transient server error (HTTP 502, no Clarifai status)"),
    ],
)
def test_the_reason_a_failure_is_retried(exc, reason) -> None:
    assert retry_reason(exc) == reason


def test_a_limit_that_waiting_does_not_lift_is_not_retried() -> None:
    assert retry_reason(ThrottledError(code=StatusCode.CONN_EXCEED_MONTHLY_LIMIT, http_status=429)) is None


@pytest.mark.parametrize("exc", [None, ValueError("not an API error"), ConnectionError("os level")])
def test_the_wait_without_an_api_error_is_the_plain_backoff(exc) -> None:
    assert compute_wait(POLICY, 1, exc, rand=lambda: 1.0) == 1.0
    assert compute_wait(POLICY, 3, exc, rand=lambda: 1.0) == 4.0
    assert compute_wait(POLICY, 3, exc, rand=lambda: 0.5) == 2.0


def test_a_retry_after_of_zero_is_honoured_as_no_wait() -> None:
    err = ThrottledError(code=StatusCode.CONN_THROTTLED)
    err.retry_after = 0.0
    assert compute_wait(POLICY, 4, err, rand=lambda: 1.0) == 0.0


def test_the_first_attempt_waits_at_most_the_initial_wait() -> None:
    err = TransientServerError(code=StatusCode.INTERNAL_SERVER_ISSUE)
    assert compute_wait(POLICY, 0, err, rand=lambda: 1.0) == 1.0  # never below the first step
    assert compute_wait(POLICY, 1, err, rand=lambda: 1.0) == 1.0
    assert compute_wait(POLICY, 2, err, rand=lambda: 1.0) == 2.0
