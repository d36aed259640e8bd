"""A split plan applied after the source or the targets changed: writes done since are
dropped, writes a plan made now contradicts refuse the apply with the writes named (at
most 5, or 10 removals, and how many more), and a server split's plan follows what
the targets and the operation are now."""

from __future__ import annotations

from collections import Counter

import pytest

from connector.errors import ConflictError, ValidationError
from connector.operations import SplitSpec, apply_split, assign, plan_split, split
from connector.operations.split import SourceInput, recheck_split
from tests.support.scenarios import make_dataset, make_inputs, writes


def members(client, dataset_id: str) -> set[str]:
    return {str((i.get("input") or i)["id"]) for i in client.list_dataset_inputs(dataset_id)}


def rpcs(emulator) -> Counter[str]:
    return Counter(r["rpc"] for r in emulator.admin.requests())


@pytest.fixture
def targets_made(client) -> None:
    """Dataset src with 20 inputs and both default targets, empty."""
    make_dataset(client, "src", make_inputs(client, 20))
    make_dataset(client, "src-train")
    make_dataset(client, "src-test")


def test_planned_adds_placed_elsewhere_since_refuse_the_apply_naming_five(client, emulator, targets_made) -> None:
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    moved = plan.members["train"][:6]
    client.post_dataset_inputs("src-test", moved)
    emulator.admin.clear_requests()
    with pytest.raises(ConflictError) as info:
        apply_split(client, plan)
    named = sorted(f"src-train/{i}" for i in moved)[:5]
    assert str(info.value) == (
        "the source or the targets changed since the split plan was made: 6 planned write(s) no longer match "
        f"a plan made now (e.g. {named}); make the plan again"
    )
    assert writes(emulator) == []


def test_a_planned_add_done_since_is_dropped_and_the_rest_applied(client, emulator, targets_made) -> None:
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    first = plan.rows[0]
    assert first["action"] == "add" and first["input_id"] == "in000"
    client.post_dataset_inputs(first["target"], ["in000"])
    result = apply_split(client, plan)
    assert result.counts["added"] == 19
    assert members(client, "src-train") == set(plan.members["train"])
    assert members(client, "src-test") == set(plan.members["test"])
    assert "skipped" not in result.details


def test_a_planned_add_of_an_input_that_stays_where_it_is_now_is_dropped(client, emulator) -> None:
    """Grouped by subject: an input whose subject changed since the plan belongs to the
    other split now, and was put in the planned target meanwhile; a plan made now lets it
    stay there, so the planned add is done already."""
    ids = make_inputs(client, 8, groups=4)
    make_dataset(client, "src", ids)
    make_dataset(client, "src-train")
    make_dataset(client, "src-test")
    spec = SplitSpec(dataset_id="src", seed="s", group_by="subject")
    plan = plan_split(client, spec)
    row = plan.rows[0]
    was = row["split"]
    ratios = spec.ordered_ratios()
    subject = next(
        f"moved{n}"
        for n in range(100)
        if assign(
            [SourceInput(row["input_id"], metadata={"subject": f"moved{n}"})], ratios, seed="s", group_by="subject"
        )[row["input_id"]]
        != was
    )
    client.patch_inputs([{"id": row["input_id"], "data": {"metadata": {"subject": subject}}}])
    client.post_dataset_inputs(row["target"], [row["input_id"]])
    assert {r["action"] for r in plan_split(client, spec).rows if r["input_id"] == row["input_id"]} == {"stay"}
    result = apply_split(client, plan)
    assert result.counts["added"] == 7
    assert row["input_id"] in members(client, row["target"])


def _exact_split_with_strays(client, emulator) -> tuple[SplitSpec, object]:
    make_dataset(client, "src", make_inputs(client, 10))
    spec = SplitSpec(dataset_id="src", seed="s", mode="exact")
    split(client, spec)
    client.post_dataset_inputs("src-train", make_inputs(client, 1, prefix="gone"))
    client.post_dataset_inputs("src-test", make_inputs(client, 1, prefix="stray"))
    plan = plan_split(client, spec)
    assert [(r["target"], r["input_id"]) for r in plan.rows if r["action"] == "remove"] == [
        ("src-train", "gone000"),
        ("src-test", "stray000"),
    ]
    return spec, plan


