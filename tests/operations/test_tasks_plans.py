"""Task cleanups, deletes and updates as plans, row by row and result by result: what
each row says, what a delayed apply skips (and that a task already gone does not stop
the check of the next), batches of deletes, progress, and member lists read back in
every shape the API may send them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.errors import ValidationError, VerificationError
from connector.operations import (
    CleanupPlan,
    TaskSpec,
    TaskUpdatePlan,
    apply_cleanup,
    apply_update_task,
    create_task,
    plan_cleanup,
    plan_delete_tasks,
    plan_update_task,
    update_task,
)
from connector.operations.base import parse_time, utcnow
from connector.operations.tasks import concept_ids, decide_cleanup, reviewer_ids, worker_ids

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _t(tid: str, code: str | None, **fields) -> dict:
    task = {"id": tid, **fields}
    if code is not None:
        task["status"] = {"code": code}
    return task


def test_decide_cleanup_row_by_row() -> None:
    month = timedelta(days=30)
    tasks = [
        _t("t5", "TASK_IDLE", name="idle", modified_at="2026-01-01T00:00:00Z"),
        _t("t1", "TASK_DONE", name="old", modified_at="2026-01-01T00:00:00Z", created_at="2025-01-01T00:00:00Z"),
        _t("t2", "TASK_WONT_DO", created_at="2026-01-30T00:00:00Z"),  # no modified_at: created_at counts
        _t("t3", "TASK_FAILED", name="recent", modified_at="2026-02-20T12:00:00Z"),
        _t("t4", "TASK_IN_PROGRESS", name="busy", modified_at="2020-01-01T00:00:00Z"),
        _t("t6", None, name="no status"),
        _t("t7", "TASK_DONE", name="no time"),
    ]
    rows = decide_cleanup(tasks, month, now=NOW)
    assert rows == [
        {
            "task_id": "t1",
            "name": "old",
            "status": "TASK_DONE",
            "modified_at": "2026-01-01T00:00:00+00:00",
            "age_days": 59.0,
            "action": "delete",
            "reason": "delete: done and untouched for more than 30d",
        },
        {
            "task_id": "t2",
            "name": "",
            "status": "TASK_WONT_DO",
            "modified_at": "2026-01-30T00:00:00+00:00",
            "age_days": 30.0,
            "action": "delete",
            "reason": "delete: abandoned (won't do) and untouched for more than 30d",
        },
        {
            "task_id": "t3",
            "name": "recent",
            "status": "TASK_FAILED",
            "modified_at": "2026-02-20T12:00:00+00:00",
            "age_days": 8.5,
            "action": "keep",
            "reason": "kept: failed but modified within 30d",
        },
        {
            "task_id": "t4",
            "name": "busy",
            "status": "TASK_IN_PROGRESS",
            "modified_at": "2020-01-01T00:00:00+00:00",
            "age_days": 2251.0,
            "action": "keep",
            "reason": "kept: TASK_IN_PROGRESS is not finished",
        },
        {
            "task_id": "t5",
            "name": "idle",
            "status": "TASK_IDLE",
            "modified_at": "2026-01-01T00:00:00+00:00",
            "age_days": 59.0,
            "action": "delete",
            "reason": "delete: abandoned (idle) and untouched for more than 30d",
        },
        {
            "task_id": "t6",
            "name": "no status",
            "status": "UNKNOWN",
            "modified_at": None,
            "age_days": None,
            "action": "keep",
            "reason": "kept: UNKNOWN is not finished",
        },
        {
            "task_id": "t7",
            "name": "no time",
            "status": "TASK_DONE",
            "modified_at": None,
            "age_days": None,
            "action": "keep",
            "reason": "kept: done but modified within 30d",
        },
    ]
    without_idle = {r["task_id"]: r for r in decide_cleanup(tasks, month, now=NOW, include_idle=False)}
    assert without_idle["t5"]["action"] == "keep" and without_idle["t5"]["reason"] == "kept: TASK_IDLE is not finished"
    assert decide_cleanup([_t("x", "TASK_DONE", modified_at="2026-02-28T23:59:59.123456Z")], month, now=NOW)[0][
        "age_days"
    ] == round(1 / 86400 * 0.876544, 4)


# -- against the emulator -------------------------------------------------------------------


def _spec(key: str, **kw) -> TaskSpec:
    base = {"name": f"label {key}", "concept_ids": ("cat",), "workers": ("alice", "bob")}
    base.update(kw)
    return TaskSpec(run_key=key, **base)


def _finished(client, emulator, *keys: str) -> list[str]:
    ids = []
    for key in keys:
        spec = _spec(key)
        create_task(client, spec)
        emulator.admin.set_task_progress(spec.id, status="TASK_DONE")
        ids.append(spec.id)
    return ids


def _rpcs(emulator) -> list[str]:
    return [r["rpc"] for r in emulator.admin.requests()]


def test_a_task_already_gone_does_not_stop_the_recheck_of_the_next(client, emulator) -> None:
    ids = sorted(_finished(client, emulator, "g1", "g2", "g3"))
    plan = plan_cleanup(client, timedelta(days=1), now=utcnow() + timedelta(days=2))
    client.delete_tasks([ids[0]])  # gone since the plan
    emulator.admin.set_task_progress(ids[1], status="TASK_IN_PROGRESS")  # reopened since the plan
    result = apply_cleanup(client, CleanupPlan.from_json(plan.to_json()))
    assert sorted(t["id"] for t in client.list_tasks()) == [ids[1]]
    assert result.details == {"skipped": {ids[1]: "kept: now TASK_IN_PROGRESS (was TASK_DONE when planned)"}}
    assert result.counts == {"considered": 3, "deleted": 2, "skipped": 1}
    assert result.ids == {"deleted": [ids[0], ids[2]]} and result.operation == "tasks.cleanup"


def test_a_task_modified_since_the_plan_is_kept(client, emulator) -> None:
    (tid,) = _finished(client, emulator, "m1")
    plan = plan_cleanup(client, timedelta(days=1), now=utcnow() + timedelta(days=2))
    stale = CleanupPlan.from_dict(
        {**plan.to_dict(), "rows": [dict(plan.rows[0], modified_at="2020-01-01T00:00:00+00:00")]}
    )
    result = apply_cleanup(client, stale)
    stamp = parse_time(client.get_task(tid).get("modified_at"))
    assert result.details == {"skipped": {tid: f"kept: modified since the plan was made ({stamp.isoformat()})"}}
    assert [t["id"] for t in client.list_tasks()] == [tid]


def test_without_recheck_the_plan_is_applied_as_it_is(client, emulator) -> None:
    (tid,) = _finished(client, emulator, "n1")
    plan = plan_cleanup(client, timedelta(days=1), now=utcnow() + timedelta(days=2))
    emulator.admin.set_task_progress(tid, status="TASK_IN_PROGRESS")
    emulator.admin.clear_requests()
    result = apply_cleanup(client, plan, recheck=False)
    assert _rpcs(emulator) == ["GetApp", "DeleteTasks", "ListTasks"]  # the app checked, no listing first
    assert result.counts == {"considered": 1, "deleted": 1, "skipped": 0} and result.details == {}
    assert result.requests == 2 and result.elapsed >= 0  # the delete and the verification


def test_a_delete_plan_by_id(client, emulator) -> None:
    (tid,) = _finished(client, emulator, "d1")
    task = client.get_task(tid)
    now = utcnow()
    plan = plan_delete_tasks(client, [tid, "no-such-task", tid], now=now)
    stamp = parse_time(task.get("modified_at")) or parse_time(task.get("created_at"))
    assert plan.operation == "tasks.delete" and plan.now == now.isoformat()
    assert plan.rows == [
        {
            "task_id": tid,
            "name": "label d1",
            "status": "TASK_DONE",
            "modified_at": stamp.isoformat(),
            "age_days": round((now - stamp) / timedelta(days=1), 4),
            "action": "delete",
            "reason": "delete: asked for by id",
        },
        {
            "task_id": "no-such-task",
            "name": "",
            "status": None,
            "modified_at": None,
            "age_days": None,
            "action": "absent",
            "reason": "not found: nothing to delete",
        },
    ]
    events: list = []
    result = apply_cleanup(client, plan, progress=events.append)
    assert [(e.operation, e.stage, e.done, e.total) for e in events] == [("tasks", "delete", 1, 1)]
    assert result.operation == "tasks.delete" and result.ids == {"deleted": [tid]}


def test_deletes_go_a_hundred_at_a_time(client, emulator) -> None:
    specs = [_spec(f"b{n:03d}").to_task() for n in range(101)]
    for start in range(0, 101, 50):
        client.post_tasks(specs[start : start + 50])
    for spec in specs:
        emulator.admin.set_task_progress(spec["id"], status="TASK_DONE")
    plan = plan_cleanup(client, timedelta(days=1), now=utcnow() + timedelta(days=2))
    emulator.admin.clear_requests()
    events: list = []
    result = apply_cleanup(client, plan, progress=events.append)
    deletes = [r for r in emulator.admin.requests() if r["rpc"] == "DeleteTasks"]
    assert len(deletes) == 2 and result.counts["deleted"] == 101
    # one event per batch, counts going up to the total (the two batches may end in either order)
    assert [(e.stage, e.total) for e in events] == [("cleanup", 101)] * 2
    assert events[0].done in (1, 100) and events[1].done == 101


def test_a_verification_failure_names_at_most_ten_tasks(client, emulator) -> None:
    ids = sorted(_finished(client, emulator, *[f"v{n:02d}" for n in range(12)]))
    plan = plan_cleanup(client, timedelta(days=1), now=utcnow() + timedelta(days=2))
    emulator.admin.script_fault("lost_write", rpc="DeleteTasks")
    with pytest.raises(VerificationError) as info:
        apply_cleanup(client, plan)
    assert str(info.value) == f"tasks still listed after delete: {ids[:10]}; run cleanup again"


# -- updates as plans ------------------------------------------------------------------------


def test_an_update_plan_row_by_row_and_its_result(client, emulator) -> None:
    spec = _spec("u1", review="MANUAL", reviewers=("carol",))
    create_task(client, spec)
    plan = plan_update_task(client, spec.id, workers=["dave"], reviewers=["carol"], done=True)
    assert plan.to_dict() == {
        "operation": "tasks.update",
        "rows": [
            {
                "task_id": spec.id,
                "field": "workers",
                "before": ["alice", "bob"],
                "after": ["alice", "bob", "dave"],
                "action": "change",
            },
            {"task_id": spec.id, "field": "reviewers", "before": ["carol"], "after": ["carol"], "action": "unchanged"},
            {
                "task_id": spec.id,
                "field": "status",
                "before": "TASK_IN_PROGRESS",
                "after": "TASK_DONE",
                "action": "change",
            },
        ],
        "task_id": spec.id,
        "mode": "merge",
    }
    emulator.admin.clear_requests()
    result = apply_update_task(client, TaskUpdatePlan.from_json(plan.to_json()))
    assert result.to_dict() | {"elapsed": 0} == {
        "operation": "tasks.update",
        "dry_run": False,
        "counts": {"changed_fields": 2, "skipped": 0},
        "ids": {"task": [spec.id]},
        "elapsed": 0,
        "requests": result.requests,
        "details": {
            "changes": {"workers": ["alice", "bob", "dave"], "status": "TASK_DONE"},
            "before": {"workers": ["alice", "bob"], "status": "TASK_IN_PROGRESS"},
            "marked_done": True,
        },
    }
    assert (
        result.requests == len(emulator.admin.requests()) == 6
    )  # read, patch, read back; mark done: read, patch, read
    again = apply_update_task(client, plan)
    assert again.counts == {"changed_fields": 0, "skipped": 0} and again.details["marked_done"] is False


def test_a_field_done_already_does_not_stop_the_others(client, emulator) -> None:
    spec = _spec("u2")
    create_task(client, spec)
    plan = plan_update_task(client, spec.id, workers=["dave"], concepts=["dog"])
    update_task(client, spec.id, workers=["dave"])  # the first field is made by someone else meanwhile
    result = apply_update_task(client, plan)
    assert result.details["changes"] == {"concepts": ["cat", "dog"]}
    assert concept_ids(client.get_task(spec.id)) == ["cat", "dog"]


def test_a_delayed_update_skips_a_field_changed_since_and_applies_the_rest(client, emulator) -> None:
    spec = _spec("u3")
    create_task(client, spec)
    plan = plan_update_task(client, spec.id, workers=["dave"], concepts=["dog"])
    update_task(client, spec.id, workers=["erin"])
    result = apply_update_task(client, plan)
    assert result.counts == {"changed_fields": 1, "skipped": 1}
    assert result.details["skipped"] == {
        "workers": "kept: workers changed since the plan was made "
        "(now ['alice', 'bob', 'erin'], planned from ['alice', 'bob'])"
    }
    assert worker_ids(client.get_task(spec.id)) == ["alice", "bob", "erin"]
    forced = apply_update_task(client, plan, recheck=False)
    assert forced.details["changes"] == {"workers": ["alice", "bob", "dave"]}


def test_apply_update_refuses_bad_arguments_before_any_request(client, emulator) -> None:
    spec = _spec("u4")
    create_task(client, spec)
    plan = plan_update_task(client, spec.id, workers=["dave"])
    emulator.admin.clear_requests()
    with pytest.raises(ValidationError) as info:
        apply_update_task(client, plan.to_dict())  # type: ignore[arg-type]
    assert (
        str(info.value).startswith("plan must be a TaskUpdatePlan (TaskUpdatePlan.from_json(text) rebuilds one)")
        and info.value.argument == "plan"
    )
    with pytest.raises(ValidationError) as info:
        apply_update_task(client, plan, recheck="yes")  # type: ignore[arg-type]
    assert str(info.value) == "recheck must be True or False, got 'yes'" and info.value.argument == "recheck"
    assert emulator.admin.requests() == []


# -- member lists in every shape the API sends them -----------------------------------------------


def test_updates_replace_members_sent_as_user_ids_or_users(client, emulator) -> None:
    task = _spec("shapes", review="MANUAL", reviewers=("carol",)).to_task()
    task["worker"] = {"strategy": "FULL", "user_ids": ["alice"], "users": [{"id": "bob"}]}
    task["review"] = {**task["review"], "user_ids": ["carol"], "users": []}
    client.post_tasks([task])
    read = client.get_task(task["id"])
    assert worker_ids(read) == ["alice", "bob"] and reviewer_ids(read) == ["carol"]
    update_task(client, task["id"], workers=["alice"], mode="remove")
    update_task(client, task["id"], reviewers=["dave"], mode="overwrite")
    after = client.get_task(task["id"])
    assert worker_ids(after) == ["bob"] and reviewer_ids(after) == ["dave"]
    assert "user_ids" not in after["worker"] and "user_ids" not in after["review"]


def test_a_weighted_partition_keeps_a_weight_per_worker(client, emulator) -> None:
    spec = _spec(
        "weights",
        worker_strategy="PARTITIONED",
        partition="WEIGHTED",
        weights={"alice": 3, "bob": 1},
    )
    create_task(client, spec)
    update_task(client, spec.id, workers=["carol"], mode="merge")
    update_task(client, spec.id, workers=["bob"], mode="remove")
    info = client.get_task(spec.id)["worker"]["partitioned_strategy_info"]
    assert info["weights"] == {"alice": 3.0, "carol": 1.0}  # a new worker weighs 1, a removed one goes
    assert info["type"] == "WEIGHTED"
