"""Split plans applied later: a target deleted since the plan fails before any write; a
group key no source input carries is refused with what the inputs do carry; every plan
kind keeps its columns when empty."""

from __future__ import annotations

import pytest

from connector.errors import MissingObjectError, ValidationError
from connector.operations import (
    CleanupPlan,
    PrunePlan,
    SplitPlan,
    SplitSpec,
    TaskUpdatePlan,
    apply_split,
    plan_split,
    split,
)
from tests.support.scenarios import make_dataset, make_inputs, writes


def _stale_plan(client) -> SplitPlan:
    """A plan that adds to both targets, made while they existed; src-test is gone since."""
    make_dataset(client, "src", make_inputs(client, 8))
    make_dataset(client, "src-train")
    make_dataset(client, "src-test")
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    assert plan.create_datasets == [] and {r["action"] for r in plan.rows} == {"add"}
    client.delete_datasets(["src-test"])
    return plan


def test_a_target_to_add_to_deleted_since_the_plan_fails_before_any_write(client, emulator) -> None:
    plan = _stale_plan(client)
    emulator.admin.clear_requests()
    with pytest.raises(MissingObjectError) as info:
        apply_split(client, plan, recheck=False)
    assert str(info.value) == "plan: target dataset 'src-test' does not exist in app 'demo'"
    assert info.value.argument == "plan" and writes(emulator) == []


def test_a_rechecked_apply_onto_a_target_deleted_since_fails_before_any_write(client, emulator) -> None:
    """With recheck (the default) the same: the plan made now would create the target,
    the saved plan writes to it as it was; refused before any write, and a plan made
    again applies."""
    plan = _stale_plan(client)
    emulator.admin.clear_requests()
    with pytest.raises(MissingObjectError) as info:
        apply_split(client, plan)
    assert str(info.value) == "plan: target dataset 'src-test' does not exist in app 'demo'"
    assert info.value.argument == "plan" and writes(emulator) == []
    again = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    assert again.create_datasets == ["src-test"]
    apply_split(client, again)
    assert sum(1 for d in ("src-train", "src-test") for _ in client.list_dataset_inputs(d)) == 8


def test_a_target_to_remove_from_deleted_since_the_plan_fails_before_any_write(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 8))
    spec = SplitSpec(dataset_id="src", seed="s", mode="exact")
    split(client, spec)
    client.post_dataset_inputs("src-train", make_inputs(client, 1, prefix="stray"))
    plan = plan_split(client, spec)
    assert {r["action"] for r in plan.rows} == {"keep", "remove"}
    client.delete_datasets(["src-train"])
    emulator.admin.clear_requests()
    with pytest.raises(MissingObjectError) as info:
        apply_split(client, plan, recheck=False)
    assert str(info.value) == "plan: target dataset 'src-train' does not exist in app 'demo'"
    assert writes(emulator) == []


def test_a_group_key_no_input_carries_is_refused(client, emulator) -> None:
    make_dataset(client, "bare", make_inputs(client, 3))
    with pytest.raises(ValidationError) as info:
        plan_split(client, SplitSpec(dataset_id="bare", group_by="patient"))
    assert (
        str(info.value)
        == "group_by key 'patient' is in the metadata of none of the 3 source inputs (they have no metadata)"
    )
    make_dataset(client, "tagged", make_inputs(client, 4, prefix="t", groups=2))
    with pytest.raises(ValidationError) as info:
        plan_split(client, SplitSpec(dataset_id="tagged", group_by="patient"))
    assert str(info.value) == (
        "group_by key 'patient' is in the metadata of none of the 4 source inputs (the keys they have: ['subject'])"
    )


@pytest.mark.parametrize(
    ("cls", "operation", "columns"),
    [
        (
            PrunePlan,
            "prune",
            (
                "dataset_id",
                "version_id",
                "status",
                "created_at",
                "age_days",
                "request_origin",
                "pinned",
                "trained_on",
                "action",
                "reason",
            ),
        ),
        (SplitPlan, "split", ("input_id", "stratum", "unit", "split", "target", "action")),
        (CleanupPlan, "tasks.cleanup", ("task_id", "name", "status", "modified_at", "age_days", "action", "reason")),
        (TaskUpdatePlan, "tasks.update", ("task_id", "field", "before", "after", "action")),
    ],
)
def test_an_empty_plan_keeps_its_columns(cls, operation, columns) -> None:
    plan = cls(operation=operation, rows=[])
    assert tuple(plan.columns()) == columns
    assert tuple(plan.to_dataframe().columns) == columns


