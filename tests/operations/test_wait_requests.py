"""What the waits ask the API for, against the emulator: a task wait reads the task alone
(its counts only when asked), the counts come with the task's status, and the async waits
hand their progress to the caller like the sync ones."""

from __future__ import annotations

import asyncio

from connector.aio import AsyncClarifaiClient
from connector.operations import TaskSpec, create_task
from connector.operations import async_waits as aw
from connector.operations import waits as sw
from tests.support.contract import async_contract_hooks
from tests.support.scenarios import make_dataset, make_inputs

FAST = {"interval": 0.01, "max_interval": 0.02}


def _rpcs(emulator) -> list[str]:
    return [r["rpc"] for r in emulator.admin.requests()]


def _task(client) -> str:
    spec = TaskSpec(name="label", concept_ids=("cat",), workers=("alice",), run_key="w")
    create_task(client, spec)
    return spec.id


def _arun(client_config, make):
    async def main():
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as aclient:
            return await make(aclient)

    return asyncio.run(main())


def test_a_task_wait_reads_the_task_alone(client, client_config, emulator) -> None:
    tid = _task(client)
    emulator.admin.set_task_progress(tid, status="TASK_DONE")
    emulator.admin.clear_requests()
    assert sw.wait_task(client, tid, timeout=5, **FAST).status == "TASK_DONE"
    assert _arun(client_config, lambda c: aw.wait_task(c, tid, timeout=5, **FAST)).status == "TASK_DONE"
    assert set(_rpcs(emulator)) == {"GetTask"}


def test_task_status_reads_the_counts_only_when_asked(client, client_config, emulator) -> None:
    tid = _task(client)
    emulator.admin.clear_requests()
    bare = sw.task_status(client, tid, counts=False)
    assert _rpcs(emulator) == ["GetTask"] and bare.annotation_counts == [] and bare.input_counts == []
    emulator.admin.clear_requests()
    full = sw.task_status(client, tid)
    assert sorted(_rpcs(emulator)) == ["GetTask", "GetTaskAnnotationCount", "GetTaskInputCount"]
    emulator.admin.clear_requests()
    afull = _arun(client_config, lambda c: aw.task_status(c, tid))
    assert sorted(_rpcs(emulator)) == ["GetTask", "GetTaskAnnotationCount", "GetTaskInputCount"]
    for status in (full, afull):
        assert status.task_id == tid and status.status == "TASK_IN_PROGRESS"
        assert [row["user_id"] for row in status.input_counts] == ["alice"]
    assert afull.to_dict() == full.to_dict()


def test_async_waits_report_progress(client, client_config, emulator) -> None:
    tid = _task(client)
    emulator.admin.set_task_progress(tid, status="TASK_DONE")
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
    events: list = []
    _arun(client_config, lambda c: aw.wait_task(c, tid, timeout=5, progress=events.append, **FAST))
    _arun(client_config, lambda c: aw.wait_bulk_operation(c, "op1", timeout=10, progress=events.append, **FAST))
    stages = {e.stage for e in events}
    assert {f"task {tid}", "bulk operation op1"} <= stages
