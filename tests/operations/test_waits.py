"""The shared wait and the idempotent create: unit tests with a fake clock, and real
waits/creates against the emulator (failure statuses, applied-then-dropped creates)."""

from __future__ import annotations

import random

import pytest

from connector.errors import (
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    ValidationError,
    WaitFailedError,
    WaitTimeoutError,
)
from connector.operations.idempotent import create_or_adopt, read_or_none
from connector.operations.waits import (
    DONE,
    FAILED,
    PENDING,
    classify_bulk_operation,
    classify_dataset_version,
    classify_inputs_add_job,
    poll,
    wait_dataset_version,
    wait_task,
)
from tests.support.clock import FakeClock
from tests.support.scenarios import make_dataset


def test_poll_backs_off_with_jitter_and_stops_at_the_deadline():
    clock = FakeClock(start=0.0)
    events = []
    with pytest.raises(WaitTimeoutError, match="not finished after 30s"):
        poll(
            lambda: {"n": 1},
            lambda o: PENDING,
            what="thing",
            timeout=30,
            interval=1,
            max_interval=8,
            sleep=clock.sleep,
            clock=clock,
            rng=random.Random(1),
            progress=events.append,
        )
    assert clock.now == pytest.approx(30)  # the last sleep is cut to the deadline
    for n, pause in enumerate(clock.sleeps[:-1]):
        cap = min(8, 1 * 1.6**n)
        assert cap * 0.5 <= pause <= cap
    assert len(events) == len(clock.sleeps) + 1  # one progress event per read


class EdgeRandom(random.Random):
    """``uniform(a, b)`` gives ``a`` or ``b`` (as told) and records the range asked for."""

    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high
        self.ranges: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.ranges.append((a, b))
        return b if self.high else a


@pytest.mark.parametrize("high", [False, True])
def test_each_pause_is_jittered_between_half_and_all_of_the_backoff(high):
    clock = FakeClock(start=0.0)
    rng = EdgeRandom(high)
    with pytest.raises(WaitTimeoutError):
        poll(
            dict,
            lambda o: PENDING,
            what="x",
            timeout=60,
            interval=1,
            max_interval=8,
            sleep=clock.sleep,
            clock=clock,
            rng=rng,
        )
    assert rng.ranges and set(rng.ranges) == {(0.5, 1.0)}
    share = 1.0 if high else 0.5
    for n, pause in enumerate(clock.sleeps[:-1]):
        assert pause == pytest.approx(min(8, 1.6**n) * share)


def test_pauses_at_the_cap_still_differ():
    """Once the backoff has reached max_interval, only the jitter tells two pauses apart:
    waits started together (many tasks, many workers) must not poll in lockstep."""
    clock = FakeClock(start=0.0)
    with pytest.raises(WaitTimeoutError):
        poll(
            dict,
            lambda o: PENDING,
            what="x",
            timeout=200,
            interval=1,
            max_interval=4,
            sleep=clock.sleep,
            clock=clock,
        )
    capped = [p for n, p in enumerate(clock.sleeps[:-1]) if 1.6**n >= 4]
    assert len(capped) >= 20
    assert all(2.0 <= p <= 4.0 for p in capped)
    assert len(set(capped)) == len(capped)


def test_poll_returns_when_done_and_fails_at_once():
    clock = FakeClock(start=0.0)
    states = iter([PENDING, PENDING, DONE])
    assert poll(lambda: {"id": "x"}, lambda o: next(states), what="x", sleep=clock.sleep, clock=clock)["id"] == "x"
    assert len(clock.sleeps) == 2
    clock = FakeClock(start=0.0)
    with pytest.raises(WaitFailedError, match="BULK_OPERATION_FAILED"):
        poll(lambda: {"status": {"code": 25401}}, classify_bulk_operation, what="op", sleep=clock.sleep, clock=clock)
    assert clock.sleeps == []


def test_poll_rejects_bad_arguments():
    with pytest.raises(ValidationError, match="timeout must not be negative"):
        poll(dict, lambda o: DONE, what="x", timeout=-1)
    with pytest.raises(ValidationError, match="interval must be a positive number of seconds, got 0"):
        poll(dict, lambda o: DONE, what="x", interval=0)


@pytest.mark.parametrize(
    ("classify", "code", "state"),
    [
        (classify_dataset_version, 64015, DONE),
        (classify_dataset_version, "DATASET_VERSION_PENDING", PENDING),
        (classify_dataset_version, 64010, PENDING),
        (classify_dataset_version, 64020, FAILED),
        (classify_dataset_version, 64025, FAILED),
        (classify_bulk_operation, "BULK_OPERATION_SUCCESS", DONE),
        (classify_bulk_operation, 25403, PENDING),
        (classify_bulk_operation, 25405, FAILED),
        (classify_inputs_add_job, 64002, DONE),
        (classify_inputs_add_job, "JOB_QUEUED", PENDING),
        (classify_inputs_add_job, 64003, FAILED),
    ],
)
def test_status_classification(classify, code, state):
    assert classify({"status": {"code": code}}) == state


