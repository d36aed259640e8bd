"""The token bucket: burst, refill, reservations in order, off switch, and that a
client takes one token per attempt (retries included); the one-second window over it:
never more than the rate in any second, from the first request on, and the whole rate
used."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from connector.client import ClarifaiClient
from connector.config import ClarifaiConfig, RetryPolicy
from connector.ratelimit import TokenBucket
from connector.status_codes import StatusCode
from tests.support.clock import FakeClock
from tests.support.contract import contract_hooks


def test_burst_then_reservations_spaced_by_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, 3, clock=clock)
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    waits = [bucket.reserve() for _ in range(3)]
    assert waits == pytest.approx([0.1, 0.2, 0.3])


def test_refill_is_capped_at_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, 2, clock=clock, window=0)  # the bucket alone (the window: below)
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
        monkeypatch.setattr(client._limiter, "acquire", lambda *stop: taken.append(1) or original(*stop))
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
    bucket = TokenBucket(10, 10, clock=clock, recover_after=60, window=0)  # the bucket alone
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


# -- the rate over every second (sliding window) -------------------------------------------


def test_a_fresh_bucket_starts_its_burst_then_waits_for_the_window() -> None:
    """15 requests/s with the default burst of 15: the first 15 go at once, and the
    16th waits until a second (plus the margin) after the first, however full the
    bucket's refill would let it be; each later second starts 15 more, so the bound
    (15 a second) is used in full."""
    clock = FakeClock()
    bucket = TokenBucket(15, clock=clock, margin=0.0)
    waits = [bucket.reserve() for _ in range(46)]
    assert waits == pytest.approx([0.0] * 15 + [1.0] * 15 + [2.0] * 15 + [3.0])


def test_a_late_start_pushes_the_next_window() -> None:
    """A caller that wakes up later than its turn counts from when it really started,
    so the window after it starts later too (no two windows' worth within a second)."""
    clock = FakeClock()
    bucket = TokenBucket(2, clock=clock, margin=0.0)
    assert bucket.acquire() == 0.0  # starts at 100.0
    clock.now += 0.4
    wait = bucket.reserve()  # its turn is now (100.4), but it starts late
    assert wait == 0.0
    clock.now += 0.5
    bucket._started(wait)  # really started at 100.9
    # The next: a second after the first (101.0); the one after: a second after the
    # late one (101.9), not after its planned 100.4.
    assert [bucket.reserve(), bucket.reserve()] == pytest.approx([0.1, 1.0])


def test_no_window_of_one_second_holds_more_than_the_rate() -> None:
    """Reservations at a clock that moves in uneven steps: counted over every window of
    one second, never more than the rate, and the margin keeps windows apart."""
    import random

    rng = random.Random(7)
    clock = FakeClock()
    bucket = TokenBucket(15, clock=clock)
    starts = []
    for _ in range(400):
        clock.now += rng.choice([0.0, 0.0, 0.001, 0.03, 0.2, 0.7])
        starts.append(clock.now + bucket.reserve())
    assert starts == sorted(starts)
    assert max(sum(1 for t in starts if s <= t < s + 1.0 + bucket.margin) for s in starts) <= 15


def test_the_window_follows_the_lowered_rate() -> None:
    """After a throttled answer (16/s halved to 8/s) at most 8 start in any second, and
    after a long quiet period, with the rate recovered, the window holds 16 again."""
    clock = FakeClock()
    bucket = TokenBucket(16, clock=clock, margin=0.0, recover_after=60)
    bucket.throttled()
    starts = [clock.now + bucket.reserve() for _ in range(25)]
    assert max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts) == 8
    clock.now += 3600  # recovered: 16/s, a fresh burst of 16, then the window
    assert bucket.current_rate == 16
    waits = [bucket.reserve() for _ in range(17)]
    assert waits == pytest.approx([0.0] * 16 + [1.0])


def test_the_window_holds_fractional_and_small_rates_and_can_be_turned_off() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2.5, clock=clock, margin=0.0)  # at most 2 in any second
    starts = [clock.now + bucket.reserve() for _ in range(9)]
    assert max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts) == 2
    slow = TokenBucket(0.5, clock=FakeClock(), margin=0.0)  # the bucket's 2 s spacing rules
    assert [slow.reserve() for _ in range(3)] == pytest.approx([0.0, 2.0, 4.0])
    plain = TokenBucket(10, 3, clock=FakeClock(), window=0)
    assert [plain.reserve() for _ in range(5)] == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


