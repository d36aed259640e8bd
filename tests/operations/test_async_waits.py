"""The async waits against the emulator, kind by kind (ready, failed, timeout, cancelled, a
fault-injected run), and their equivalence with the sync waits: the same script of states
gives the same reads, pauses, progress events, result and error fields."""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connector.aio import AsyncClarifaiClient
from connector.errors import NotFoundError, ValidationError, WaitFailedError, WaitTimeoutError
from connector.operations import TaskSpec, create_task
from connector.operations import async_waits as aw
from connector.operations import waits as sw
from connector.operations.waits import WaitSpec
from tests.support.contract import async_contract_hooks
from tests.support.scenarios import make_dataset, make_inputs

FAST = {"interval": 0.01, "max_interval": 0.02}


def arun(client_config, make: Callable[[AsyncClarifaiClient], Any]) -> Any:
    async def main() -> Any:
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as c:
            return await make(c)

    return asyncio.run(main())


def _split_op(op_id: str, source: str = "src", targets: tuple[str, str] = ("a", "b")) -> dict[str, Any]:
    return {
        "id": op_id,
        "dataset": {"id": source},
        "operation": {
            "split_into_datasets": {
                "dataset_splits": [{"dataset": {"id": t}, "percentage": 50} for t in targets],
                "method": "RANDOM_PERCENTAGE_SPLIT",
            }
        },
    }


def _task(client, key: str) -> str:
    spec = TaskSpec(name="label", concept_ids=("cat",), workers=("alice",), run_key=key)
    create_task(client, spec)
    return spec.id


# -- dataset versions ----------------------------------------------------------------------


def test_async_version_ready_failed_timeout_and_missing(client, client_config, emulator) -> None:
    make_dataset(client, "ds", make_inputs(client, 3))
    client.post_dataset_versions("ds", [{"id": "v1"}, {"id": "v2"}])
    events: list[Any] = []
    version = arun(
        client_config, lambda c: aw.wait_dataset_version(c, "ds", "v1", timeout=10, progress=events.append, **FAST)
    )
    assert version["id"] == "v1" and version["status"]["code"] == 64015
    assert events[-1].message == "DATASET_VERSION_READY" and events[-1].stage == "dataset version ds/v1"

    emulator.admin.fail_dataset_version("ds", "v2")
    with pytest.raises(WaitFailedError) as failed:
        arun(client_config, lambda c: aw.wait_dataset_version(c, "ds", "v2", timeout=10, **FAST))
    err = failed.value
    assert (err.kind, err.object_id, err.status_name) == ("dataset_version", "ds/v2", "DATASET_VERSION_FAILURE")
    assert err.to_dict()["status_code"] == 64020 and err.elapsed >= 0

    emulator.admin.set_options(version_pending_seconds=3600)
    client.post_dataset_versions("ds", [{"id": "v3"}])
    with pytest.raises(WaitTimeoutError) as late:
        arun(client_config, lambda c: aw.wait_dataset_version(c, "ds", "v3", timeout=0.1, **FAST))
    assert late.value.status_name == "DATASET_VERSION_PENDING" and late.value.timeout == 0.1
    assert late.value.elapsed >= 0.1
    with pytest.raises(NotFoundError):
        arun(client_config, lambda c: aw.wait_dataset_version(c, "ds", "nope", timeout=1, **FAST))


def test_async_version_wait_rides_out_injected_faults(client, client_config, emulator) -> None:
    make_dataset(client, "ds", make_inputs(client, 2))
    client.post_dataset_versions("ds", [{"id": "v1"}])
    emulator.admin.script_fault("http_503_html", 2, rpc="GetDatasetVersion")
    emulator.admin.script_fault("http_429", 1, rpc="GetDatasetVersion", retry_after=0.05)
    version = arun(client_config, lambda c: aw.wait_dataset_version(c, "ds", "v1", timeout=10, **FAST))
    assert version["status"]["code"] == 64015
    faults = [r["fault"] for r in emulator.admin.requests() if r["rpc"] == "GetDatasetVersion" and r.get("fault")]
    assert sorted(faults) == ["http_429", "http_503_html", "http_503_html"]


# -- bulk operations -----------------------------------------------------------------------


def test_async_bulk_operation_done_cancelled_timeout(client, client_config, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 4))
    make_dataset(client, "a")
    make_dataset(client, "b")
    client.post_bulk_operations([_split_op("op1")])
    op = arun(client_config, lambda c: aw.wait_bulk_operation(c, "op1", timeout=10, **FAST))
    assert op["status"]["code"] == 25400

    emulator.admin.set_options(bulk_operation_seconds=3600)
    client.post_bulk_operations([_split_op("op2")])
    with pytest.raises(WaitTimeoutError) as late:
        arun(client_config, lambda c: aw.wait_bulk_operation(c, "op2", timeout=0.05, **FAST))
    assert (late.value.kind, late.value.object_id) == ("bulk_operation", "op2")
    client.cancel_bulk_operations(["op2"])
    with pytest.raises(WaitFailedError) as cancelled:
        arun(client_config, lambda c: aw.wait_bulk_operation(c, "op2", timeout=10, **FAST))
    assert cancelled.value.status_name == "BULK_OPERATION_CANCELLED"
    assert "BULK_OPERATION_CANCELLED" in str(cancelled.value)