def test_a_cancelled_server_split_says_to_start_afresh_with_another_run_key(client, emulator) -> None:
    from connector.errors import WaitFailedError

    make_dataset(client, "src", make_inputs(client, 4))
    spec = SplitSpec(dataset_id="src", mode="server", run_key="once")
    emulator.admin.set_options(bulk_operation_seconds=3600)  # in progress until cancelled
    plan = plan_split(client, spec)

    def cancel_it(event) -> None:
        if event.stage.startswith("bulk operation"):
            client.cancel_bulk_operations([plan.bulk_operation_id])

    with pytest.raises(WaitFailedError) as info:
        apply_split(client, plan, poll_interval=0.01, progress=cancel_it)
    assert info.value.hint == (
        "a rerun with the same arguments adopts this same operation, so start a fresh server split with "
        "another run_key (CLI: --run-key), after emptying the targets ['src-test', 'src-train'] of anything "
        "it placed there"
    )


def test_a_snapshot_wait_keeps_to_its_timeout(client, emulator) -> None:
    from connector.errors import WaitTimeoutError

    make_dataset(client, "src", make_inputs(client, 4))
    emulator.admin.set_options(version_pending_seconds=3600)  # the snapshot never becomes READY
    with pytest.raises(WaitTimeoutError) as info:
        split(client, SplitSpec(dataset_id="src", snapshot=True, run_key="r"), timeout=0.2, poll_interval=0.01)
    assert info.value.timeout == 0.2 and info.value.kind == "dataset_version"


def test_a_group_key_refusal_shows_at_most_twenty_of_the_keys_the_inputs_have(client, emulator) -> None:
    keys = {f"k{n:02d}": n for n in range(25)}
    client.post_inputs([{"id": "i1", "data": {"text": {"raw": "x"}, "metadata": keys}}])
    make_dataset(client, "src", ["i1"])
    with pytest.raises(ValidationError) as info:
        plan_split(client, SplitSpec(dataset_id="src", group_by="patient"))
    assert str(info.value).endswith(f"(the keys they have: {sorted(keys)[:20]})")


@pytest.mark.parametrize("kind", ["split", "prune"])
def test_check_guard_refuses_a_guarded_plan_unless_forced(client, emulator, kind) -> None:
    from connector.errors import GuardError
    from connector.operations import PrunePolicy, plan_prune
    from connector.operations.prune import check_guard as prune_check_guard
    from connector.operations.split import check_guard as split_check_guard

    if kind == "split":
        make_dataset(client, "src", make_inputs(client, 4))
        make_dataset(client, "src-train", make_inputs(client, 1, prefix="other"))  # holds an input from elsewhere
        plan = plan_split(client, SplitSpec(dataset_id="src", seed="g"))
        check = split_check_guard
    else:
        from tests.support.scenarios import make_versions

        make_dataset(client, "ds")
        make_versions(client, "ds", [{"id": f"v{n}"} for n in range(4)])
        plan = plan_prune(client, "ds", PrunePolicy(keep_last=1, max_delete=1))
        check = prune_check_guard
    assert plan.guard
    with pytest.raises(GuardError) as info:
        check(plan)
    assert info.value.argument == "force" and "pass force=True" in str(info.value)
    check(plan, force=True)
    with pytest.raises(ValidationError) as info:
        check(plan, force="yes")
    assert info.value.argument == "force"
    with pytest.raises(ValidationError) as info:
        check(plan.to_dict())
    assert info.value.argument == "plan"
    unguarded = type(plan).from_dict({**plan.to_dict(), "guard": None})
    if kind == "split":
        check(unguarded)  # the plan's own verdict is what check_guard judges
