"""The adaptive token bucket at its edges, on a fake clock: the burst once the rate has
dropped below one token a second, recovery steps of another size and their timing, and
that acquiring sleeps exactly the wait it reserved (never for a free token)."""

from __future__ import annotations

import asyncio

import pytest

from connector.ratelimit import TokenBucket
from tests.support.clock import FakeClock


def test_below_one_token_a_second_the_burst_is_a_single_token() -> None:
    clock = FakeClock()
    bucket = TokenBucket(4, 5, clock=clock, floor=0.5, cooldown=0.0, recover_after=1e9)
    for _ in range(3):
        bucket.throttled()  # 4 -> 2 -> 1 -> 0.5 a second
    assert bucket.current_rate == 0.5
    clock.now += 1000  # a long quiet period saves one token, not the configured five
    assert [bucket.reserve(), bucket.reserve()] == pytest.approx([0.0, 2.0])


def test_recovery_climbs_by_its_step_once_per_quiet_period() -> None:
    clock = FakeClock()
    bucket = TokenBucket(16, clock=clock, floor=1, recover_after=2.0, recover_step=3.0)
    bucket.throttled()
    assert bucket.current_rate == 8
    clock.now += 2.0
    assert bucket.current_rate == 11
    clock.now += 1.0  # half a period since the last step: no step yet
    assert bucket.current_rate == 11
    clock.now += 1.0
    assert bucket.current_rate == 14
    clock.now += 10.0
    assert bucket.current_rate == 16  # never above the configured rate


def test_a_rate_at_its_ceiling_stays_there() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock, recover_after=1.0, recover_step=5.0)
    clock.now += 50
    assert bucket.current_rate == 10
    bucket.throttled()
    clock.now += 1.0
    assert bucket.current_rate == 10  # 5 + one step of 5


def test_acquire_sleeps_exactly_the_reserved_wait(monkeypatch) -> None:
    clock = FakeClock()
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)
    bucket = TokenBucket(4, 1, clock=clock)
    assert [bucket.acquire(), bucket.acquire(), bucket.acquire()] == pytest.approx([0.0, 0.25, 0.5])
    assert slept == pytest.approx([0.25, 0.5])  # the free token is taken without sleeping


def test_async_acquire_sleeps_exactly_the_reserved_wait(monkeypatch) -> None:
    clock = FakeClock()
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("asyncio.sleep", fake_sleep)
    bucket = TokenBucket(4, 1, clock=clock)

    async def main() -> list[float]:
        return [await bucket.aacquire() for _ in range(3)]

    assert asyncio.run(main()) == pytest.approx([0.0, 0.25, 0.5])
    assert slept == pytest.approx([0.25, 0.5])


def test_the_repr_shows_the_rates() -> None:
    bucket = TokenBucket(10, 4, clock=FakeClock())
    bucket.throttled()
    assert repr(bucket) == "TokenBucket(rate=10.0, burst=4.0, current_rate=5.0, window=1.0)"


def test_a_window_holds_whole_requests_only_and_as_many_as_its_length_allows() -> None:
    """At 1.5 requests a second the bucket alone starts the second request a third of
    a second after the first. A one-second window holds one whole request (the floor of
    1.5), so each waits a full second; a two-second window holds three (1.5 x 2), so
    only the fourth waits for the first to leave it."""
    alone = TokenBucket(1.5, clock=FakeClock(), window=0)
    assert [alone.reserve() for _ in range(4)] == pytest.approx([0.0, 1 / 3, 1.0, 5 / 3])
    one_second = TokenBucket(1.5, clock=FakeClock(), margin=0.0)
    assert [one_second.reserve() for _ in range(4)] == pytest.approx([0.0, 1.0, 2.0, 3.0])
    two_seconds = TokenBucket(1.5, clock=FakeClock(), window=2, margin=0.0)
    assert [two_seconds.reserve() for _ in range(5)] == pytest.approx([0.0, 1 / 3, 1.0, 2.0, 7 / 3])


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_caller_woken_late_counts_from_its_real_start(monkeypatch, flavour: str) -> None:
    """One request a second. The second caller's turn is a second away, but it wakes
    half a second late (a loaded machine): the window after it counts from its real
    start, so the third waits a whole second after it, not half a second."""
    clock = FakeClock()

    def late_sleep(seconds: float) -> None:
        clock.now += seconds + 0.5

    async def late_asleep(seconds: float) -> None:
        late_sleep(seconds)

    monkeypatch.setattr("time.sleep", late_sleep)
    monkeypatch.setattr("asyncio.sleep", late_asleep)
    bucket = TokenBucket(1, clock=clock, margin=0.0)

    async def two_async() -> list[float]:
        return [await bucket.aacquire(), await bucket.aacquire()]

    waits = [bucket.acquire(), bucket.acquire()] if flavour == "sync" else asyncio.run(two_async())
    assert waits == pytest.approx([0.0, 1.0])
    assert clock.now == pytest.approx(101.5)
    assert bucket.reserve() == pytest.approx(1.0)


def test_the_buckets_default_cooldown_recovery_and_floor() -> None:
    """Left to their defaults: throttled answers less than a second apart lower the rate
    once (a second apart, twice), and the rate climbs back one token a second for every
    two quiet seconds; the rate never drops below a twentieth of the configured one."""
    floored = TokenBucket(20, clock=FakeClock(), cooldown=0)
    for _ in range(6):
        floored.throttled()  # 20 -> 10 -> 5 -> 2.5 -> 1.25 -> 1 (not 0.625)
    assert floored.current_rate == 1.0
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock)
    bucket.throttled()
    clock.now += 0.99
    bucket.throttled()
    assert bucket.current_rate == 5
    clock.now += 0.01  # a second after the first
    bucket.throttled()
    assert bucket.current_rate == 2.5
    clock.now += 1.99
    assert bucket.current_rate == 2.5
    clock.now += 0.01
    assert bucket.current_rate == 3.5
    clock.now += 2.0
    assert bucket.current_rate == 4.5