def test_async_bulk_operation_wait_rides_out_a_reset(client, client_config, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 4))
    make_dataset(client, "a")
    make_dataset(client, "b")
    client.post_bulk_operations([_split_op("op1")])
    emulator.admin.script_fault("reset", 1, rpc="GetBulkOperation")
    op = arun(client_config, lambda c: aw.wait_bulk_operation(c, "op1", timeout=10, **FAST))
    assert op["status"]["code"] == 25400
    assert any(r.get("fault") == "reset" for r in emulator.admin.requests())


# -- inputs add jobs -----------------------------------------------------------------------


def test_async_inputs_add_job_done_timeout_and_fault(client, client_config, emulator) -> None:
    make_inputs(client, 3)
    (job,) = list(client.list_inputs_add_jobs())
    emulator.admin.script_fault("http_500_internal", 1, rpc="GetInputsAddJob")
    events: list[Any] = []
    done = arun(
        client_config, lambda c: aw.wait_inputs_add_job(c, job["id"], timeout=10, progress=events.append, **FAST)
    )
    assert done["status"]["code"] == 64002 and events[-1].done == events[-1].total == 3
    emulator.admin.set_options(inputs_add_job_seconds=3600)
    make_inputs(client, 2, prefix="late")
    late_job = next(j for j in client.list_inputs_add_jobs() if j["id"] != job["id"])
    with pytest.raises(WaitTimeoutError) as late:
        arun(client_config, lambda c: aw.wait_inputs_add_job(c, late_job["id"], timeout=0.05, **FAST))
    assert late.value.kind == "inputs_add_job" and late.value.status_name.startswith("JOB_")


# -- tasks ---------------------------------------------------------------------------------


def test_async_task_until_percent_done_failed_timeout(client, client_config, emulator) -> None:
    tid = _task(client, "a")
    emulator.admin.set_task_progress(tid, work_percent=40)
    with pytest.raises(WaitTimeoutError) as late:
        arun(client_config, lambda c: aw.wait_task(c, tid, until="work", percent=50, timeout=0.05, **FAST))
    assert late.value.kind == "task" and late.value.status_name == "TASK_IN_PROGRESS"
    emulator.admin.set_task_progress(tid, work_percent=55)
    st = arun(client_config, lambda c: aw.wait_task(c, tid, until="work", percent=50, timeout=5, **FAST))
    assert st.work_percent == 55 and st.status == "TASK_IN_PROGRESS"
    emulator.admin.set_task_progress(tid, status="TASK_DONE")
    assert arun(client_config, lambda c: aw.wait_task(c, tid, timeout=5, **FAST)).status == "TASK_DONE"

    other = _task(client, "b")
    emulator.admin.set_task_progress(other, status="TASK_FAILED")
    with pytest.raises(WaitFailedError) as failed:
        arun(client_config, lambda c: aw.wait_task(c, other, timeout=5, **FAST))
    assert failed.value.status_name == "TASK_FAILED" and "reopen it" in str(failed.value)
    full = arun(client_config, lambda c: aw.task_status(c, tid))
    assert {row["user_id"] for row in full.annotation_counts} == {"alice"}


def test_async_task_wait_rides_out_throttling(client, client_config, emulator) -> None:
    tid = _task(client, "t")
    emulator.admin.set_task_progress(tid, status="TASK_DONE")
    emulator.admin.script_fault("http_429", 2, rpc="GetTask")
    assert arun(client_config, lambda c: aw.wait_task(c, tid, timeout=5, **FAST)).status == "TASK_DONE"


def test_wait_arguments_are_checked_before_the_first_read(client_config, emulator) -> None:
    emulator.admin.clear_requests()
    for make in (
        lambda c: aw.wait_task(c, "t", until="soon"),
        lambda c: aw.wait_task(c, "t", until="work"),
        lambda c: aw.wait_task(c, "t", until="work", percent=150),
        lambda c: aw.wait_dataset_version(c, "ds", "v", timeout=-1),
        lambda c: aw.wait_bulk_operation(c, "op", interval=0),
        lambda c: aw.wait_inputs_add_job(c, "", timeout=1),
    ):
        with pytest.raises(ValidationError):
            arun(client_config, make)
    assert emulator.admin.requests() == []


