"""Labeling-task lifecycle against the emulator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.errors import ValidationError, WaitFailedError, WaitTimeoutError
from connector.operations import (
    ConflictError,
    TaskSpec,
    cleanup_tasks,
    create_task,
    delete_task,
    mark_done,
    task_status,
    update_task,
    watch_task,
)
from connector.operations.base import utcnow
from tests.support.scenarios import make_dataset, make_inputs, writes


def spec(**kw):
    base = {"name": "label cats", "concept_ids": ("cat", "dog"), "workers": ("alice", "bob")}
    base.update(kw)
    return TaskSpec(**base)


def test_create_dry_run_create_and_adopt(client, emulator):
    s = spec(run_key="r1", review="MANUAL", reviewers=("carol",), priority="HIGH", metadata={"team": "a"})
    result = create_task(client, s, dry_run=True)
    assert result.details["action"] == "would create" and writes(emulator) == []
    result = create_task(client, s)
    assert result.counts == {"created": 1, "adopted": 0}
    task = client.get_task(s.id)
    assert task["name"] == "label cats" and sorted(task["concept_ids"]) == ["cat", "dog"]
    emulator.admin.clear_requests()
    again = create_task(client, s)
    assert again.counts == {"created": 0, "adopted": 1} and writes(emulator) == []
    assert s.id == spec(run_key="r1", review="MANUAL", reviewers=("carol",)).id  # id from name + run key
    assert s.id != spec(run_key="r2").id


def test_conflict_with_a_different_task(client, emulator):
    create_task(client, spec(task_id="t-fixed"))
    with pytest.raises(ConflictError, match="differs"):
        create_task(client, spec(task_id="t-fixed", type="polygon"))
    with pytest.raises(ConflictError, match="differs"):
        create_task(client, spec(task_id="t-fixed", input_source="DATASET", input_source_id="other"))
    assert client.get_task("t-fixed")["type"] == "CONCEPTS_CLASSIFICATION"
    # Membership (workers, concepts) may have been updated since: the task is adopted,
    # and the drift is reported.
    adopted = create_task(client, spec(task_id="t-fixed", concept_ids=("bird",)))
    assert adopted.counts["adopted"] == 1 and "concepts" in adopted.details["drift"]
    assert sorted(client.get_task("t-fixed")["concept_ids"]) == ["cat", "dog"]


def test_partitioned_dataset_task(client, emulator):
    make_dataset(client, "to-label", make_inputs(client, 4))
    s = spec(
        input_source="DATASET",
        input_source_id="to-label",
        worker_strategy="PARTITIONED",
        partition="WEIGHTED",
        weights={"alice": 2, "bob": 1},
        workers_per_input=1,
        review="CONSENSUS",
        reviewers=("carol",),
        approval_threshold=2,
    )
    create_task(client, s)
    st = task_status(client, s.id)
    assert st.inputs_estimated == 4
    assert {c["user_id"] for c in st.annotation_counts} == {"alice", "bob"}
    assert {c["user_id"] for c in st.input_counts} == {"alice", "bob"}


def test_watch_until_threshold_done_failed_and_deadline(client, emulator):
    s = spec(run_key="w")
    create_task(client, s)
    emulator.admin.set_task_progress(s.id, work_percent=60)
    events = []
    st = watch_task(client, s.id, until="work", percent=50, timeout=5, interval=0.01, progress=events.append)
    assert st.work_percent == 60 and events and events[-1].done == 60
    with pytest.raises(WaitTimeoutError, match="not finished"):
        watch_task(client, s.id, until="review", percent=10, timeout=0.2, interval=0.02, max_interval=0.05)
    emulator.admin.set_task_progress(s.id, status="TASK_DONE")
    assert watch_task(client, s.id, timeout=5, interval=0.01).status == "TASK_DONE"
    other = spec(run_key="w2")
    create_task(client, other)
    emulator.admin.set_task_progress(other.id, status="TASK_WONT_DO")
    with pytest.raises(WaitFailedError, match="TASK_WONT_DO"):
        watch_task(client, other.id, timeout=5, interval=0.01)


def test_update_merge_overwrite_remove_and_done(client, emulator):
    s = spec(run_key="u", review="MANUAL", reviewers=("carol",))
    create_task(client, s)
    r = update_task(client, s.id, workers=["dave"], mode="merge")
    assert r.details["changes"] == {"workers": ["alice", "bob", "dave"]}
    assert update_task(client, s.id, workers=["dave"], mode="merge").counts["changed_fields"] == 0
    update_task(client, s.id, workers=["alice"], mode="remove")
    update_task(client, s.id, concepts=["bird"], reviewers=["erin"], mode="overwrite")
    task = client.get_task(s.id)
    from connector.operations.tasks import concept_ids, reviewer_ids, worker_ids

    assert worker_ids(task) == ["bob", "dave"] and concept_ids(task) == ["bird"] and reviewer_ids(task) == ["erin"]
    emulator.admin.clear_requests()
    assert update_task(client, s.id, workers=["x"], mode="merge", dry_run=True).details["changes"]
    assert writes(emulator) == []
    with pytest.raises(ValidationError, match="no worker"):
        update_task(client, s.id, workers=["bob", "dave"], mode="remove")
    assert mark_done(client, s.id).counts["marked_done"] == 1
    assert task_status(client, s.id, counts=False).status == "TASK_DONE"
    emulator.admin.clear_requests()
    assert mark_done(client, s.id).counts["marked_done"] == 0 and writes(emulator) == []


def test_delete_is_idempotent(client, emulator):
    s = spec(run_key="d")
    create_task(client, s)
    delete_task(client, s.id)
    delete_task(client, s.id)  # not found = deleted
    assert [t for t in client.list_tasks() if t["id"] == s.id] == []


def test_mark_done_and_delete_dry_runs_write_nothing(client, emulator):
    s = spec(run_key="dry")
    create_task(client, s)
    emulator.admin.clear_requests()
    done = mark_done(client, s.id, dry_run=True)
    assert done.dry_run and done.counts["marked_done"] == 1
    deleted = delete_task(client, s.id, dry_run=True)
    assert deleted.dry_run and deleted.ids == {"would_delete": [s.id]}
    assert writes(emulator) == []
    assert task_status(client, s.id, counts=False).status != "TASK_DONE"


def test_cleanup_dry_run_then_apply(client, emulator):
    done, wont, busy = spec(run_key="c1"), spec(run_key="c2"), spec(run_key="c3")
    for s in (done, wont, busy):
        create_task(client, s)
    emulator.admin.set_task_progress(done.id, status="TASK_DONE")
    emulator.admin.set_task_progress(wont.id, status="TASK_WONT_DO")
    later = utcnow() + timedelta(days=40)
    emulator.admin.clear_requests()
    _plan, result = cleanup_tasks(client, timedelta(days=30), dry_run=True, now=later)
    assert sorted(result.ids["would_delete"]) == sorted([done.id, wont.id]) and writes(emulator) == []
    recent, _ = cleanup_tasks(client, timedelta(days=30), dry_run=True)
    assert recent.to_delete == []
    _, result = cleanup_tasks(client, timedelta(days=30), now=later)
    assert result.counts["deleted"] == 2
    assert [t["id"] for t in client.list_tasks()] == [busy.id]
    emulator.admin.clear_requests()
    _, again = cleanup_tasks(client, timedelta(days=30), now=later)
    assert again.counts["deleted"] == 0 and writes(emulator) == []


def test_task_on_a_missing_dataset_fails_before_any_write(client, emulator):
    s = spec(run_key="m", input_source="DATASET", input_source_id="not-there")
    emulator.admin.clear_requests()
    for dry_run in (True, False):
        with pytest.raises(ValidationError, match="input source dataset 'not-there' does not exist in app 'demo'"):
            create_task(client, s, dry_run=dry_run)
    assert writes(emulator) == [] and list(client.list_tasks()) == []
    make_dataset(client, "not-there")
    assert create_task(client, s).counts["created"] == 1


def test_cleanup_reports_progress_and_its_plan_round_trips(client, emulator):
    from connector.operations import CleanupPlan, apply_cleanup, plan_cleanup

    ids = []
    for n in range(3):
        s = spec(run_key=f"p{n}")
        create_task(client, s)
        emulator.admin.set_task_progress(s.id, status="TASK_DONE")
        ids.append(s.id)
    later = utcnow() + timedelta(days=2)
    plan = plan_cleanup(client, timedelta(days=1), now=later)
    restored = CleanupPlan.from_json(plan.to_json())
    assert restored.to_dict() == plan.to_dict() and restored.to_delete == sorted(ids)
    assert list(restored.to_dataframe().columns) == list(plan.columns())
    events = []
    result = apply_cleanup(client, restored, progress=events.append)
    assert [(e.operation, e.stage, e.done, e.total) for e in events] == [("tasks", "cleanup", 3, 3)]
    assert (
        result.counts == {"considered": 3, "deleted": 3, "skipped": 0} and result.requests == 3
    )  # recheck list, delete, verify list
    assert list(client.list_tasks()) == []
