"""The split guard on targets made by hand (they record no source): it judges only the
targets a plan writes to (removals included), every one of them, and a server split's
targets; an apply judges it again on the targets as they are now."""

from __future__ import annotations

import pytest

from connector.errors import GuardError
from connector.operations import SplitSpec, apply_split, plan_split, split
from tests.support.scenarios import make_dataset, make_inputs, writes


@pytest.fixture
def source(client) -> None:
    """Dataset src (6 inputs), targets src-train and src-test made by hand, empty; two
    inputs from elsewhere, x0 and x1."""
    make_dataset(client, "src", make_inputs(client, 6))
    make_dataset(client, "src-train")
    make_dataset(client, "src-test")
    make_inputs(client, 2, prefix="x")


def foreign(target: str, iid: str) -> str:
    return f"target {target!r} holds 1 input(s) not from dataset 'src' (e.g. {iid!r})"


def test_a_target_written_only_by_removals_is_judged(client, emulator, source) -> None:
    spec = SplitSpec(dataset_id="src", seed="s", mode="exact")
    split(client, spec)
    client.post_dataset_inputs("src-test", ["x000"])
    plan = plan_split(client, spec)
    assert {r["action"] for r in plan.rows if r["target"] == "src-test"} == {"keep", "remove"}
    assert {r["action"] for r in plan.rows if r["target"] == "src-train"} == {"keep"}
    assert plan.guard == foreign("src-test", "x000")


def test_a_target_only_kept_in_is_not_judged(client, emulator, source) -> None:
    spec = SplitSpec(dataset_id="src", seed="s")
    first = plan_split(client, spec)
    client.post_dataset_inputs("src-test", [*first.members["test"], "x000"])
    plan = plan_split(client, spec)
    assert {r["action"] for r in plan.rows if r["target"] == "src-test"} == {"keep"}
    assert {r["action"] for r in plan.rows if r["target"] == "src-train"} == {"add"}
    assert plan.guard is None


def test_every_target_written_to_is_judged_after_one_that_passes(client, emulator, source) -> None:
    client.post_dataset_inputs("src-train", ["x000"])
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    assert plan.guard == foreign("src-train", "x000")


def test_the_reasons_for_every_target_are_given(client, emulator, source) -> None:
    client.post_dataset_inputs("src-train", ["x000"])
    client.post_dataset_inputs("src-test", ["x001"])
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    assert plan.guard == f"{foreign('src-test', 'x001')}; {foreign('src-train', 'x000')}"


SOURCE_OF_ANOTHER = "target 'src-train' is the source of another split (dataset 'derived' was split from it)"


def _derived(client) -> None:
    client.post_datasets([{"id": "derived", "metadata": {"split_source": {"dataset_id": "src-train"}}}])


def test_a_server_split_onto_the_source_of_another_split_is_refused(client, emulator, source) -> None:
    _derived(client)
    plan = plan_split(client, SplitSpec(dataset_id="src", mode="server"))
    assert plan.guard == SOURCE_OF_ANOTHER
    emulator.admin.clear_requests()
    with pytest.raises(GuardError) as info:
        apply_split(client, plan, poll_interval=0.02)
    assert SOURCE_OF_ANOTHER in str(info.value)
    assert writes(emulator) == []


def test_a_server_apply_judges_the_guard_on_the_targets_as_they_are_now(client, emulator, source) -> None:
    plan = plan_split(client, SplitSpec(dataset_id="src", mode="server"))
    assert plan.guard is None
    _derived(client)
    emulator.admin.clear_requests()
    with pytest.raises(GuardError) as info:
        apply_split(client, plan, poll_interval=0.02)
    assert str(info.value) == (
        f"refusing to split: {SOURCE_OF_ANOTHER}; pass force=True to write to it anyway, or choose other targets"
    )
    assert writes(emulator) == []