def test_a_planned_removal_done_since_is_dropped_and_the_rest_applied(client, emulator) -> None:
    _, plan = _exact_split_with_strays(client, emulator)
    client.delete_dataset_inputs("src-train", ["gone000"])
    result = apply_split(client, plan)
    assert result.counts["removed"] == 1
    assert "gone000" not in members(client, "src-train") and "stray000" not in members(client, "src-test")


@pytest.mark.parametrize(("n", "more"), [(10, ""), (11, " (+1 more)"), (13, " (+3 more)")])
def test_removals_a_plan_made_now_adds_refuse_the_apply_naming_ten(client, emulator, n: int, more: str) -> None:
    make_dataset(client, "src", make_inputs(client, 6))
    spec = SplitSpec(dataset_id="src", seed="s", mode="exact")
    split(client, spec)
    plan = plan_split(client, spec)
    client.post_dataset_inputs("src-train", make_inputs(client, n, prefix="late"))
    emulator.admin.clear_requests()
    with pytest.raises(ConflictError) as info:
        apply_split(client, plan)
    named = [f"src-train/late{i:03d}" for i in range(10)]
    assert str(info.value) == (
        f"the targets changed since the split plan was made: a plan made now also removes {named}{more}; "
        "make the plan again"
    )
    assert writes(emulator) == []


def test_a_target_the_plan_does_not_write_to_may_be_gone_at_recheck(client, emulator, targets_made) -> None:
    """The plan only keeps inputs in src-test; deleted since, it is no target the plan
    writes to: the recheck counts its inputs as left for the next plan."""
    spec = SplitSpec(dataset_id="src", seed="s")
    first = plan_split(client, spec)
    client.post_dataset_inputs("src-test", first.members["test"])
    plan = plan_split(client, spec)
    assert {r["action"] for r in plan.rows if r["target"] == "src-test"} == {"keep"}
    client.delete_datasets(["src-test"])
    narrowed, skipped, not_in_plan = recheck_split(client, plan)
    assert skipped == {} and not_in_plan == len(first.members["test"])
    assert narrowed.create_datasets == []


def test_targets_created_since_the_plan_are_not_created_again(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 6))
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    assert plan.create_datasets == ["src-train", "src-test"]
    make_dataset(client, "src-train")
    make_dataset(client, "src-test")
    emulator.admin.clear_requests()
    result = apply_split(client, plan)
    assert rpcs(emulator)["PostDatasets"] == 0
    assert result.counts["datasets_created"] == 0 and result.counts["added"] == 6


def test_a_server_plan_applied_again_adopts_its_operation_and_targets(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 10))
    plan = plan_split(client, SplitSpec(dataset_id="src", mode="server"))
    assert plan.bulk_operation_exists is False and plan.create_datasets == ["src-train", "src-test"]
    apply_split(client, plan, poll_interval=0.02)
    emulator.admin.clear_requests()
    narrowed, skipped, not_in_plan = recheck_split(client, plan)
    assert narrowed.bulk_operation_exists is True and narrowed.create_datasets == []
    assert skipped == {} and not_in_plan == 0
    result = apply_split(client, plan, poll_interval=0.02)
    assert rpcs(emulator)["PostBulkOperations"] == 0 and rpcs(emulator)["PostDatasets"] == 0
    assert "not_in_plan" not in result.details and "skipped" not in result.details
    assert sum(result.details["per_split"].values()) == 10


def test_a_server_plan_whose_targets_filled_since_is_refused(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 10))
    plan = plan_split(client, SplitSpec(dataset_id="src", mode="server"))
    make_dataset(client, "src-train", ["in000"])
    emulator.admin.clear_requests()
    with pytest.raises(ValidationError) as info:
        apply_split(client, plan, poll_interval=0.02)
    assert info.value.argument == "mode"
    assert str(info.value) == (
        "server-side split (mode) needs empty targets, but ['src-train'] already hold inputs; "
        "use incremental/exact mode, or empty the targets first"
    )
    assert writes(emulator) == []
