"""What a task update, a mark-done and an update plan report, field by field: the
operation, the dry-run flag, the counts, the task id, the changes with their values
before, the mode, and the requests made (each one in the emulator's log); a plan holds
a row for each list given and for no other."""

from __future__ import annotations

from typing import Any

import pytest

from connector.errors import ValidationError
from connector.operations import TaskSpec, create_task, mark_done, plan_update_task, update_task
from connector.operations.tasks import concept_ids, reviewer_ids, worker_ids
from connector.status_codes import code_name, status_code_of
from tests.support.scenarios import writes


def _task(client, key: str, **kw: Any) -> str:
    base: dict[str, Any] = {"name": f"label {key}", "concept_ids": ("cat",), "workers": ("alice", "bob")}
    base.update(kw)
    spec = TaskSpec(run_key=key, **base)
    create_task(client, spec)
    return spec.id


def _without_elapsed(result) -> dict[str, Any]:
    data = result.to_dict()
    assert data["elapsed"] > 0  # measured over the requests made, never left unset
    del data["elapsed"]
    return data


@pytest.mark.parametrize("dry_run", [False, True])
def test_what_an_update_reports(client, emulator, dry_run) -> None:
    tid = _task(client, "report", review="MANUAL", reviewers=("carol",))
    emulator.admin.clear_requests()
    result = update_task(client, tid, workers=["alice"], concepts=["dog"], mode="remove", dry_run=dry_run)
    assert result.dry_run is dry_run
    assert _without_elapsed(result) == {
        "operation": "tasks.update",
        "dry_run": dry_run,
        "counts": {"changed_fields": 1},  # removing a concept the task lacks changes nothing
        "ids": {"task": [tid]},
        "requests": 1 if dry_run else 3,  # read; then patch and read back
        "details": {"changes": {"workers": ["bob"]}, "before": {"workers": ["alice", "bob"]}, "mode": "remove"},
    }
    assert result.requests == len(emulator.admin.requests())
    assert len(writes(emulator)) == (0 if dry_run else 1)
    assert worker_ids(client.get_task(tid)) == (["alice", "bob"] if dry_run else ["bob"])


def test_an_update_reports_each_field_it_changes_with_its_value_before(client, emulator) -> None:
    tid = _task(client, "fields", review="MANUAL", reviewers=("carol",))
    result = update_task(client, tid, workers=["dave"], reviewers=["erin"], concepts=["cat"], mode="overwrite")
    assert result.counts == {"changed_fields": 2}
    assert result.details == {
        "changes": {"workers": ["dave"], "reviewers": ["erin"]},
        "before": {"workers": ["alice", "bob"], "reviewers": ["carol"]},
        "mode": "overwrite",
    }


def test_overwriting_the_workers_leaves_the_reviewers_alone(client, emulator) -> None:
    """Lists not given are not part of the update, whatever the mode: overwriting the
    workers of a reviewed task neither empties nor checks its reviewers."""
    tid = _task(client, "alone", review="MANUAL", reviewers=("carol",))
    result = update_task(client, tid, workers=["dave"], mode="overwrite")
    assert result.details["changes"] == {"workers": ["dave"]}
    task = client.get_task(tid)
    assert worker_ids(task) == ["dave"] and reviewer_ids(task) == ["carol"] and concept_ids(task) == ["cat"]


@pytest.mark.parametrize("dry_run", [False, True])
def test_what_mark_done_reports(client, emulator, dry_run) -> None:
    tid = _task(client, f"done-{dry_run}")
    emulator.admin.clear_requests()
    result = mark_done(client, tid, dry_run=dry_run)
    assert result.dry_run is dry_run
    assert _without_elapsed(result) == {
        "operation": "tasks.done",
        "dry_run": dry_run,
        "counts": {"marked_done": 1},
        "ids": {"task": [tid]},
        "requests": 1 if dry_run else 3,  # read; then patch and read back
        "details": {},
    }
    assert result.requests == len(emulator.admin.requests())
    status = code_name(status_code_of(client.get_task(tid)))
    assert status == ("TASK_IN_PROGRESS" if dry_run else "TASK_DONE")
    emulator.admin.clear_requests()
    again = mark_done(client, tid)
    assert again.counts == {"marked_done": int(dry_run)} and again.requests == len(emulator.admin.requests())


# -- plans ------------------------------------------------------------------------------------


def test_a_plan_has_rows_only_for_the_lists_given(client, emulator) -> None:
    tid = _task(client, "rows", review="MANUAL", reviewers=("carol",))
    plan = plan_update_task(client, tid, concepts=["dog"], mode="overwrite")
    assert plan.rows == [
        {"task_id": tid, "field": "concepts", "before": ["cat"], "after": ["dog"], "action": "change"},
    ]
    assert plan.mode == "overwrite"
    only_reviewers = plan_update_task(client, tid, reviewers=["dave"])
    assert only_reviewers.rows == [
        {"task_id": tid, "field": "reviewers", "before": ["carol"], "after": ["carol", "dave"], "action": "change"},
    ]
    assert only_reviewers.mode == "merge"


@pytest.mark.parametrize("mode", ["remove", "overwrite"])
def test_a_plan_keeps_its_mode(client, emulator, mode) -> None:
    tid = _task(client, f"mode-{mode}")
    plan = plan_update_task(client, tid, workers=["bob"], mode=mode.upper())
    assert plan.mode == mode
    assert plan.to_dict()["mode"] == mode
    assert plan.changes == {"workers": ["alice"] if mode == "remove" else ["bob"]}


def test_a_plan_that_would_leave_no_worker_names_the_task(client, emulator) -> None:
    tid = _task(client, "empty")
    with pytest.raises(ValidationError) as info:
        plan_update_task(client, tid, workers=["alice", "bob"], mode="remove")
    assert info.value.argument == "workers"
    assert str(info.value) == f"the update would leave task {tid!r} with no worker (workers, mode remove)"
