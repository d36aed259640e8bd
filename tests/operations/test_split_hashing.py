"""Hash assignment at its edges: a unit past the last cumulative share (shares may sum
to a little less than 1) goes to the last split; an empty group value groups nothing;
and the shares a spec refuses, named by the message a user reads."""

from __future__ import annotations

import pytest

from connector.errors import ValidationError
from connector.operations import SplitSpec
from connector.operations.split import SourceInput, assign, unit_point

# Shares 0.9999992 in all: accepted (within 1e-6 of 1). Under seed "s" the input
# "k175395" hashes past 0.9999992 (found by trying ids in order).
_SHORT = {"train": 0.5, "validation": 0.3, "test": 0.1999992}


def test_a_unit_past_the_last_cumulative_share_goes_to_the_last_split() -> None:
    spec = SplitSpec(dataset_id="src", ratios=_SHORT, seed="s")
    spec.validate()
    assert unit_point("s", "input:k175395") >= sum(_SHORT.values())
    plan = assign([SourceInput("k175395")], spec.ordered_ratios(), seed=spec.seed)
    assert plan == {"k175395": "test"}


def test_an_empty_group_value_leaves_each_input_a_unit_of_its_own() -> None:
    items = [SourceInput(f"in-{n}", metadata={"patient": ""}) for n in range(16)]
    ratios = [("train", 0.5), ("test", 0.5)]
    grouped = assign(items, ratios, seed="0", group_by="patient")
    assert grouped == assign(items, ratios, seed="0")
    assert set(grouped.values()) == {"train", "test"}


@pytest.mark.parametrize(
    ("ratios", "name", "shown"),
    [
        ({"train": "0.5", "test": "0.5"}, "train", "'0.5'"),
        ({"train": 0.8, "test": 0.2, "validation": 0}, "validation", "0"),
        ({"train": 1, "test": 0.2}, "train", "1"),
        ({"train": 1.0, "test": 0.0}, "train", "1.0"),
    ],
)
def test_a_share_outside_zero_to_one_is_refused_by_name(ratios, name, shown) -> None:
    with pytest.raises(ValidationError) as info:
        SplitSpec(dataset_id="src", ratios=ratios).validate()
    assert info.value.argument == "ratios"
    assert str(info.value) == f"ratios: the share of {name!r} must be a number in (0, 1), got {shown}"


@pytest.mark.parametrize("tiny", [1e-12, 1.0000000000000001e-11, 1e-7])
def test_server_mode_refuses_a_share_that_would_be_zero_percent(tiny: float) -> None:
    with pytest.raises(ValidationError) as info:
        SplitSpec(dataset_id="src", mode="server", ratios={"train": 0.8, "test": 0.2, "rest": tiny}).validate()
    assert info.value.argument == "ratios"
    assert str(info.value) == "server mode gives each split at least 1% in ratios: 'rest' would get 0%"


def test_server_mode_takes_a_share_of_one_percent() -> None:
    SplitSpec(dataset_id="src", mode="server", ratios={"train": 0.8, "test": 0.19, "rest": 0.01}).validate()


def test_an_input_whose_metadata_is_not_a_mapping_is_a_unit_of_its_own() -> None:
    items = [SourceInput("a", metadata=None), SourceInput("b", metadata=["patient"])]  # type: ignore[arg-type]
    ratios = [("train", 0.5), ("test", 0.5)]
    assert assign(items, ratios, seed="0", group_by="patient") == assign(items, ratios, seed="0")


def test_server_mode_names_a_share_under_half_a_percent_as_zero_percent() -> None:
    """0.496% rounds to 0%: named as the split that would be empty, before the whole
    percentages are judged."""
    with pytest.raises(ValidationError) as info:
        SplitSpec(dataset_id="src", mode="server", ratios={"train": 0.8, "test": 0.19504, "rest": 0.00496}).validate()
    assert str(info.value) == "server mode gives each split at least 1% in ratios: 'rest' would get 0%"
