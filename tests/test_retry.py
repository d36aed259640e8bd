"""The retry policy: classification, waits (Retry-After, hourly limit, full jitter),
stop rules, logging of each retry."""
from __future__ import annotations

import logging

import httpx
import pytest

from connector.client import ClarifaiClient
from connector.config import ClarifaiConfig, RetryPolicy
from connector.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ConnectionFailedError,
    InvalidArgumentError,
    NotFoundError,
    OutcomeUnknownError,
    PartialFailureError,
    ThrottledError,
    TransientServerError,
)
from connector.retry import ClientStats, compute_wait, retry_reason

POLICY = RetryPolicy(max_attempts=6, max_elapsed=100.0, initial_wait=1.0, max_wait=8.0, max_retry_after=10.0, hourly_limit_wait=60.0)


def test_retry_reason_classification() -> None:
    assert retry_reason(ThrottledError(code=11005, http_status=429))
    assert retry_reason(ThrottledError(code=11003, http_status=429))
    assert retry_reason(ThrottledError(code=11004, http_status=429)) is None  # monthly limit: waiting won't help
    assert retry_reason(TransientServerError(code=98004, http_status=500))
    assert retry_reason(ConnectionFailedError("reset"))
    for err in (
        AuthenticationError(code=11008),
        NotFoundError(code=11101),
        InvalidArgumentError(code=11102),
        AlreadyExistsError(code=40010),
        PartialFailureError(code=10010),
        OutcomeUnknownError("maybe"),
        ValueError("not ours"),
        None,
    ):
        assert retry_reason(err) is None, err


def test_wait_honours_retry_after_capped() -> None:
    err = ThrottledError(code=11005)
    err.retry_after = 3.0
    assert compute_wait(POLICY, 1, err) == 3.0
    err.retry_after = 500.0
    assert compute_wait(POLICY, 1, err) == POLICY.max_retry_after


def test_wait_for_hourly_limit() -> None:
    assert compute_wait(POLICY, 1, ThrottledError(code=11003)) == POLICY.hourly_limit_wait


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (10, 8.0)])
def test_full_jitter_exponential_backoff(attempt: int, ceiling: float) -> None:
    err = TransientServerError(code=98004)
    assert compute_wait(POLICY, attempt, err, rand=lambda: 1.0) == ceiling
    assert compute_wait(POLICY, attempt, err, rand=lambda: 0.0) == 0.0
    assert compute_wait(POLICY, attempt, err, rand=lambda: 0.25) == ceiling * 0.25


def test_stats_are_counted() -> None:
    stats = ClientStats()
    stats.add(requests=2, retries=1, throttled=1)
    assert stats.snapshot() == {"requests": 2, "retries": 1, "throttled": 1}


def _client(handler, policy: RetryPolicy) -> ClarifaiClient:
    config = ClarifaiConfig(pat="retry-pat", user_id="u", app_id="a", base_url="http://127.0.0.1:9", rate_limit=0, retry=policy)
    return ClarifaiClient(config, transport=httpx.MockTransport(handler))


def test_stop_before_elapsed_budget_is_passed() -> None:
    """A Retry-After longer than the remaining time budget stops at once (no sleep)."""
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(429, json={"status": {"code": 11005}}, headers={"Retry-After": "50"})

    policy = RetryPolicy(max_attempts=5, max_elapsed=1.0, max_retry_after=50.0)
    with _client(handler, policy) as client, pytest.raises(ThrottledError) as info:
        client.get_dataset("d")
    assert len(calls) == 1
    assert "rate_limit" in str(info.value)  # says what to do


def test_each_retry_is_logged_with_reason_attempt_wait_and_req_id(caplog) -> None:
    responses = iter(
        [
            httpx.Response(503, json={"status": {"code": 40031, "req_id": "rq-1"}}),
            httpx.Response(503, json={"status": {"code": 40031, "req_id": "rq-2"}}),
            httpx.Response(200, json={"status": {"code": 10000}, "dataset": {"id": "d"}}),
        ]
    )
    policy = RetryPolicy(max_attempts=5, initial_wait=0.0, max_wait=0.0)
    caplog.set_level(logging.INFO, logger="connector.retry")
    with _client(lambda request: next(responses), policy) as client:
        assert client.get_dataset("d") == {"id": "d"}
        assert client.stats.retries == 2
    records = [r for r in caplog.records if r.name == "connector.retry"]
    assert len(records) == 2
    assert records[0].levelno == logging.INFO and records[1].levelno == logging.WARNING
    text = records[0].getMessage()
    assert "GetDataset" in text and "RPC_SERVER_UNAVAILABLE" in text and "attempt 1 of 5" in text and "req_id=rq-1" in text
    assert "waiting 0.00 s" in text
