"""The token bucket: burst, refill, reservations in order, off switch, and that a
client takes one token per attempt (retries included)."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from connector.client import ClarifaiClient
from connector.config import ClarifaiConfig, RetryPolicy
from connector.ratelimit import TokenBucket
from connector.status_codes import StatusCode
from tests.support.contract import contract_hooks


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_reservations_spaced_by_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, 3, clock=clock)
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    waits = [bucket.reserve() for _ in range(3)]
    assert waits == pytest.approx([0.1, 0.2, 0.3])


def test_refill_is_capped_at_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, 2, clock=clock)
    bucket.reserve(), bucket.reserve()
    clock.now += 100
    assert [bucket.reserve() for _ in range(2)] == [0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.5)


def test_default_burst_and_off_switch() -> None:
    assert TokenBucket(15).burst == 15
    assert TokenBucket(0.5).burst == 1
    off = TokenBucket(0)
    assert not off.enabled
    assert all(off.reserve() == 0.0 for _ in range(1000))


def test_threads_share_one_bucket() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100, 1, clock=clock)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            w = bucket.reserve()
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 100 reservations at a frozen clock: one free token, then each 10 ms further out.
    assert sorted(waits) == pytest.approx([i * 0.01 for i in range(100)])


def test_async_acquire_waits_for_reserved_token() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1000, 1, clock=clock)

    async def main() -> list[float]:
        return list(await asyncio.gather(*(bucket.aacquire() for _ in range(3))))

    assert sorted(asyncio.run(main())) == pytest.approx([0.0, 0.001, 0.002])


def test_client_takes_a_token_per_attempt(monkeypatch) -> None:
    taken = []
    responses = iter(
        [httpx.Response(503, text="<html/>"), httpx.Response(200, json={"status": {"code": int(StatusCode.SUCCESS)}})]
    )
    config = ClarifaiConfig(
        pat="rl-pat",
        user_id="u",
        app_id="a",
        base_url="http://127.0.0.1:9",
        rate_limit=5,
        retry=RetryPolicy(initial_wait=0, max_wait=0),
    )
    with ClarifaiClient(config, transport=httpx.MockTransport(lambda r: next(responses))) as client:
        original = client._limiter.acquire
        monkeypatch.setattr(client._limiter, "acquire", lambda: taken.append(1) or original())
        client.call("GetDataset", path={"dataset_id": "d"})
    assert len(taken) == 2


def test_threads_of_one_client_stay_under_the_server_limit(client_config, emulator) -> None:
    """Four threads share one client limited to 20 requests/s against a server that
    allows 40/s in bursts of 6: the server never answers 429. Each thread alone would
    be allowed 20/s, so a limiter per thread (80/s together) or none at all would be
    throttled. At most four requests are in flight at once, fewer than the server's
    burst, so scheduling delays cannot bunch enough of them to be throttled."""
    emulator.admin.set_rate_limit(40, burst=6)
    config = client_config.replace(rate_limit=20.0, rate_burst=1, retry=RetryPolicy(max_attempts=1))
    emulator.admin.clear_requests()
    errors: list[BaseException] = []
    with ClarifaiClient(config, event_hooks=contract_hooks()) as client:

        def worker() -> None:
            try:
                for _ in range(5):
                    client.call("GetApp")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
        assert client.stats.snapshot() == {"requests": 20, "retries": 0, "throttled": 0}
    assert errors == []
    log = [r for r in emulator.admin.requests() if r["rpc"] == "GetApp"]
    assert len(log) == 20
    assert [r for r in log if r["http_status"] == 429] == []


def test_throttled_halves_the_rate_down_to_the_floor_once_per_cooldown() -> None:
    clock = FakeClock()
    bucket = TokenBucket(16, clock=clock, floor=3, cooldown=1.0)
    bucket.throttled()
    assert bucket.current_rate == 8
    bucket.throttled()  # an answer of a request already in flight: same episode
    assert bucket.current_rate == 8
    for expected in (4, 3, 3):
        clock.now += 1.0
        bucket.throttled()
        assert bucket.current_rate == expected


def test_rate_recovers_additively_after_quiet_periods_never_above_the_ceiling() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock, recover_after=2.0, recover_step=1.0)
    bucket.throttled()
    assert bucket.current_rate == 5
    clock.now += 1.9
    assert bucket.current_rate == 5
    clock.now += 0.1
    assert bucket.current_rate == 6
    clock.now += 4.0
    assert bucket.current_rate == 8
    clock.now += 100.0
    assert bucket.current_rate == 10


def test_a_throttled_answer_spends_the_saved_tokens_and_shrinks_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, 10, clock=clock, recover_after=60)
    bucket.throttled()  # 5/s: the 10 saved tokens are gone, the next request waits its turn
    assert [bucket.reserve() for _ in range(2)] == pytest.approx([0.2, 0.4])
    clock.now += 30  # a long quiet period saves up a burst of 5 (the lowered rate), not 10
    assert [bucket.reserve() for _ in range(6)] == pytest.approx([0.0] * 5 + [0.2])


def test_throttled_is_a_no_op_when_the_limiter_is_off() -> None:
    bucket = TokenBucket(0)
    bucket.throttled()
    assert bucket.reserve() == 0.0 and bucket.current_rate == 0


def _throttling_client(answers: list[httpx.Response]) -> ClarifaiClient:
    responses = iter(answers)
    config = ClarifaiConfig(
        pat="rl-pat",
        user_id="u",
        app_id="a",
        base_url="http://127.0.0.1:9",
        rate_limit=1000,
        retry=RetryPolicy(initial_wait=0, max_wait=0),
    )
    return ClarifaiClient(config, transport=httpx.MockTransport(lambda r: next(responses)))


def test_a_429_answer_lowers_the_clients_rate() -> None:
    ok = httpx.Response(200, json={"status": {"code": int(StatusCode.SUCCESS)}})
    throttled = httpx.Response(
        429, json={"status": {"code": int(StatusCode.CONN_THROTTLED), "description": "throttled"}}
    )
    with _throttling_client([throttled, ok]) as client:
        client.call("GetDataset", path={"dataset_id": "d"})
        assert client.stats.snapshot()["throttled"] == 1
        assert client._limiter.current_rate < 1000  # halved (it climbs back by 1/s every 2 s)


def test_a_quota_answer_does_not_lower_the_rate() -> None:
    """CONN_EXCEED_HOURLY_LIMIT is throttling that no pace avoids: the rate stays."""
    ok = httpx.Response(200, json={"status": {"code": int(StatusCode.SUCCESS)}})
    hourly = httpx.Response(
        429, json={"status": {"code": int(StatusCode.CONN_EXCEED_HOURLY_LIMIT)}}, headers={"Retry-After": "0"}
    )
    with _throttling_client([hourly, ok]) as client:
        client.call("GetDataset", path={"dataset_id": "d"})
        assert client.stats.snapshot()["throttled"] == 1
        assert client._limiter.current_rate == 1000


def test_the_async_client_lowers_its_rate_on_429() -> None:
    from connector.aio import AsyncClarifaiClient

    responses = iter(
        [
            httpx.Response(429, json={"status": {"code": int(StatusCode.CONN_THROTTLED)}}),
            httpx.Response(200, json={"status": {"code": int(StatusCode.SUCCESS)}}),
        ]
    )
    config = ClarifaiConfig(
        pat="rl-pat",
        user_id="u",
        app_id="a",
        base_url="http://127.0.0.1:9",
        rate_limit=40,
        retry=RetryPolicy(initial_wait=0, max_wait=0),
    )

    async def main() -> float:
        async with AsyncClarifaiClient(config, transport=httpx.MockTransport(lambda r: next(responses))) as client:
            await client.call("GetDataset", path={"dataset_id": "d"})
            return client._limiter.current_rate

    assert asyncio.run(main()) < 40