# -- sync and async give the same result on the same script ----------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _script(states: list[int]) -> Iterator[dict[str, Any]]:
    for n, code in enumerate(states):
        yield {"id": "v", "status": {"code": code, "description": f"read {n}"}}


@pytest.mark.parametrize(
    ("kind", "states"),
    [
        ("ready", [64005, 64010, 64010, 64015]),
        ("failed", [64005, 64010, 64020]),
        ("timeout", [64005] * 50),
    ],
)
def test_sync_and_async_drive_the_same_reads_pauses_and_outcome(kind: str, states: list[int]) -> None:
    """The same script of version states through the sync and the async driver: the
    same number of reads, the same pauses (same seed), events, result or error fields."""

    def run(driver: str) -> tuple[list[float], list[Any], Any]:
        clock, pauses, events = Clock(), [], []
        spec = WaitSpec(timeout=5.0, interval=0.5, max_interval=2.0, progress=events.append)
        waiter = sw.version_waiter("ds", "v", spec, rng=random.Random(7), clock=clock)
        reads = _script(states)

        def sleep(seconds: float) -> None:
            pauses.append(seconds)
            clock.now += seconds

        async def asleep(seconds: float) -> None:
            sleep(seconds)

        try:
            if driver == "sync":
                result = sw._drive(waiter, lambda: next(reads), sleep=sleep)
            else:

                async def fetch() -> dict[str, Any]:
                    return next(reads)

                result = asyncio.run(aw._drive(waiter, fetch, sleep=asleep))
        except (WaitFailedError, WaitTimeoutError) as exc:
            result = exc.to_dict()
        return pauses, [e.to_dict() for e in events], result

    sync, async_ = run("sync"), run("async")
    assert sync == async_
    pauses, events, result = sync
    if kind == "ready":
        assert result["status"]["code"] == 64015 and len(events) == 4
    elif kind == "failed":
        assert result["error"] == "WaitFailedError" and result["status_name"] == "DATASET_VERSION_FAILURE"
    else:
        assert result["error"] == "WaitTimeoutError" and sum(pauses) == pytest.approx(5.0)


def test_sync_and_async_waits_end_alike_against_the_emulator(client, client_config, emulator) -> None:
    """One emulator scenario per kind, waited on by the sync wait and the async one."""
    make_dataset(client, "ds", make_inputs(client, 3))
    client.post_dataset_versions("ds", [{"id": "ok"}, {"id": "bad"}])
    emulator.admin.fail_dataset_version("ds", "bad")
    tid = _task(client, "same")
    emulator.admin.set_task_progress(tid, status="TASK_WONT_DO")

    def outcome(call: Callable[[], Any]) -> Any:
        try:
            value = call()
        except (WaitFailedError, WaitTimeoutError) as exc:
            return {k: v for k, v in exc.to_dict().items() if k != "elapsed"}
        return value["status"]["code"] if isinstance(value, dict) else value.status

    for sync_call, async_call in (
        (
            lambda: sw.wait_dataset_version(client, "ds", "ok", timeout=10, **FAST),
            lambda c: aw.wait_dataset_version(c, "ds", "ok", timeout=10, **FAST),
        ),
        (
            lambda: sw.wait_dataset_version(client, "ds", "bad", timeout=10, **FAST),
            lambda c: aw.wait_dataset_version(c, "ds", "bad", timeout=10, **FAST),
        ),
        (lambda: sw.wait_task(client, tid, timeout=5, **FAST), lambda c: aw.wait_task(c, tid, timeout=5, **FAST)),
    ):
        assert outcome(sync_call) == outcome(functools.partial(arun, client_config, async_call))


# -- every kind, every ending: ready, failed, timeout, cancelled, faults; sync == async --------

GET_RPC = {
    "dataset_version": "GetDatasetVersion",
    "bulk_operation": "GetBulkOperation",
    "inputs_add_job": "GetInputsAddJob",
    "task": "GetTask",
}


