"""The member lists of a task update: an update that would leave a task with no concept,
or a reviewed task with no reviewer, is refused with the task, the list and the mode
named; a task without review (NONE, or no strategy at all) may lose its reviewers; the
patch replaces members in whatever shape the task held them and keeps the rest of the
worker and review settings; a plan's unchanged row is never written, even when the
field moved since."""

from __future__ import annotations

from typing import Any

import pytest

from connector.errors import ValidationError
from connector.operations import TaskSpec, apply_update_task, create_task, plan_update_task, update_task
from connector.operations.tasks import concept_ids, reviewer_ids, worker_ids
from tests.support.scenarios import writes


def _spec(key: str, **kw: Any) -> TaskSpec:
    base: dict[str, Any] = {"name": f"label {key}", "concept_ids": ("cat",), "workers": ("alice", "bob")}
    base.update(kw)
    return TaskSpec(run_key=key, **base)


def _task(client, key: str, **kw: Any) -> str:
    spec = _spec(key, **kw)
    create_task(client, spec)
    return spec.id


def _raw_task(client, key: str, **fields: Any) -> str:
    """A task posted as another tool may have made it (fields in other shapes)."""
    task = _spec(key).to_task()
    task.update(fields)
    client.post_tasks([task])
    return str(task["id"])


@pytest.mark.parametrize(("mode", "concepts"), [("remove", ["cat"]), ("overwrite", [])])
def test_an_update_that_would_leave_no_concept_is_refused(client, emulator, mode, concepts) -> None:
    tid = _task(client, f"no-concept-{mode}")
    emulator.admin.clear_requests()
    with pytest.raises(ValidationError) as info:
        update_task(client, tid, concepts=concepts, mode=mode)
    assert info.value.argument == "concepts"
    assert str(info.value) == f"the update would leave task {tid!r} with no concept (concepts, mode {mode})"
    assert writes(emulator) == []
    assert concept_ids(client.get_task(tid)) == ["cat"]


@pytest.mark.parametrize("review", ["MANUAL", "CONSENSUS"])
def test_an_update_that_would_leave_a_reviewed_task_with_no_reviewer_is_refused(client, emulator, review) -> None:
    tid = _task(client, f"no-reviewer-{review}", review=review, reviewers=("carol",))
    emulator.admin.clear_requests()
    with pytest.raises(ValidationError) as info:
        plan_update_task(client, tid, reviewers=["carol"], mode="remove")
    assert info.value.argument == "reviewers"
    assert str(info.value) == (
        f"the update would leave task {tid!r} ({review} review) with no reviewer (reviewers, mode remove)"
    )
    with pytest.raises(ValidationError, match="with no reviewer"):
        update_task(client, tid, reviewers=[], mode="overwrite")
    assert writes(emulator) == []
    assert reviewer_ids(client.get_task(tid)) == ["carol"]


@pytest.mark.parametrize(
    "review",
    [{"strategy": "NONE", "users": [{"id": "carol"}]}, {"users": [{"id": "carol"}]}],
    ids=["NONE", "no strategy"],
)
def test_a_task_without_review_may_lose_its_reviewers(client, emulator, review) -> None:
    tid = _raw_task(client, f"unreviewed-{len(review)}", review=review)
    assert reviewer_ids(client.get_task(tid)) == ["carol"]
    result = update_task(client, tid, reviewers=["carol"], mode="remove")
    assert result.details["changes"] == {"reviewers": []}
    assert reviewer_ids(client.get_task(tid)) == []


def test_a_task_without_review_may_be_given_no_reviewers(client, emulator) -> None:
    tid = _task(client, "none-empty")
    emulator.admin.clear_requests()
    result = update_task(client, tid, reviewers=[], mode="overwrite")
    assert result.counts == {"changed_fields": 0} and writes(emulator) == []


# -- what the patch sends ------------------------------------------------------------------


def test_a_worker_held_as_a_user_is_removed(client, emulator) -> None:
    tid = _raw_task(
        client, "users", worker={"strategy": "FULL", "users": [{"id": "alice"}], "workers": [{"user": {"id": "bob"}}]}
    )
    assert worker_ids(client.get_task(tid)) == ["alice", "bob"]
    update_task(client, tid, workers=["alice"], mode="remove")
    worker = client.get_task(tid)["worker"]
    assert worker_ids({"worker": worker}) == ["bob"]
    assert "users" not in worker and worker["strategy"] == "FULL"


def test_a_reviewer_update_keeps_the_review_settings(client, emulator) -> None:
    tid = _task(client, "settings", review="MANUAL", reviewers=("carol",), sample_percentage=40)
    before = client.get_task(tid)["review"]
    update_task(client, tid, reviewers=["dave"], mode="merge")
    review = client.get_task(tid)["review"]
    assert reviewer_ids({"review": review}) == ["carol", "dave"]
    assert review["strategy"] == "MANUAL"
    assert review["manual_strategy_info"] == before["manual_strategy_info"]


# -- applying a plan ------------------------------------------------------------------------


@pytest.mark.parametrize("recheck", [True, False])
def test_an_unchanged_row_is_never_written_even_when_its_field_moved(client, emulator, recheck) -> None:
    """A plan's "unchanged" row is no change to make: a later change to that field by
    someone else is neither reverted (without recheck) nor reported as skipped."""
    tid = _task(client, f"unchanged-{recheck}")
    plan = plan_update_task(client, tid, workers=["alice"], concepts=["dog"])
    assert [r["action"] for r in plan.rows] == ["unchanged", "change"]
    update_task(client, tid, workers=["erin"])
    emulator.admin.clear_requests()
    result = apply_update_task(client, plan, recheck=recheck)
    assert result.counts == {"changed_fields": 1, "skipped": 0}
    assert result.details == {
        "changes": {"concepts": ["cat", "dog"]},
        "before": {"concepts": ["cat"]},
        "marked_done": False,
    }
    assert result.elapsed > 0 and result.requests == len(emulator.admin.requests()) == 3
    task = client.get_task(tid)
    assert worker_ids(task) == ["alice", "bob", "erin"] and concept_ids(task) == ["cat", "dog"]
