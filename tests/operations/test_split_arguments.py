"""Split arguments: what a SplitSpec makes of the values it is given, and every bad
argument of plan_split, split, apply_split and check_guard refused by name before the
first request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from connector.errors import ValidationError
from connector.operations import SplitPlan, SplitSpec, apply_split, plan_split, split
from connector.operations.split import check_guard
from tests.support.scenarios import make_dataset, make_inputs


def test_a_spec_keeps_its_concepts_as_a_tuple_of_ids() -> None:
    assert SplitSpec(app=True, concepts=["dog", "cat"]).concepts == ("dog", "cat")
    assert SplitSpec(app=True, concepts=None).concepts == ()
    assert SplitSpec(app=True).concepts == ()


def test_a_spec_reads_no_targets_as_the_default_targets() -> None:
    spec = SplitSpec(dataset_id="src", targets=None)
    assert spec.targets == {}
    assert spec.target_of("train") == "src-train" and spec.target_of("test") == "src-test"


def test_a_spec_keeps_its_seed_as_a_string() -> None:
    assert SplitSpec(dataset_id="src", seed=7).seed == "7"
    assert SplitSpec(dataset_id="src", seed="7") == SplitSpec(dataset_id="src", seed=7)


@pytest.mark.parametrize(
    ("kwargs", "argument", "message"),
    [
        (
            {"targets": ["src-train", "src-test"]},
            "targets",
            "targets must be a mapping of split names to dataset ids, got ['src-train', 'src-test']",
        ),
        ({"seed": 1.5}, "seed", "seed must be a string or an integer, got 1.5"),
        ({"seed": ["a"]}, "seed", "seed must be a string or an integer, got ['a']"),
        (
            # The default target <source>-<split> must be a valid dataset id too.
            {"dataset_id": "d" * 44},
            "targets",
            f"targets '{'d' * 44}-train' is not a valid target dataset id: it is longer than 48 characters",
        ),
    ],
)
def test_a_bad_spec_value_is_refused_naming_it(kwargs: dict[str, Any], argument: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        SplitSpec(**{"dataset_id": "src", **kwargs})
    assert info.value.argument == argument
    assert str(info.value) == message


def test_check_guard_refuses_what_is_not_a_plan() -> None:
    with pytest.raises(ValidationError) as info:
        check_guard("src")  # type: ignore[arg-type]
    assert info.value.argument == "plan"
    assert str(info.value) == "plan must be a SplitPlan, got 'src'"


@pytest.fixture
def planned(client, emulator) -> SplitPlan:
    """A plan of dataset ``src`` (6 inputs), then a clean request log."""
    make_dataset(client, "src", make_inputs(client, 6))
    plan = plan_split(client, SplitSpec(dataset_id="src"))
    emulator.admin.clear_requests()
    return plan


CALLS: list[tuple[str, Callable[[Any, SplitPlan], object], str, str]] = [
    (
        "plan_split spec",
        lambda client, plan: plan_split(client, "src"),
        "spec",
        "spec must be a SplitSpec, got 'src'",
    ),
    (
        "plan_split progress",
        lambda client, plan: plan_split(client, SplitSpec(dataset_id="src"), progress=5),
        "progress",
        "progress must be a function or None, got an int",
    ),
    (
        "split dry_run",
        lambda client, plan: split(client, SplitSpec(dataset_id="src"), dry_run="yes"),
        "dry_run",
        "dry_run must be True or False, got 'yes'",
    ),
    (
        "split progress",
        lambda client, plan: split(client, SplitSpec(dataset_id="src"), progress="print"),
        "progress",
        "progress must be a function or None, got a str",
    ),
    (
        "apply_split force",
        lambda client, plan: apply_split(client, plan, force="yes"),
        "force",
        "force must be True or False, got 'yes'",
    ),
    (
        "apply_split recheck",
        lambda client, plan: apply_split(client, plan, recheck="no"),
        "recheck",
        "recheck must be True or False, got 'no'",
    ),
    (
        "apply_split poll_interval",
        lambda client, plan: apply_split(client, plan, poll_interval=0),
        "poll_interval",
        "poll_interval must be a positive number of seconds, got 0",
    ),
    (
        "apply_split poll_interval type",
        lambda client, plan: apply_split(client, plan, poll_interval="1"),
        "poll_interval",
        "poll_interval must be a number of seconds, got '1'",
    ),
    (
        "apply_split progress",
        lambda client, plan: apply_split(client, plan, progress=5),
        "progress",
        "progress must be a function or None, got an int",
    ),
]


@pytest.mark.parametrize(("call", "argument", "message"), [c[1:] for c in CALLS], ids=[c[0] for c in CALLS])
def test_a_bad_argument_is_refused_by_name_before_any_request(
    client, emulator, planned: SplitPlan, call: Callable[[Any, SplitPlan], object], argument: str, message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        call(client, planned)
    assert info.value.argument == argument
    assert str(info.value) == message
    assert emulator.admin.requests() == []
