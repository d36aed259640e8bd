"""Plans for review: task deletes and updates as plans (before and after, rechecked when
applied later), a split plan applied after the source or targets changed, cleanup
reasons in human durations, and a split grouped by a key no input has."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.errors import ConflictError, ValidationError
from connector.operations import (
    CleanupPlan,
    SplitPlan,
    SplitSpec,
    TaskSpec,
    TaskUpdatePlan,
    apply_cleanup,
    apply_split,
    apply_update_task,
    create_task,
    plan_cleanup,
    plan_delete_tasks,
    plan_split,
    plan_update_task,
    update_task,
)
from connector.operations.base import human_duration, utcnow
from tests.support.scenarios import make_dataset, make_inputs, writes


def _task(client, key: str, **kw) -> str:
    spec = TaskSpec(name="label cats", concept_ids=("cat",), workers=("alice",), run_key=key, **kw)
    create_task(client, spec)
    return spec.id


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(days=30), "30d"),
        (timedelta(hours=36), "1d 12h"),
        (timedelta(minutes=90, seconds=5), "1h 30m 5s"),
    ],
)
def test_human_duration(value, text):
    assert human_duration(value) == text


def test_cleanup_reasons_speak_in_durations(client, emulator):
    done, fresh = _task(client, "done"), _task(client, "fresh")
    for tid in (done, fresh):
        emulator.admin.set_task_progress(tid, status="TASK_DONE")
    plan = plan_cleanup(client, timedelta(days=30), now=utcnow() + timedelta(days=31))
    reasons = {r["task_id"]: r["reason"] for r in plan.rows}
    assert reasons[done] == "delete: done and untouched for more than 30d"
    plan = plan_cleanup(client, timedelta(days=30))
    assert {r["reason"] for r in plan.rows} == {"kept: done but modified within 30d"}
    assert "0:00:00" not in plan.to_json() and "days," not in plan.to_json()


def test_a_delete_plan_marks_missing_tasks_absent_and_applies_with_a_recheck(client, emulator):
    keep_alive, doomed = _task(client, "a"), _task(client, "b")
    emulator.admin.clear_requests()
    plan = plan_delete_tasks(client, [doomed, "nope-task", keep_alive, doomed])
    assert writes(emulator) == []
    assert [(r["task_id"], r["action"]) for r in plan.rows] == [
        (doomed, "delete"),
        ("nope-task", "absent"),
        (keep_alive, "delete"),
    ]
    assert plan.operation == "tasks.delete" and plan.to_delete == [doomed, keep_alive]
    text = plan.to_json()

    emulator.admin.set_task_progress(keep_alive, status="TASK_DONE")  # changed since the plan was made
    result = apply_cleanup(client, CleanupPlan.from_json(text))
    assert result.operation == "tasks.delete" and result.ids["deleted"] == [doomed]
    assert "TASK_DONE" in result.details["skipped"][keep_alive]
    assert [t["id"] for t in client.list_tasks()] == [keep_alive]
    with pytest.raises(ValidationError, match="task_ids is empty: give at least one task id"):
        plan_delete_tasks(client, [])


def test_an_update_plan_shows_before_and_after_and_writes_nothing(client, emulator):
    tid = _task(client, "u")
    emulator.admin.clear_requests()
    plan = plan_update_task(client, tid, workers=["bob"], concepts=["cat"], done=True)
    assert writes(emulator) == []
    assert [(r["field"], r["before"], r["after"], r["action"]) for r in plan.rows] == [
        ("workers", ["alice"], ["alice", "bob"], "change"),
        ("concepts", ["cat"], ["cat"], "unchanged"),
        ("status", "TASK_IN_PROGRESS", "TASK_DONE", "change"),
    ]
    result = apply_update_task(client, TaskUpdatePlan.from_json(plan.to_json()))
    task = client.get_task(tid)
    assert sorted(w["user"]["id"] for w in task["worker"]["workers"]) == ["alice", "bob"]
    assert result.details["marked_done"] is True and result.counts == {"changed_fields": 2, "skipped": 0}
    assert result.details["before"] == {"workers": ["alice"], "status": "TASK_IN_PROGRESS"}
    emulator.admin.clear_requests()
    again = apply_update_task(client, plan)  # everything is at its planned value: no write
    assert writes(emulator) == [] and again.counts["changed_fields"] == 0


def test_an_update_plan_applied_after_someone_else_changed_the_field_skips_it(client, emulator):
    tid = _task(client, "v")
    plan = plan_update_task(client, tid, workers=["carol"], mode="overwrite", concepts=["dog"])
    # Meanwhile someone adds a worker: the reviewed "alice -> carol" no longer describes the change.
    update_task(client, tid, workers=["dave"], mode="merge")
    emulator.admin.clear_requests()
    result = apply_update_task(client, plan)
    assert list(result.details["skipped"]) == ["workers"]
    assert "changed since the plan was made" in result.details["skipped"]["workers"]
    task = client.get_task(tid)
    assert sorted(w["user"]["id"] for w in task["worker"]["workers"]) == ["alice", "dave"]
    assert task["concept_ids"] == ["dog"] and result.details["changes"] == {"concepts": ["dog"]}


def test_a_split_grouped_by_a_key_no_input_has_is_refused(client, emulator):
    make_dataset(client, "src", make_inputs(client, 6, groups=2))
    emulator.admin.clear_requests()
    with pytest.raises(ValidationError, match=r"group_by key 'patient' .* \['subject'\]"):
        plan_split(client, SplitSpec(dataset_id="src", group_by="patient"))
    plan = plan_split(client, SplitSpec(dataset_id="src", group_by="subject"))
    assert {r["unit"] for r in plan.rows} == {"group:s0", "group:s1"}
    assert writes(emulator) == []


def test_a_saved_split_plan_leaves_inputs_that_joined_the_source_for_the_next_plan(client, emulator):
    ids = make_inputs(client, 6)
    make_dataset(client, "src", ids)
    plan = SplitPlan.from_json(plan_split(client, SplitSpec(dataset_id="src", seed="g")).to_json())
    late = make_inputs(client, 3, prefix="late")
    client.post_dataset_inputs("src", late)
    result = apply_split(client, plan)
    assert result.details["not_in_plan"] == 3 and result.counts["added"] == 6
    placed = {i["input"]["id"] for t in ("src-train", "src-test") for i in client.list_dataset_inputs(t)}
    assert placed == set(ids)


def test_a_saved_exact_split_refuses_removals_it_did_not_review(client, emulator):
    ids = make_inputs(client, 6)
    make_dataset(client, "src", ids)
    spec = SplitSpec(dataset_id="src", seed="e", mode="exact")
    plan = plan_split(client, spec)
    stray = make_inputs(client, 1, prefix="stray")
    make_dataset(client, "src-train", stray)  # a target now holds an input a plan made now would remove
    emulator.admin.clear_requests()
    with pytest.raises(ConflictError, match=r"also removes \['src-train/stray000'\]; make the plan again"):
        apply_split(client, plan)
    assert writes(emulator) == []
