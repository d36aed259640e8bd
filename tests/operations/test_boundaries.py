"""Every limit of the operations exactly at its bound, against the emulator: the guard's
count and share, the grace age of a failed version, the age of a READY version, the
age of a finished task; and which fields make two tasks "the same task"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.errors import ConflictError, GuardError
from connector.operations import PrunePolicy, TaskSpec, cleanup_tasks, create_task, plan_cleanup, plan_prune, prune
from connector.operations.base import parse_time
from tests.support.scenarios import make_dataset, make_versions, writes

TICK = timedelta(microseconds=1)


@pytest.fixture
def four(client, emulator) -> None:
    """ds: v1..v4 READY, oldest first; keep_last=2 deletes v1 and v2 (half of them)."""
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": f"v{n}"} for n in range(1, 5)])
    emulator.admin.clear_requests()


def _created(client, dataset_id: str, version_id: str):
    return parse_time(client.get_dataset_version(dataset_id, version_id)["created_at"])


def _ids(client, dataset_id: str) -> list[str]:
    return sorted(v["id"] for v in client.list_dataset_versions(dataset_id))


def test_a_plan_deleting_exactly_max_delete_share_is_applied(client, emulator, four):
    plan = plan_prune(client, "ds", PrunePolicy(keep_last=2, max_delete_share=0.5))
    assert plan.delete_count == 2 and len(plan.rows) == 4 and plan.guard is None
    with pytest.raises(GuardError) as info:
        prune(client, "ds", PrunePolicy(keep_last=2, max_delete_share=0.49))
    assert str(info.value) == (
        "refusing to prune: the plan deletes 2 of 4 versions (50%), more than max_delete_share=49%; "
        "pass force=True to apply it anyway"
    )
    assert writes(emulator) == []
    prune(client, "ds", PrunePolicy(keep_last=2, max_delete_share=0.5))
    assert _ids(client, "ds") == ["v3", "v4"]


def test_a_plan_deleting_exactly_max_delete_is_applied(client, emulator, four):
    with pytest.raises(GuardError, match="the plan deletes 2 versions, more than max_delete=1;"):
        prune(client, "ds", PrunePolicy(keep_last=2, max_delete=1))
    assert writes(emulator) == []
    _, result = prune(client, "ds", PrunePolicy(keep_last=2, max_delete=2))
    assert result.counts["deleted"] == 2 and _ids(client, "ds") == ["v3", "v4"]


def test_max_delete_zero_refuses_any_deletion_but_not_an_empty_plan(client, emulator, four):
    with pytest.raises(GuardError, match="max_delete=0"):
        prune(client, "ds", PrunePolicy(keep_last=2, max_delete=0))
    _, result = prune(client, "ds", PrunePolicy(keep_last=4, max_delete=0))
    assert result.counts["deleted"] == 0 and writes(emulator) == []


def test_a_failed_version_exactly_at_its_grace_age_is_deleted(client, emulator, four):
    emulator.admin.fail_dataset_version("ds", "v2")
    grace = timedelta(days=7)
    at_grace = _created(client, "ds", "v2") + grace
    policy = PrunePolicy(delete_failed_older_than=grace)
    within = {r["version_id"]: r for r in plan_prune(client, "ds", policy, now=at_grace - TICK).rows}
    assert within["v2"]["action"] == "keep"
    assert within["v2"]["reason"] == "kept: failed but within the 7d grace period"
    at = {r["version_id"]: r for r in plan_prune(client, "ds", policy, now=at_grace).rows}
    assert at["v2"]["action"] == "delete"
    assert at["v2"]["reason"] == "delete: DATASET_VERSION_FAILURE older than 7d"
    assert at["v2"]["age_days"] == 7.0
    assert [r["version_id"] for r in at.values() if r["action"] == "delete"] == ["v2"]  # READY ones: no rule


def test_a_ready_version_exactly_at_keep_younger_than_is_deleted(client, emulator, four):
    age = timedelta(hours=36)
    at_age = _created(client, "ds", "v2") + age
    policy = PrunePolicy(keep_younger_than=age)
    younger = {r["version_id"]: r for r in plan_prune(client, "ds", policy, now=at_age - TICK).rows}
    assert younger["v2"]["action"] == "keep" and younger["v2"]["reason"] == "kept: younger than 1d 12h"
    at = {r["version_id"]: r for r in plan_prune(client, "ds", policy, now=at_age).rows}
    assert at["v2"]["action"] == "delete" and at["v2"]["reason"] == "delete: older than 1d 12h"
    assert at["v1"]["action"] == "delete" and at["v4"]["action"] == "keep"  # v4: the newest READY


def test_keep_last_keeps_exactly_that_many_ready_versions(client, emulator, four):
    rows = {r["version_id"]: r for r in plan_prune(client, "ds", PrunePolicy(keep_last=3)).rows}
    assert [v for v, r in sorted(rows.items()) if r["action"] == "delete"] == ["v1"]
    assert rows["v2"]["reason"] == "kept: among the newest 3 READY versions"
    assert rows["v1"]["reason"] == "delete: not among the newest 3 READY"
    assert rows["v4"]["reason"] == "protected: newest READY version"


# -- tasks -------------------------------------------------------------------------------


def _spec(**kw) -> TaskSpec:
    base = {"name": "label cats", "concept_ids": ("cat",), "workers": ("alice", "bob")}
    base.update(kw)
    return TaskSpec(**base)


def test_a_task_finished_exactly_the_threshold_ago_is_cleaned_up(client, emulator):
    s = _spec(run_key="age")
    create_task(client, s)
    emulator.admin.set_task_progress(s.id, status="TASK_DONE")
    task = client.get_task(s.id)
    stamp = parse_time(task.get("modified_at")) or parse_time(task.get("created_at"))
    older_than = timedelta(days=30)
    at = stamp + older_than
    (row,) = plan_cleanup(client, older_than, now=at - TICK).rows
    assert row["action"] == "keep" and row["reason"] == "kept: done but modified within 30d"
    (row,) = plan_cleanup(client, older_than, now=at).rows
    assert row["action"] == "delete" and row["reason"] == "delete: done and untouched for more than 30d"
    assert row["age_days"] == 30.0
    _, result = cleanup_tasks(client, older_than, now=at)
    assert result.ids["deleted"] == [s.id] and list(client.list_tasks()) == []


@pytest.mark.parametrize(
    ("status", "include_idle", "action"),
    [
        ("TASK_DONE", True, "delete"),
        ("TASK_WONT_DO", True, "delete"),
        ("TASK_FAILED", True, "delete"),
        ("TASK_IDLE", True, "delete"),
        ("TASK_IDLE", False, "keep"),
        ("TASK_IN_PROGRESS", True, "keep"),
    ],
)
def test_which_finished_tasks_cleanup_deletes(client, emulator, status, include_idle, action):
    s = _spec(run_key="fin")
    create_task(client, s)
    emulator.admin.set_task_progress(s.id, status=status)
    later = parse_time(client.get_task(s.id)["created_at"]) + timedelta(days=400)
    (row,) = plan_cleanup(client, timedelta(days=1), now=later, include_idle=include_idle).rows
    assert (row["status"], row["action"]) == (status, action)


@pytest.mark.parametrize(
    ("first", "second", "field"),
    [
        ({"review": "NONE"}, {"review": "MANUAL", "reviewers": ("carol",)}, "review"),
        ({"review": "MANUAL", "reviewers": ("carol",)}, {"review": "CONSENSUS", "reviewers": ("carol",)}, "review"),
        ({"worker_strategy": "FULL"}, {"worker_strategy": "PARTITIONED"}, "worker_strategy"),
        ({"type": "classification"}, {"type": "bounding_box"}, "type"),
        ({"description": "a"}, {"name": "label dogs"}, "name"),
    ],
)
def test_strategies_type_and_name_are_part_of_a_tasks_identity(client, emulator, first, second, field):
    create_task(client, _spec(task_id="t1", **first))
    emulator.admin.clear_requests()
    with pytest.raises(ConflictError) as info:
        create_task(client, _spec(task_id="t1", **second))
    assert f"({field}: " in str(info.value) and writes(emulator) == []


@pytest.mark.parametrize(
    "change",
    [
        {"workers": ("carol",)},
        {"concept_ids": ("dog",)},
        {"description": "another description"},
        {"priority": "HIGH"},
        {"review": "MANUAL", "reviewers": ("carol",), "sample_percentage": 50},
    ],
)
def test_membership_and_details_are_not_part_of_a_tasks_identity(client, emulator, change):
    base = {"review": "MANUAL", "reviewers": ("dave",)} if "reviewers" in change else {}
    create_task(client, _spec(task_id="t1", **base))
    emulator.admin.clear_requests()
    result = create_task(client, _spec(task_id="t1", **change))
    assert result.counts == {"created": 0, "adopted": 1} and writes(emulator) == []