def test_a_listing_never_exceeds_the_rate_in_any_second_of_the_servers_log(client_config) -> None:
    """A listing at the client's 15 requests/s against a server that throttles beyond
    15/s (its own bucket, full at the start): every window of one second of the
    arrival times the server logged holds at most 15 requests, from the first one on,
    and the server never answers 429. The server runs in its own process, as the API
    does: in the test's process its loop would wait for the client's threads, and the
    times it logs would move with them."""
    from connector.emulator.testing import EmulatorAdmin
    from tests.support.emulator_process import emulator_process

    with emulator_process("--seed", "demo", "--seed-inputs", "2400", "--rate-limit", "15") as url:
        admin = EmulatorAdmin(url)
        # Checking every answer against its message would hold the server's loop long
        # enough to shift the arrival times it logs; the window is about the client.
        admin.set_options(validate_responses=False)
        admin.clear_requests()
        config = client_config.replace(
            base_url=url, rate_limit=15.0, per_page=40, page_concurrency=4, retry=RetryPolicy(max_attempts=1)
        )
        with ClarifaiClient(config) as client:
            rows = sum(1 for _ in client.list_inputs())
            assert client.stats.snapshot()["throttled"] == 0
        log = [r for r in admin.requests() if r["rpc"] == "ListInputs"]
        admin.close()
    assert rows == 2400
    assert len(log) >= 61
    assert [r for r in log if r["http_status"] == 429] == []
    times = sorted(r["time"] for r in log)
    busiest = max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))
    assert busiest <= 15, busiest


# -- reservations not used -------------------------------------------------------------------


def test_a_released_reservation_gives_back_its_token_and_its_place_in_the_window() -> None:
    """Two requests a second: the third and fourth reservations wait for the next
    second. Released (their requests were never sent), the next two take their turn
    instead of queueing a second behind them."""
    clock = FakeClock()
    bucket = TokenBucket(2, clock=clock, margin=0.0)
    assert [bucket.reserve(), bucket.reserve()] == [0.0, 0.0]
    unused = [bucket.reserve(), bucket.reserve()]
    assert unused == pytest.approx([1.0, 1.0])
    for wait in unused:
        bucket.release(wait)
    assert [bucket.reserve(), bucket.reserve(), bucket.reserve()] == pytest.approx([1.0, 1.0, 2.0])


def test_without_release_the_next_reservations_queue_behind_the_unused_ones() -> None:
    """The same as above without the release: the yardstick the release is measured by."""
    clock = FakeClock()
    bucket = TokenBucket(2, clock=clock, margin=0.0)
    waits = [bucket.reserve() for _ in range(7)]
    assert waits[4:] == pytest.approx([2.0, 2.0, 3.0])


def test_a_released_token_goes_back_to_the_bucket() -> None:
    """Without the window, the bucket alone: one token a second, none saved; a
    reservation released puts its token back, so the next waits one second, not two."""
    clock = FakeClock()
    bucket = TokenBucket(1, clock=clock, window=0)
    assert bucket.reserve() == 0.0
    wait = bucket.reserve()
    assert wait == pytest.approx(1.0)
    bucket.release(wait)  # the bucket's own waits carry no window entry: nothing to free
    assert bucket.reserve() == pytest.approx(2.0)
    windowed = TokenBucket(1, clock=clock, margin=0.0)
    assert windowed.reserve() == 0.0
    wait = windowed.reserve()
    windowed.release(wait)
    assert windowed.reserve() == pytest.approx(1.0)
    windowed.release(0.0)  # a plain number changes nothing
    windowed.release(wait)  # nor a reservation released already
    assert windowed.reserve() == pytest.approx(2.0)


def test_acquire_with_stop_wakes_up_when_stop_is_set() -> None:
    """A caller waiting for its turn (ten seconds away) returns as soon as ``stop`` is
    set, with its reservation, which it then releases; the limiter is as before."""
    bucket = TokenBucket(0.1)
    assert bucket.acquire() == 0.0
    stop = threading.Event()
    got: list[float] = []
    waiter = threading.Thread(target=lambda: got.append(bucket.acquire(stop)))
    waiter.start()
    stop.set()
    waiter.join(timeout=5)
    assert not waiter.is_alive() and got and got[0] > 5
    bucket.release(got[0])
    assert len(bucket._starts) == 1


def test_a_cancelled_async_wait_gives_its_token_back() -> None:
    """A task cancelled while it waits for its turn releases its reservation: the next
    caller does not wait behind it."""
    bucket = TokenBucket(0.1)

    async def main() -> float:
        assert await bucket.aacquire() == 0.0
        waiting = asyncio.ensure_future(bucket.aacquire())
        await asyncio.sleep(0.01)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return bucket.reserve()

    assert 5 < asyncio.run(main()) <= 10.1
