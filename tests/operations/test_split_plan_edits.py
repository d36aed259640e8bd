"""A split plan edited after review so that it writes outside its spec's targets is
refused before any request, with the targets it names and the ones it may write to."""

from __future__ import annotations

import pytest

from connector.errors import ValidationError
from connector.operations import SplitPlan, SplitSpec, apply_split, plan_split, split
from tests.support.scenarios import make_dataset, make_inputs


@pytest.fixture
def exact_plan(client, emulator) -> SplitPlan:
    """An exact plan of src (8 inputs) with adds to both targets and one removal (a stray
    in src-train); then a clean request log."""
    make_dataset(client, "src", make_inputs(client, 8))
    spec = SplitSpec(dataset_id="src", seed="s", mode="exact")
    split(client, spec)
    client.post_dataset_inputs("src", make_inputs(client, 4, prefix="new"))
    client.post_dataset_inputs("src-train", make_inputs(client, 1, prefix="stray"))
    plan = plan_split(client, spec)
    assert {r["action"] for r in plan.rows} == {"keep", "add", "remove"}
    emulator.admin.clear_requests()
    return plan


def test_a_plan_whose_targets_were_edited_is_refused(client, emulator, exact_plan: SplitPlan) -> None:
    exact_plan.targets = {"train": "elsewhere", "test": "src-test"}
    with pytest.raises(ValidationError) as info:
        apply_split(client, exact_plan)
    assert info.value.argument == "targets"
    assert str(info.value) == (
        "the plan's targets {'train': 'elsewhere', 'test': 'src-test'} are not those of its spec "
        "{'train': 'src-train', 'test': 'src-test'}; make the plan again"
    )
    assert emulator.admin.requests() == []


@pytest.mark.parametrize("action", ["add", "remove"])
def test_a_row_edited_to_write_elsewhere_is_refused(client, emulator, exact_plan: SplitPlan, action: str) -> None:
    row = next(r for r in exact_plan.rows if r["action"] == action)
    row["target"] = "elsewhere"
    with pytest.raises(ValidationError) as info:
        apply_split(client, exact_plan, recheck=False)
    assert info.value.argument == "targets"
    assert str(info.value) == (
        "the plan writes to ['elsewhere'], not one of the plan's targets ['src-test', 'src-train']; make the plan again"
    )
    assert emulator.admin.requests() == []


def test_a_dataset_to_create_edited_in_is_refused(client, emulator, exact_plan: SplitPlan) -> None:
    exact_plan.create_datasets = ["src"]
    with pytest.raises(ValidationError) as info:
        apply_split(client, exact_plan)
    assert str(info.value) == (
        "the plan writes to ['src'], not one of the plan's targets ['src-test', 'src-train']; make the plan again"
    )
    assert emulator.admin.requests() == []
