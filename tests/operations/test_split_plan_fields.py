"""A split plan rebuilt from its JSON: every field of the wrong shape is refused with a
ValidationError naming that field (as the plan's JSON spells it), and the fields a plan
may leave out take their defaults."""

from __future__ import annotations

from typing import Any

import pytest

from connector.errors import ValidationError
from connector.operations import SplitPlan

BASE: dict[str, Any] = {"operation": "split", "rows": [], "spec": {"dataset_id": "src"}}
NOT_AN_ID = "may hold only letters, digits, '_' and '-'"


@pytest.mark.parametrize(
    ("field", "value", "argument", "message"),
    [
        ("spec", "src", "spec", "plan field spec must be an object, got 'src'"),
        ("targets", ["src-train"], "targets", "plan field targets must be an object, got ['src-train']"),
        ("members", "in000", "members", "plan field members must be an object, got 'in000'"),
        (
            "targets",
            {"train": "bad id"},
            "targets.train[0]",
            f"plan field targets.train[0] 'bad id' is not an id: it {NOT_AN_ID}",
        ),
        (
            "members",
            {"test": ["in000", "bad id"]},
            "members.test[1]",
            f"plan field members.test[1] 'bad id' is not an id: it {NOT_AN_ID}",
        ),
        ("members", {"test": "in000"}, "members.test", "plan field members.test must be a list, got 'in000'"),
        (
            "create_datasets",
            ["src-train", "bad id"],
            "create_datasets[1]",
            f"plan field create_datasets[1] 'bad id' is not an id: it {NOT_AN_ID}",
        ),
        (
            "create_datasets",
            "src-train",
            "create_datasets",
            "plan field create_datasets must be a list, got 'src-train'",
        ),
        ("source_count", 7.5, "source_count", "plan field source_count must be a whole number, got 7.5"),
        ("source_count", True, "source_count", "plan field source_count must be a whole number, got True"),
        ("bulk_operation_id", 5, "bulk_operation_id", "plan field bulk_operation_id must be a string or null, got 5"),
        (
            "bulk_operation_exists",
            "yes",
            "bulk_operation_exists",
            "plan field bulk_operation_exists must be true or false, got 'yes'",
        ),
        (
            "bulk_operation_exists",
            None,
            "bulk_operation_exists",
            "plan field bulk_operation_exists must be true or false, got None",
        ),
        ("guard", ["foreign"], "guard", "plan field guard must be a string or null, got ['foreign']"),
        ("source_ids", ["in000", ""], "source_ids[1]", "plan field source_ids[1] '' is not an id: it is empty"),
        ("source_ids", "in000", "source_ids", "plan field source_ids must be a list, got 'in000'"),
    ],
)
def test_a_field_of_the_wrong_shape_is_refused_naming_it(field: str, value: Any, argument: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        SplitPlan.from_dict({**BASE, field: value})
    assert info.value.argument == argument
    assert str(info.value) == message


def test_the_same_checks_hold_for_a_plan_rebuilt_from_json() -> None:
    text = SplitPlan.from_dict(BASE).to_json()
    assert '"guard": null' in text
    with pytest.raises(ValidationError) as info:
        SplitPlan.from_json(text.replace('"guard": null', '"guard": 3'))
    assert info.value.argument == "guard"
    assert str(info.value) == "plan field guard must be a string or null, got 3"


def test_fields_left_out_take_their_defaults() -> None:
    plan = SplitPlan.from_dict(BASE)
    assert plan.source_count == 0
    assert plan.bulk_operation_exists is False
    assert plan.bulk_operation_id is None and plan.guard is None and plan.source_ids is None
    assert plan.targets == {} and plan.members == {} and plan.create_datasets == []


def test_valid_values_of_every_field_load() -> None:
    values = {
        **BASE,
        "targets": {"train": "src-train", "test": "src-test"},
        "members": {"train": ["in000"], "test": []},
        "create_datasets": ["src-test"],
        "source_count": 1,
        "bulk_operation_id": "split-0123",
        "bulk_operation_exists": True,
        "guard": "target 'src-test' holds 1 input(s) not from dataset 'src' (e.g. 'x')",
        "source_ids": ["in000"],
    }
    plan = SplitPlan.from_dict(values)
    assert plan.to_dict() == {**values, "spec": plan.spec}
    assert plan.spec["dataset_id"] == "src"


def test_a_plan_without_a_spec_is_refused_for_the_spec_it_lacks() -> None:
    """A plan with no ``spec`` is checked as an empty spec: it names no source."""
    with pytest.raises(ValidationError) as info:
        SplitPlan.from_dict({"operation": "split", "rows": []})
    assert info.value.argument == "spec.dataset_id"
    assert str(info.value) == "give exactly one source: spec.dataset_id or spec.app"
