"""Task cleanup never deletes a task that is live again when its plan is applied.

A cleanup plan may be made in one orchestrator step, reviewed as JSON, and applied in
another (``apply_cleanup(client, CleanupPlan.from_json(text))``). Meanwhile a finished
task may be reopened (set back in progress) and worked on: deleting it then would
destroy live labeling work."""

from __future__ import annotations

from datetime import timedelta

from connector.operations import (
    CleanupPlan,
    TaskSpec,
    apply_cleanup,
    create_task,
    plan_cleanup,
)
from connector.operations.base import utcnow
from tests.support.scenarios import writes


def _task(client, key: str) -> str:
    spec = TaskSpec(name="label cats", concept_ids=("cat",), workers=("alice",), run_key=key)
    create_task(client, spec)
    return spec.id


def test_a_task_reopened_after_planning_is_not_deleted(client, emulator):
    reopened, finished = _task(client, "a"), _task(client, "b")
    for tid in (reopened, finished):
        emulator.admin.set_task_progress(tid, status="TASK_DONE")
    plan = plan_cleanup(client, timedelta(days=1), now=utcnow() + timedelta(days=2))
    assert sorted(plan.to_delete) == sorted([reopened, finished])
    text = plan.to_json()

    emulator.admin.set_task_progress(reopened, status="TASK_IN_PROGRESS")
    emulator.admin.clear_requests()
    result = apply_cleanup(client, CleanupPlan.from_json(text))

    assert [t["id"] for t in client.list_tasks()] == [reopened]
    assert [w["rpc"] for w in writes(emulator)] == ["DeleteTasks"]
    assert result.counts["deleted"] == 1 and result.ids["deleted"] == [finished]
    assert "TASK_IN_PROGRESS" in result.details["skipped"][reopened]


def test_a_task_already_gone_is_not_an_error(client, emulator):
    tid = _task(client, "gone")
    emulator.admin.set_task_progress(tid, status="TASK_DONE")
    plan = plan_cleanup(client, timedelta(days=1), now=utcnow() + timedelta(days=2))
    client.delete_tasks([tid])
    result = apply_cleanup(client, plan)
    assert list(client.list_tasks()) == [] and result.counts["deleted"] == 1