def test_wait_dataset_version_ready_and_failed(client, emulator):
    make_dataset(client, "ds")
    client.post_dataset_versions("ds", [{"id": "v1"}])
    seen = []
    v = wait_dataset_version(client, "ds", "v1", timeout=10, interval=0.01, progress=seen.append)
    assert classify_dataset_version(v) == DONE and seen[-1].message == "DATASET_VERSION_READY"
    assert {e.operation for e in seen} == {"wait"}  # a wait outside an operation says so
    client.post_dataset_versions("ds", [{"id": "v2"}])
    emulator.admin.fail_dataset_version("ds", "v2")
    with pytest.raises(WaitFailedError, match="DATASET_VERSION_FAILURE") as failed:
        wait_dataset_version(client, "ds", "v2", timeout=10, interval=0.01)
    assert failed.value.object_id == "ds/v2" and 0 < failed.value.elapsed < 10  # a read was made: time passed


def test_create_or_adopt_rules():
    store: dict[str, dict] = {}

    def read():
        return store.get("x")

    def create_dropped():
        store["x"] = {"id": "x", "v": 1}
        raise OutcomeUnknownError("dropped")

    obj, created = create_or_adopt(create_dropped, read, what="x", same=lambda o: o["v"] == 1)
    assert obj == {"id": "x", "v": 1} and created is False
    with pytest.raises(ConflictError, match="differs"):
        create_or_adopt(
            lambda: (_ for _ in ()).throw(AlreadyExistsError("dup")), read, what="x", same=lambda o: o["v"] == 2
        )
    calls = []

    def lost_then_ok():
        calls.append(1)
        if len(calls) == 1:
            raise OutcomeUnknownError("lost before applying")
        return {"id": "y"}

    assert create_or_adopt(lost_then_ok, lambda: None, what="y") == ({"id": "y"}, True)
    assert len(calls) == 2


@pytest.mark.parametrize("rpc", ["PostDatasets", "PostDatasetVersions"])
def test_applied_then_dropped_creates_are_adopted_not_duplicated(client, emulator, rpc):
    from connector.operations.split import ensure_dataset

    if rpc == "PostDatasetVersions":
        make_dataset(client, "ds")
    emulator.admin.script_fault("applied_then_dropped", 1, rpc=rpc)
    if rpc == "PostDatasets":
        assert ensure_dataset(client, "ds") in (True, False)
        assert [d["id"] for d in client.list_datasets()] == ["ds"]
    else:
        create_or_adopt(
            lambda: client.post_dataset_versions("ds", [{"id": "v1"}])[0],
            lambda: read_or_none(lambda: client.get_dataset_version("ds", "v1")),
            what="version",
        )
        assert [v["id"] for v in client.list_dataset_versions("ds")] == ["v1"]
    assert any(r["fault"] == "applied_then_dropped" for r in emulator.admin.requests())


def test_wait_inputs_add_job_until_complete_with_progress(client, emulator):
    """The inputs add job wait goes through the shared poller like every other wait."""
    from connector.operations import wait_inputs_add_job
    from tests.support.scenarios import make_inputs

    make_inputs(client, 5)
    jobs = list(client.list_inputs_add_jobs())
    assert len(jobs) == 1
    seen = []
    job = wait_inputs_add_job(client, jobs[0]["id"], timeout=10, interval=0.01, max_interval=0.02, progress=seen.append)
    assert classify_inputs_add_job(job) == DONE
    assert seen and seen[-1].message == "JOB_COMPLETED" and seen[-1].total == 5 and seen[-1].done == 5
    assert all(e.stage == f"inputs add job {jobs[0]['id']}" for e in seen)


def test_wait_bulk_operation_reads_until_terminal(client, emulator):
    from connector.operations import wait_bulk_operation
    from tests.support.scenarios import make_inputs

    make_dataset(client, "src", make_inputs(client, 4))
    make_dataset(client, "a")
    make_dataset(client, "b")
    client.post_bulk_operations(
        [
            {
                "id": "op1",
                "dataset": {"id": "src"},
                "operation": {
                    "split_into_datasets": {
                        "dataset_splits": [
                            {"dataset": {"id": "a"}, "percentage": 50},
                            {"dataset": {"id": "b"}, "percentage": 50},
                        ],
                        "method": "RANDOM_PERCENTAGE_SPLIT",
                    }
                },
            }
        ]
    )
    seen = []
    op = wait_bulk_operation(client, "op1", timeout=10, interval=0.01, max_interval=0.02, progress=seen.append)
    assert classify_bulk_operation(op) == DONE and seen[-1].message == "BULK_OPERATION_SUCCESS"
    with pytest.raises(NotFoundError):
        wait_bulk_operation(client, "no-such-op", timeout=1, interval=0.01)


def test_conflict_error_lives_with_the_other_errors():
    import connector.errors
    import connector.operations
    import connector.operations.base

    assert connector.operations.ConflictError is connector.errors.ConflictError is ConflictError
    assert connector.operations.base.ConflictError is ConflictError  # its former home still works
    assert issubclass(ConflictError, connector.errors.OperationError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: wait_dataset_version(c, "no such!", "v1"), r"^dataset_id 'no such!' is not a valid dataset id: it "),
        (lambda c: wait_dataset_version(c, "ds", "v 1"), r"^version_id 'v 1' is not a valid version id: it "),
        (lambda c: wait_task(c, ""), r"^task_id '' is not a valid task id: it "),
    ],
)
def test_a_wait_refuses_an_invalid_id_before_any_request_naming_the_kind_of_id(client, emulator, call, message):
    with pytest.raises(ValidationError, match=message):
        call(client)
    assert emulator.admin.requests() == []