def _make(client, emulator, kind: str, ending: str, n: int) -> tuple[str, ...]:
    """One object of ``kind`` that will end as ``ending`` (ready / failed / pending);
    returns the wait's id arguments."""
    forever = ending == "pending"
    if kind == "dataset_version":
        if n == 0:
            make_dataset(client, "ds", make_inputs(client, 2, prefix="v"))
        if forever:
            emulator.admin.set_options(version_pending_seconds=3600)
        client.post_dataset_versions("ds", [{"id": f"v{n}"}])
        if ending == "failed":
            emulator.admin.fail_dataset_version("ds", f"v{n}")
        return ("ds", f"v{n}")
    if kind == "bulk_operation":
        if n == 0:
            make_dataset(client, "src", make_inputs(client, 4, prefix="b"))
            make_dataset(client, "a")
            make_dataset(client, "b")
        if forever:
            emulator.admin.set_options(bulk_operation_seconds=3600)
        client.post_bulk_operations([_split_op(f"op{n}")])
        if ending == "failed":
            emulator.admin.end_bulk_operation(f"op{n}")
        return (f"op{n}",)
    if kind == "inputs_add_job":
        if forever or ending == "failed":
            emulator.admin.set_options(inputs_add_job_seconds=3600)
        known = {j["id"] for j in client.list_inputs_add_jobs()}
        make_inputs(client, 2, prefix=f"j{n}-")
        (job_id,) = [j["id"] for j in client.list_inputs_add_jobs() if j["id"] not in known]
        if ending == "failed":
            emulator.admin.end_inputs_add_job(job_id)
        return (job_id,)
    tid = _task(client, f"{kind}-{n}")
    if ending == "ready":
        emulator.admin.set_task_progress(tid, status="TASK_DONE")
    elif ending == "failed":
        emulator.admin.set_task_progress(tid, status="TASK_FAILED")
    return (tid,)


def _sync_wait(kind: str):
    return {
        "dataset_version": sw.wait_dataset_version,
        "bulk_operation": sw.wait_bulk_operation,
        "inputs_add_job": sw.wait_inputs_add_job,
        "task": sw.wait_task,
    }[kind]


def _async_wait(kind: str):
    return {
        "dataset_version": aw.wait_dataset_version,
        "bulk_operation": aw.wait_bulk_operation,
        "inputs_add_job": aw.wait_inputs_add_job,
        "task": aw.wait_task,
    }[kind]


def _ending(call: Callable[[], Any]) -> Any:
    """What a wait ended with, comparable between runs: the done object's status code, or
    the error's fields but the elapsed time."""
    try:
        value = call()
    except (WaitFailedError, WaitTimeoutError) as exc:
        return {k: v for k, v in exc.to_dict().items() if k not in ("elapsed", "message")} | {
            "message": str(exc).split(" (last state")[0]
        }
    if isinstance(value, sw.TaskStatus):
        return value.status_code
    return value["status"]["code"]


KINDS = sorted(GET_RPC)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("ending", ["ready", "failed", "pending"])
def test_each_kind_ends_alike_in_the_sync_and_the_async_wait(client, client_config, emulator, kind, ending) -> None:
    """For every kind and ending, two objects in the same state: the sync wait on one and
    the async wait on the other end the same way (done, WaitFailedError, WaitTimeoutError)."""
    first, second = _make(client, emulator, kind, ending, 0), _make(client, emulator, kind, ending, 1)
    timeout = 0.1 if ending == "pending" else 10
    got_sync = _ending(lambda: _sync_wait(kind)(client, *first, timeout=timeout, **FAST))
    got_async = _ending(lambda: arun(client_config, lambda c: _async_wait(kind)(c, *second, timeout=timeout, **FAST)))
    if isinstance(got_sync, dict):
        for got, ids in ((got_sync, first), (got_async, second)):
            assert got.pop("object_id") == "/".join(ids)
            got["message"] = got["message"].replace("/".join(ids), "<id>").replace(ids[-1], "<id>")
    assert got_sync == got_async
    expected_error = {"ready": None, "failed": "WaitFailedError", "pending": "WaitTimeoutError"}[ending]
    if expected_error is None:
        assert not isinstance(got_sync, dict)
    else:
        assert got_sync["error"] == expected_error and got_sync["kind"] == kind


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_rides_out_injected_faults_then_is_done(client, client_config, emulator, kind) -> None:
    ids = _make(client, emulator, kind, "ready", 0)
    emulator.admin.script_fault("http_503_html", 1, rpc=GET_RPC[kind])
    emulator.admin.script_fault("reset", 1, rpc=GET_RPC[kind])
    got = _ending(lambda: arun(client_config, lambda c: _async_wait(kind)(c, *ids, timeout=10, **FAST)))
    assert not isinstance(got, dict)
    faults = [r.get("fault") for r in emulator.admin.requests() if r["rpc"] == GET_RPC[kind] and r.get("fault")]
    assert sorted(faults) == ["http_503_html", "reset"]


@pytest.mark.parametrize("kind", KINDS)
def test_cancelling_the_async_wait_of_each_kind_stops_its_reads(client, client_config, emulator, kind) -> None:
    ids = _make(client, emulator, kind, "pending", 0)

    def reads() -> int:
        return len([r for r in emulator.admin.requests() if r["rpc"] == GET_RPC[kind]])

    async def main(c: AsyncClarifaiClient) -> int:
        waiting = asyncio.create_task(_async_wait(kind)(c, *ids, timeout=60, **FAST))
        await asyncio.sleep(0.2)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return reads()

    at_cancel = arun(client_config, main)
    assert at_cancel >= 2 and reads() == at_cancel
