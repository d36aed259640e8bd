"""The retry policy: classification, waits (Retry-After, hourly limit, full jitter),
stop rules, logging of each retry."""

from __future__ import annotations

import email.utils
import logging
import time

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

POLICY = RetryPolicy(
    max_attempts=6, max_elapsed=100.0, initial_wait=1.0, max_wait=8.0, max_retry_after=10.0, hourly_limit_wait=60.0
)


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
    config = ClarifaiConfig(
        pat="retry-pat", user_id="u", app_id="a", base_url="http://127.0.0.1:9", rate_limit=0, retry=policy
    )
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
    assert (
        "GetDataset" in text and "RPC_SERVER_UNAVAILABLE" in text and "attempt 1 of 5" in text and "req_id=rq-1" in text
    )
    assert "waiting 0.00 s" in text


class FakeTime:
    """Stands in for the ``time`` module inside tenacity: sleeping advances a fake
    clock instead of waiting, so waits and the time budget are checked exactly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch) -> FakeTime:
    import tenacity
    import tenacity.nap

    fake = FakeTime()
    monkeypatch.setattr(tenacity, "time", fake)
    monkeypatch.setattr(tenacity.nap, "time", fake)
    return fake


def test_retry_after_as_http_date_is_honoured(fake_time, caplog) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    responses = iter(
        [
            httpx.Response(429, json={"status": {"code": 11005, "req_id": "rq-date"}}, headers={"Retry-After": when}),
            httpx.Response(200, json={"status": {"code": 10000}, "dataset": {"id": "d"}}),
        ]
    )
    policy = RetryPolicy(max_attempts=3, max_elapsed=300.0, initial_wait=0.0, max_wait=0.0, max_retry_after=120.0)
    caplog.set_level(logging.INFO, logger="connector.retry")
    with _client(lambda request: next(responses), policy) as client:
        assert client.get_dataset("d") == {"id": "d"}
    assert len(fake_time.slept) == 1
    assert 28.0 <= fake_time.slept[0] <= 30.0  # the date is whole seconds from now
    (record,) = [r for r in caplog.records if r.name == "connector.retry"]
    assert "CONN_THROTTLED" in record.getMessage() and "req_id=rq-date" in record.getMessage()


def test_retry_after_beyond_the_cap_waits_the_cap(fake_time) -> None:
    far = email.utils.formatdate(time.time() + 3600, usegmt=True)
    responses = iter(
        [
            httpx.Response(429, json={"status": {"code": 11005}}, headers={"Retry-After": far}),
            httpx.Response(200, json={"status": {"code": 10000}, "dataset": {"id": "d"}}),
        ]
    )
    policy = RetryPolicy(max_attempts=3, max_elapsed=300.0, max_retry_after=45.0)
    with _client(lambda request: next(responses), policy) as client:
        client.get_dataset("d")
    assert fake_time.slept == [45.0]


def test_hourly_limit_waits_the_long_wait(fake_time, caplog) -> None:
    """CONN_EXCEED_HOURLY_LIMIT without Retry-After waits ``hourly_limit_wait``, not the
    short exponential backoff used for CONN_THROTTLED."""
    responses = iter(
        [
            httpx.Response(429, json={"status": {"code": 11003, "req_id": "rq-hour"}}),
            httpx.Response(429, json={"status": {"code": 11005}}),
            httpx.Response(200, json={"status": {"code": 10000}, "dataset": {"id": "d"}}),
        ]
    )
    policy = RetryPolicy(max_attempts=5, max_elapsed=600.0, initial_wait=0.5, max_wait=1.0, hourly_limit_wait=300.0)
    caplog.set_level(logging.INFO, logger="connector.retry")
    with _client(lambda request: next(responses), policy) as client:
        client.get_dataset("d")
    assert fake_time.slept[0] == 300.0
    assert fake_time.slept[1] <= 1.0  # CONN_THROTTLED: jittered backoff, at most 2 x initial_wait
    first = next(r.getMessage() for r in caplog.records if r.name == "connector.retry")
    assert "CONN_EXCEED_HOURLY_LIMIT" in first and "req_id=rq-hour" in first and "waiting 300.00 s" in first


def test_total_time_budget_stops_retries(fake_time) -> None:
    """Retry-After 4 s with a 10 s budget: attempts at 0, 4 and 8 s; the next would
    start at 12 s, past the budget, so the call gives up after 3 of 10 allowed."""
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(503, json={"status": {"code": 40031}}, headers={"Retry-After": "4"})

    policy = RetryPolicy(max_attempts=10, max_elapsed=10.0, max_retry_after=60.0)
    with _client(handler, policy) as client, pytest.raises(TransientServerError) as info:
        client.get_dataset("d")
    assert len(calls) == 3 and fake_time.slept == [4.0, 4.0]
    assert info.value.attempts == 3 and "gave up after 3 attempts" in str(info.value)


def test_attempts_bound_stops_retries(fake_time) -> None:
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(500, json={"status": {"code": 98004}})

    policy = RetryPolicy(max_attempts=4, max_elapsed=10_000.0, initial_wait=1.0, max_wait=2.0)
    with _client(handler, policy) as client, pytest.raises(TransientServerError) as info:
        client.get_dataset("d")
    assert len(calls) == 4 and len(fake_time.slept) == 3
    assert all(0.0 <= s <= 2.0 for s in fake_time.slept)
    assert info.value.attempts == 4
