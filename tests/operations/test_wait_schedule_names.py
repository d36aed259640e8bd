"""A wait's schedule: the argument names its errors give (renamed by ``names``), the
default backoff of a Waiter's pauses, and the reading a failure callback is given."""

from __future__ import annotations

import pytest

from connector.errors import ValidationError, WaitFailedError
from connector.operations.waits import FAILED, PENDING, Reading, Waiter, check_schedule
from tests.support.clock import FakeClock


class _NoJitter:
    """The random source of a Waiter without jitter: every pause is its full length."""

    def uniform(self, low: float, high: float) -> float:
        return high


@pytest.mark.parametrize(
    ("schedule", "argument"),
    [
        ((-1, 1, 1, 1.6), "wait_seconds"),
        ((1, 1, 1, 0.5), "growth"),
    ],
)
def test_a_renamed_timeout_or_backoff_is_named_as_the_caller_calls_it(schedule, argument) -> None:
    names = {"timeout": "wait_seconds", "backoff": "growth"}
    with pytest.raises(ValidationError) as info:
        check_schedule(*schedule, names=names)
    assert info.value.argument == argument
    assert str(info.value).startswith(f"{argument} must")


def test_a_waiters_pauses_grow_by_1_6_by_default() -> None:
    waiter: Waiter[str] = Waiter(
        kind="operation",
        object_id="op-1",
        what="operation op-1",
        read=lambda obj: Reading(PENDING),
        timeout=1000.0,
        interval=1.0,
        max_interval=100.0,
        clock=FakeClock(),
        rng=_NoJitter(),  # type: ignore[arg-type]
    )
    pauses = [waiter.pause() for _ in range(3)]
    assert pauses == pytest.approx([1.0, 1.6, 2.56])


def test_a_failure_callback_is_given_the_reading_that_failed() -> None:
    seen: list[tuple[str, Reading]] = []

    def on_failure(obj: str, reading: Reading) -> tuple[str, str]:
        seen.append((obj, reading))
        return f"{obj} failed: {reading.description}", "start it again"

    reading = Reading(FAILED, status_code=25000, description="out of quota")
    waiter: Waiter[str] = Waiter(
        kind="operation",
        object_id="op-1",
        what="operation op-1",
        read=lambda obj: reading,
        timeout=10.0,
        interval=1.0,
        max_interval=1.0,
        on_failure=on_failure,
        clock=FakeClock(),
    )
    with pytest.raises(WaitFailedError) as info:
        waiter.judge("op-1")
    assert seen == [("op-1", reading)]
    assert "op-1 failed: out of quota" in str(info.value)
