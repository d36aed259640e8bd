"""More of the task lifecycle's promises: what delete_task reports, deletes running as
concurrently as the client allows (and no more), an update plan's JSON refused field
by field, and times read from created_at when a task carries no modified_at."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from connector.client import ClarifaiClient
from connector.config import ClarifaiConfig
from connector.errors import ValidationError
from connector.operations import (
    TaskSpec,
    TaskUpdatePlan,
    apply_cleanup,
    cleanup_tasks,
    create_task,
    delete_task,
    plan_delete_tasks,
)
from connector.operations.base import utcnow
from connector.operations.tasks import recheck_cleanup


def _task(client, key: str, emulator=None, done: bool = False) -> str:
    spec = TaskSpec(name=f"label {key}", concept_ids=("cat",), workers=("alice",), run_key=key)
    create_task(client, spec)
    if done:
        emulator.admin.set_task_progress(spec.id, status="TASK_DONE")
    return spec.id


def test_what_delete_task_reports(client, emulator) -> None:
    tid = _task(client, "d")
    dry = delete_task(client, [tid, "never-was"], dry_run=True).to_dict()
    assert {k: dry[k] for k in ("operation", "dry_run", "counts", "ids")} == {
        "operation": "tasks.delete",
        "dry_run": True,
        "counts": {"deleted": 0},
        "ids": {"would_delete": [tid, "never-was"]},
    }
    assert dry["requests"] == 1  # the app read, nothing written
    real = delete_task(client, [tid, "never-was"]).to_dict()
    assert {k: real[k] for k in ("operation", "dry_run", "counts", "ids")} == {
        "operation": "tasks.delete",
        "dry_run": False,
        "counts": {"deleted": 2},
        "ids": {"deleted": [tid, "never-was"]},
    }
    assert real["requests"] == 2 and real["elapsed"] >= 0  # the app read, one delete


@pytest.mark.parametrize("how", ["delete_task", "cleanup"])
def test_deletes_run_in_the_callers_thread_when_the_client_allows_one_at_a_time(client_config, emulator, how) -> None:
    threads: list[str] = []

    def record(request: httpx.Request) -> None:
        if request.method == "DELETE":
            threads.append(threading.current_thread().name)

    config = client_config.replace(page_concurrency=1)
    with ClarifaiClient(config, event_hooks={"request": [record]}) as one_at_a_time:
        specs = [
            TaskSpec(name="t", concept_ids=("cat",), workers=("alice",), run_key=f"k{n:03d}").to_task()
            for n in range(150)
        ]
        for start in range(0, 150, 50):
            one_at_a_time.post_tasks(specs[start : start + 50])
        ids = [s["id"] for s in specs]
        if how == "delete_task":
            delete_task(one_at_a_time, ids)
        else:
            for tid in ids:
                emulator.admin.set_task_progress(tid, status="TASK_DONE")
            cleanup_tasks(one_at_a_time, timedelta(days=1), now=utcnow() + timedelta(days=2))
    assert threads == [threading.current_thread().name] * 2  # two batches, both here


@pytest.mark.parametrize(
    ("change", "message", "argument"),
    [
        (
            {"task_id": "bad id"},
            "plan field task_id 'bad id' is not a task id: it may hold only letters, digits, '_' and '-'",
            "task_id",
        ),
        ({"task_id": None}, "plan field task_id None is not a task id: it is missing (None)", "task_id"),
        ({"mode": "replace"}, "plan field mode must be one of ['overwrite', 'merge', 'remove'], got 'replace'", "mode"),
        (
            {"rows": [{"task_id": "t1", "field": "owner", "before": [], "after": [], "action": "change"}]},
            "plan field rows[0].field must be one of ['workers', 'reviewers', 'concepts', 'status'], got 'owner'",
            "rows[0].field",
        ),
    ],
)
def test_an_update_plans_json_is_refused_field_by_field(change, message, argument) -> None:
    data = {"operation": "tasks.update", "rows": [], "task_id": "t1", "mode": "merge", **change}
    with pytest.raises(ValidationError) as info:
        TaskUpdatePlan.from_json(json.dumps(data))
    assert str(info.value) == message and info.value.argument == argument
    without_mode = {k: v for k, v in data.items() if k != "mode"} | {"task_id": "t1", "rows": []}
    assert TaskUpdatePlan.from_dict(without_mode).mode == "merge"  # the default mode


# -- a task whose answer carries no modified_at ---------------------------------------------------

CREATED = "2026-01-01T00:00:00Z"


def _api_without_modified_at(status: str) -> ClarifaiClient:
    task = {"id": "t1", "name": "old", "created_at": CREATED, "status": {"code": status}}

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/apps/a"):
            return httpx.Response(200, json={"status": {"code": 10000}, "app": {"id": "a"}})
        if path.endswith("/tasks/t1"):
            return httpx.Response(200, json={"status": {"code": 10000}, "task": task})
        return httpx.Response(200, json={"status": {"code": 10000}, "tasks": [task]})

    config = ClarifaiConfig(pat="p", user_id="u", app_id="a", base_url="http://127.0.0.1:9", rate_limit=0)
    return ClarifaiClient(config, transport=httpx.MockTransport(answer))


def test_a_task_without_modified_at_is_dated_by_its_creation() -> None:
    now = datetime(2026, 1, 11, tzinfo=UTC)
    with _api_without_modified_at("TASK_DONE") as client:
        plan = plan_delete_tasks(client, ["t1"], now=now)
        assert (plan.rows[0]["modified_at"], plan.rows[0]["age_days"]) == ("2026-01-01T00:00:00+00:00", 10.0)
        assert recheck_cleanup(client, plan) == {}  # the same time read again: not changed since
        moved = type(plan).from_dict(
            {**plan.to_dict(), "rows": [dict(plan.rows[0], modified_at="2025-12-01T00:00:00+00:00")]}
        )
        assert recheck_cleanup(client, moved) == {
            "t1": "kept: modified since the plan was made (2026-01-01T00:00:00+00:00)"
        }


def test_a_task_already_gone_from_a_delete_plan_is_not_rechecked(client, emulator) -> None:
    gone, kept = sorted([_task(client, "g", emulator, done=True), _task(client, "h", emulator, done=True)])
    plan = plan_delete_tasks(client, [gone, kept])
    client.delete_tasks([gone])
    emulator.admin.set_task_progress(kept, status="TASK_IN_PROGRESS")
    result = apply_cleanup(client, plan)
    assert result.details == {"skipped": {kept: "kept: now TASK_IN_PROGRESS (was TASK_DONE when planned)"}}
    assert [t["id"] for t in client.list_tasks()] == [kept]
