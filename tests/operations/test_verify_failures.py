"""Every verification step of every operation fails when the state it reads back is not
the planned one.

The operations promise to read back after writing. Here the emulator makes the write
not take (a scripted ``lost_write``: 200 SUCCESS, nothing applied) or changes the state
while an operation waits, and each test checks that the operation raises
:class:`VerificationError` (or the wait's error) naming what differs, that the state is
indeed the unplanned one, and that a plain rerun then converges.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.errors import VerificationError, WaitFailedError
from connector.operations import (
    PrunePolicy,
    SplitSpec,
    TaskSpec,
    cleanup_tasks,
    create_task,
    mark_done,
    prune,
    split,
    update_task,
)
from connector.operations.base import utcnow
from connector.operations.tasks import worker_ids
from connector.status_codes import StatusCode, status_code_of
from tests.support.scenarios import make_dataset, make_inputs, make_versions


def _members(client, dataset_id: str) -> list[str]:
    return sorted(i["input"]["id"] for i in client.list_dataset_inputs(dataset_id))


def _lost(emulator, rpc: str) -> list[dict]:
    return [r for r in emulator.admin.requests() if r["rpc"] == rpc and r["fault"] == "lost_write"]


# -- prune ------------------------------------------------------------------------------


def test_prune_fails_when_deleted_versions_are_still_listed(client, emulator):
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": "v1"}, {"id": "v2"}, {"id": "v3"}])
    emulator.admin.script_fault("lost_write", rpc="DeleteDatasetVersions")
    later = utcnow() + timedelta(days=1)
    with pytest.raises(VerificationError) as info:
        prune(client, "ds", PrunePolicy(keep_last=1), now=later)
    message = str(info.value)
    assert message.startswith("versions still listed after delete: [") and message.endswith("]; run prune again")
    assert "'ds/v1'" in message and "'ds/v2'" in message and "v3" not in message
    assert len(_lost(emulator, "DeleteDatasetVersions")) == 1
    assert sorted(v["id"] for v in client.list_dataset_versions("ds")) == ["v1", "v2", "v3"]
    _, result = prune(client, "ds", PrunePolicy(keep_last=1), now=later)
    assert sorted(result.ids["deleted"]) == ["ds/v1", "ds/v2"]
    assert [v["id"] for v in client.list_dataset_versions("ds")] == ["v3"]


# -- split ------------------------------------------------------------------------------


@pytest.fixture
def source(client, emulator) -> list[str]:
    ids = make_inputs(client, 12)
    make_dataset(client, "src", ids)
    return ids


def test_split_fails_when_a_target_lacks_planned_inputs(client, emulator, source):
    spec = SplitSpec(dataset_id="src", seed="v")
    emulator.admin.script_fault("lost_write", rpc="PostDatasetInputs")
    with pytest.raises(VerificationError) as info:
        split(client, spec)
    plan, _ = split(client, spec, dry_run=True)
    (lost,) = _lost(emulator, "PostDatasetInputs")
    target = lost["path"].split("/datasets/")[1].split("/")[0]
    split_name = target.removeprefix("src-")
    missing = plan.members[split_name]
    assert str(info.value) == f"target {target!r} lacks planned inputs {missing[:10]}; run again"
    assert _members(client, target) == []
    split(client, spec)
    assert _members(client, target) == missing


def test_exact_split_fails_when_an_unplanned_input_stays_in_a_target(client, emulator, source):
    spec = SplitSpec(dataset_id="src", seed="v", mode="exact")
    split(client, spec)
    stray = make_inputs(client, 1, prefix="stray")
    client.post_dataset_inputs("src-train", stray)
    emulator.admin.script_fault("lost_write", rpc="DeleteDatasetInputs")
    with pytest.raises(VerificationError) as info:
        split(client, spec)
    assert str(info.value) == "target 'src-train' holds unplanned inputs ['stray000']"
    assert "stray000" in _members(client, "src-train")
    split(client, spec)
    assert "stray000" not in _members(client, "src-train")


def test_incremental_split_keeps_an_unplanned_input_it_did_not_place(client, emulator, source):
    """Only exact mode promises a target equal to its plan; incremental mode leaves a
    foreign input where it is (and verifies only what it planned)."""
    spec = SplitSpec(dataset_id="src", seed="v")
    split(client, spec)
    stray = make_inputs(client, 1, prefix="stray")
    client.post_dataset_inputs("src-train", stray)
    _, result = split(client, spec)
    assert result.counts["removed"] == 0 and "stray000" in _members(client, "src-train")


def test_exact_split_fails_on_leakage_when_a_move_does_not_take(client, emulator, source):
    spec = SplitSpec(dataset_id="src", seed="v", mode="exact")
    plan, _ = split(client, spec)
    moved = plan.members["test"][0]
    client.delete_dataset_inputs("src-test", [moved])
    client.post_dataset_inputs("src-train", [moved])  # misplaced: in train, planned for test
    emulator.admin.script_fault("lost_write", rpc="DeleteDatasetInputs")
    with pytest.raises(VerificationError) as info:
        split(client, spec)
    assert str(info.value) == f"leakage between split targets: ['{moved} in train and test']"
    assert moved in _members(client, "src-train") and moved in _members(client, "src-test")
    split(client, spec)
    assert moved not in _members(client, "src-train") and moved in _members(client, "src-test")


def test_server_split_fails_when_the_targets_do_not_hold_the_source(client, emulator, source):
    """An input deleted while the bulk operation runs is never placed: the targets' union
    differs from the source the operation was given."""
    spec = SplitSpec(dataset_id="src", mode="server", run_key="u", ratios={"train": 0.5, "test": 0.5})
    emulator.admin.set_options(bulk_operation_seconds=3600)  # in progress until told otherwise
    deleted: list[str] = []

    def meanwhile(event) -> None:
        if not deleted and event.stage.startswith("bulk operation"):
            client.delete_inputs([source[0]])
            deleted.append(source[0])
            emulator.admin.set_options(bulk_operation_seconds=0)

    with pytest.raises(VerificationError) as info:
        split(client, spec, poll_interval=0.01, progress=meanwhile)
    assert str(info.value) == (
        "server-side split: targets hold 11 inputs, the source 12 when planned (0 not in the source, 1 missing); "
        "if the source changed since the plan was made, empty the targets and split again"
    )
    held = _members(client, "src-train") + _members(client, "src-test")
    assert len(held) == 11 and source[0] not in held


def test_split_snapshot_fails_when_a_version_fails(client, emulator, source):
    spec = SplitSpec(dataset_id="src", seed="v", snapshot=True, run_key="snap")
    emulator.admin.set_options(version_pending_seconds=3600)  # versions stay PENDING until failed here
    failed: list[str] = []

    def meanwhile(event) -> None:
        if not failed and event.stage.startswith("dataset version "):
            dataset_id, version_id = event.stage.removeprefix("dataset version ").split("/")
            emulator.admin.fail_dataset_version(dataset_id, version_id)
            failed.append(f"{dataset_id}/{version_id}")

    with pytest.raises(WaitFailedError) as info:
        split(client, spec, poll_interval=0.01, progress=meanwhile)
    assert info.value.kind == "dataset_version" and info.value.object_id == failed[0]
    assert info.value.status_name == "DATASET_VERSION_FAILURE"


# -- tasks ------------------------------------------------------------------------------


def _spec(**kw) -> TaskSpec:
    base = {"name": "label cats", "concept_ids": ("cat", "dog"), "workers": ("alice", "bob")}
    base.update(kw)
    return TaskSpec(**base)


def test_update_fails_when_the_patch_does_not_take(client, emulator):
    s = _spec(run_key="u")
    create_task(client, s)
    emulator.admin.script_fault("lost_write", rpc="PatchTasks")
    with pytest.raises(VerificationError) as info:
        update_task(client, s.id, workers=["carol"], mode="merge")
    assert str(info.value) == (
        f"task {s.id!r}: workers read back as ['alice', 'bob'], expected ['alice', 'bob', 'carol']"
    )
    assert worker_ids(client.get_task(s.id)) == ["alice", "bob"]
    update_task(client, s.id, workers=["carol"], mode="merge")
    assert worker_ids(client.get_task(s.id)) == ["alice", "bob", "carol"]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"reviewers": ["erin"], "mode": "overwrite"}, "reviewers"),
        ({"concepts": ["bird"], "mode": "merge"}, "concepts"),
    ],
)
def test_update_verifies_reviewers_and_concepts_too(client, emulator, change, key):
    s = _spec(run_key="r", review="MANUAL", reviewers=("carol",))
    create_task(client, s)
    emulator.admin.script_fault("lost_write", rpc="PatchTasks")
    with pytest.raises(VerificationError, match=f"task {s.id!r}: {key} read back as"):
        update_task(client, s.id, **change)


def test_mark_done_fails_when_the_task_is_not_done_afterwards(client, emulator):
    s = _spec(run_key="d")
    create_task(client, s)
    emulator.admin.script_fault("lost_write", rpc="PatchTasks")
    with pytest.raises(VerificationError) as info:
        mark_done(client, s.id)
    assert str(info.value) == f"task {s.id!r} is not TASK_DONE after marking it done"
    assert status_code_of(client.get_task(s.id)) != StatusCode.TASK_DONE
    assert mark_done(client, s.id).counts["marked_done"] == 1


def test_cleanup_fails_when_deleted_tasks_are_still_listed(client, emulator):
    done = [_spec(run_key=f"c{n}") for n in range(2)]
    for s in done:
        create_task(client, s)
        emulator.admin.set_task_progress(s.id, status="TASK_DONE")
    later = utcnow() + timedelta(days=2)
    emulator.admin.script_fault("lost_write", rpc="DeleteTasks")
    with pytest.raises(VerificationError) as info:
        cleanup_tasks(client, timedelta(days=1), now=later)
    ids = sorted(s.id for s in done)
    assert str(info.value) == f"tasks still listed after delete: {ids}; run cleanup again"
    assert sorted(t["id"] for t in client.list_tasks()) == ids
    _, result = cleanup_tasks(client, timedelta(days=1), now=later)
    assert result.counts["deleted"] == 2 and list(client.list_tasks()) == []


def test_a_reviewed_update_plan_fails_when_a_patch_does_not_take(client, emulator):
    from connector.operations import TaskUpdatePlan, apply_update_task, plan_update_task

    s = _spec(run_key="p")
    create_task(client, s)
    members = TaskUpdatePlan.from_json(plan_update_task(client, s.id, workers=["carol"]).to_json())
    emulator.admin.script_fault("lost_write", rpc="PatchTasks")
    with pytest.raises(VerificationError, match=f"task {s.id!r}: workers read back as \\['alice', 'bob'\\]"):
        apply_update_task(client, members)
    apply_update_task(client, members)
    assert worker_ids(client.get_task(s.id)) == ["alice", "bob", "carol"]
    done = TaskUpdatePlan.from_json(plan_update_task(client, s.id, done=True).to_json())
    emulator.admin.script_fault("lost_write", rpc="PatchTasks")
    with pytest.raises(VerificationError, match=f"task {s.id!r} is not TASK_DONE after marking it done"):
        apply_update_task(client, done)
    assert apply_update_task(client, done).details["marked_done"] is True
    assert status_code_of(client.get_task(s.id)) == StatusCode.TASK_DONE


def test_a_reviewed_delete_plan_fails_when_the_delete_does_not_take(client, emulator):
    from connector.operations import apply_cleanup, plan_delete_tasks

    s = _spec(run_key="del")
    create_task(client, s)
    plan = plan_delete_tasks(client, [s.id])
    emulator.admin.script_fault("lost_write", rpc="DeleteTasks")
    with pytest.raises(VerificationError, match=f"tasks still listed after delete: \\['{s.id}'\\]; run cleanup again"):
        apply_cleanup(client, plan)
    assert [t["id"] for t in client.list_tasks()] == [s.id]
    apply_cleanup(client, plan)
    assert list(client.list_tasks()) == []
