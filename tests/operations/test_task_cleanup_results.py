"""What a cleanup, a delete and a delete plan report and send: the dry run's result in
full, the requests of each path (no app read where a listing proves the app, no
listing where a plan was just made), idle tasks by default, progress, batches of a
hundred, and a delete plan's rows dated by the task's last change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from connector.client import ClarifaiClient
from connector.config import ClarifaiConfig
from connector.operations import (
    CleanupPlan,
    TaskSpec,
    apply_cleanup,
    cleanup_tasks,
    create_task,
    delete_task,
    mark_done,
    plan_cleanup,
    plan_delete_tasks,
)
from connector.operations.base import parse_time, utcnow


def _task(client, emulator, key: str, status: str | None = "TASK_DONE") -> str:
    spec = TaskSpec(name=f"label {key}", concept_ids=("cat",), workers=("alice",), run_key=key)
    create_task(client, spec)
    if status is not None:
        emulator.admin.set_task_progress(spec.id, status=status)
    return spec.id


def _rpcs(emulator) -> list[str]:
    return [r["rpc"] for r in emulator.admin.requests()]


def test_a_cleanup_dry_run_reports_what_it_would_delete(client, emulator) -> None:
    done, busy = _task(client, emulator, "d1"), _task(client, emulator, "d2", status=None)
    emulator.admin.clear_requests()
    later = utcnow() + timedelta(days=2)
    plan, result = cleanup_tasks(client, timedelta(days=1), dry_run=True, now=later)
    assert _rpcs(emulator) == ["ListTasks"]
    assert result.to_dict() | {"elapsed": None} == {
        "operation": "tasks.cleanup",
        "dry_run": True,
        "counts": {"considered": 2, "would_delete": 1},
        "ids": {"would_delete": [done]},
        "elapsed": None,
        "requests": 1,
        "details": {},
    }
    assert result.elapsed > 0  # the listing's round trip was timed
    assert plan.to_delete == [done] and {r["task_id"] for r in plan.rows} == {done, busy}
    assert plan.now == later.isoformat() and plan.older_than_seconds == 86400.0


def test_a_cleanup_deletes_without_rereading_the_plan_it_just_made(client, emulator) -> None:
    ids = sorted([_task(client, emulator, "c1"), _task(client, emulator, "c2")])
    emulator.admin.clear_requests()
    events: list = []
    plan, result = cleanup_tasks(client, timedelta(days=1), now=utcnow() + timedelta(days=2), progress=events.append)
    assert _rpcs(emulator) == ["ListTasks", "DeleteTasks", "ListTasks"]  # plan, delete, verify
    assert result.requests == 3 and result.elapsed > 0
    assert (result.operation, result.dry_run, result.counts, result.ids) == (
        "tasks.cleanup",
        False,
        {"considered": 2, "deleted": 2, "skipped": 0},
        {"deleted": ids},
    )
    assert [(e.operation, e.stage, e.done, e.total) for e in events] == [("tasks", "cleanup", 2, 2)]
    assert plan.to_delete == ids and list(client.list_tasks()) == []


def test_idle_tasks_are_cleaned_up_unless_left_out(client, emulator) -> None:
    idle = _task(client, emulator, "i1", status="TASK_IDLE")
    later = utcnow() + timedelta(days=2)
    assert plan_cleanup(client, timedelta(days=1), now=later).to_delete == [idle]
    assert plan_cleanup(client, timedelta(days=1), now=later, include_idle=False).to_delete == []
    _, kept = cleanup_tasks(client, timedelta(days=1), now=later, include_idle=False)
    assert kept.counts["deleted"] == 0 and [t["id"] for t in client.list_tasks()] == [idle]
    _, dry = cleanup_tasks(client, timedelta(days=1), now=later, include_idle=False, dry_run=True)
    assert dry.ids == {"would_delete": []}
    _, deleted = cleanup_tasks(client, timedelta(days=1), now=later)
    assert deleted.ids == {"deleted": [idle]} and list(client.list_tasks()) == []


def test_apply_cleanup_reads_the_app_only_when_no_listing_shows_it(client, emulator) -> None:
    tid = _task(client, emulator, "a1")
    plan = plan_cleanup(client, timedelta(days=1), now=utcnow() + timedelta(days=2))
    nothing = CleanupPlan.from_dict({**plan.to_dict(), "rows": [dict(plan.rows[0], action="keep")]})
    emulator.admin.clear_requests()
    idle = apply_cleanup(client, nothing, recheck=False)
    assert _rpcs(emulator) == [] and idle.counts == {"considered": 1, "deleted": 0, "skipped": 0}
    result = apply_cleanup(client, plan)
    assert _rpcs(emulator) == ["ListTasks", "DeleteTasks", "ListTasks"]  # recheck, delete, verify
    assert result.ids == {"deleted": [tid]} and result.requests == 3 and result.elapsed > 0


def test_delete_task_sends_a_hundred_ids_a_request(client, emulator) -> None:
    specs = [TaskSpec(name="t", concept_ids=("cat",), workers=("alice",), run_key=f"h{n:03d}") for n in range(101)]
    for start in range(0, 101, 50):
        client.post_tasks([s.to_task() for s in specs[start : start + 50]])
    emulator.admin.clear_requests()
    result = delete_task(client, [s.id for s in specs])
    assert _rpcs(emulator) == ["GetApp", "DeleteTasks", "DeleteTasks"]
    assert result.counts == {"deleted": 101} and result.requests == 3 and result.elapsed > 0
    assert list(client.list_tasks()) == []


# -- a delete plan's rows ----------------------------------------------------------------------------


def test_a_delete_plan_dates_a_task_by_its_last_change(client, emulator) -> None:
    tid = _task(client, emulator, "m1", status=None)
    mark_done(client, tid)  # a change after creation: modified_at moves past created_at
    task = client.get_task(tid)
    modified, created = parse_time(task["modified_at"]), parse_time(task["created_at"])
    assert modified is not None and created is not None and modified > created
    now = modified + timedelta(days=1, seconds=12345, microseconds=678000)
    plan = plan_delete_tasks(client, [tid], now=now)
    assert (plan.rows[0]["modified_at"], plan.rows[0]["age_days"]) == (modified.isoformat(), 1.1429)
    # applied later with the recheck: the task's own last change is the planned one, so it goes
    result = apply_cleanup(client, CleanupPlan.from_json(plan.to_json()))
    assert result.details == {} and result.ids == {"deleted": [tid]} and list(client.list_tasks()) == []


def test_a_cleanup_plan_of_a_changed_task_is_not_skipped_on_recheck(client, emulator) -> None:
    tid = _task(client, emulator, "m2", status=None)
    mark_done(client, tid)
    plan = plan_cleanup(client, timedelta(days=1), now=utcnow() + timedelta(days=2))
    assert plan.to_delete == [tid]
    result = apply_cleanup(client, plan)
    assert result.counts == {"considered": 1, "deleted": 1, "skipped": 0} and result.details == {}


def test_a_delete_plan_row_of_a_task_without_a_name(client, emulator) -> None:
    task = TaskSpec(name="x", concept_ids=("cat",), workers=("alice",), task_id="nameless").to_task()
    del task["name"]
    client.post_tasks([task])
    (row,) = plan_delete_tasks(client, ["nameless"]).rows
    assert (row["task_id"], row["name"], row["action"]) == ("nameless", "", "delete")


def _api_with_undated_task() -> ClarifaiClient:
    task = {"id": "t1", "name": "undated", "status": {"code": "TASK_DONE"}}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/apps/a"):
            return httpx.Response(200, json={"status": {"code": 10000}, "app": {"id": "a"}})
        return httpx.Response(200, json={"status": {"code": 10000}, "task": task})

    config = ClarifaiConfig(pat="p", user_id="u", app_id="a", base_url="http://127.0.0.1:9", rate_limit=0)
    return ClarifaiClient(config, transport=httpx.MockTransport(answer))


def test_a_delete_plan_row_of_a_task_without_any_time() -> None:
    with _api_with_undated_task() as client:
        plan = plan_delete_tasks(client, ["t1"], now=datetime(2026, 3, 1, tzinfo=UTC))
    assert plan.rows == [
        {
            "task_id": "t1",
            "name": "undated",
            "status": "TASK_DONE",
            "modified_at": None,
            "age_days": None,
            "action": "delete",
            "reason": "delete: asked for by id",
        }
    ]
