"""What a TaskSpec holds once made: every enum field in its API spelling, id lists as
tuples without repeats, its own copies of the weights and metadata it was given; what
it refuses, naming the argument; and the Task object it sends, read back from the API."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest

from connector.errors import ValidationError
from connector.operations import TaskSpec, create_task
from tests.support.scenarios import make_dataset


def _spec(**kw: Any) -> TaskSpec:
    base: dict[str, Any] = {"name": "label", "concept_ids": ("cat",), "workers": ("alice", "bob")}
    base.update(kw)
    return TaskSpec(**base)


@pytest.mark.parametrize(
    ("given", "field", "held"),
    [
        ({"concept_ids": ["cat", "dog", "cat"]}, "concept_ids", ("cat", "dog")),
        ({"concept_ids": "cat"}, "concept_ids", ("cat",)),
        ({"workers": ["bob", "alice", "bob"]}, "workers", ("bob", "alice")),
        ({"workers": "carol"}, "workers", ("carol",)),
        ({"input_source": " dataset ", "input_source_id": "ds"}, "input_source", "DATASET"),
        ({"worker_strategy": "partitioned"}, "worker_strategy", "PARTITIONED"),
        ({"worker_strategy": "partitioned", "partition": "evenly"}, "partition", "EVENLY"),
        ({"review": "manual", "reviewers": ["carol"]}, "review", "MANUAL"),
        ({"review": "MANUAL", "reviewers": ["carol", "dave", "carol"]}, "reviewers", ("carol", "dave")),
        ({"review": "MANUAL", "reviewers": "carol"}, "reviewers", ("carol",)),
        ({"priority": "high"}, "priority", "HIGH"),
        ({"type": "bounding_box"}, "type", "BOUNDING_BOX_DETECTION"),
    ],
)
def test_a_spec_holds_each_field_in_the_apis_form(given: dict[str, Any], field: str, held: object) -> None:
    spec = _spec(**given)
    assert getattr(spec, field) == held
    task = spec.to_task()
    sent = {
        "concept_ids": task["concept_ids"],
        "workers": [w["user"]["id"] for w in task["worker"]["workers"]],
        "input_source": task["input_source"]["type"],
        "worker_strategy": task["worker"]["strategy"],
        "partition": (task["worker"].get("partitioned_strategy_info") or {}).get("type"),
        "review": task["review"]["strategy"],
        "reviewers": [u["id"] for u in task["review"].get("users", [])],
        "priority": task.get("priority"),
        "type": task["type"],
    }[field]
    assert sent == (list(held) if isinstance(held, tuple) else held)


def test_a_spec_keeps_its_own_copies_of_weights_and_metadata() -> None:
    weights = {"alice": 2, "bob": 1}
    metadata = {"team": "a"}
    spec = _spec(worker_strategy="PARTITIONED", partition="WEIGHTED", weights=weights, metadata=metadata)
    weights["alice"] = 9
    metadata["team"] = "b"
    assert spec.weights == {"alice": 2, "bob": 1} and spec.metadata == {"team": "a"}
    task = spec.to_task()
    assert task["worker"]["partitioned_strategy_info"]["weights"] == {"alice": 2.0, "bob": 1.0}
    assert task["metadata"] == {"team": "a"}
    frozen = _spec(metadata=MappingProxyType({"team": "c"}))
    assert type(frozen.metadata) is dict and frozen.to_task()["metadata"] == {"team": "c"}


def test_a_weight_of_true_is_not_a_number() -> None:
    with pytest.raises(ValidationError) as info:
        _spec(worker_strategy="PARTITIONED", partition="WEIGHTED", weights={"alice": True, "bob": 1})
    assert str(info.value) == "weights must be positive numbers" and info.value.argument == "weights"


@pytest.mark.parametrize(
    ("given", "message", "argument"),
    [
        (
            {"description": 5},
            "description must be a string, got 5",
            "description",
        ),
        (
            {"description": None},
            "description must be a string, got None",
            "description",
        ),
        (
            {"review": "peer"},
            "review must be one of ['CONSENSUS', 'MANUAL', 'NONE'], got 'peer'",
            "review",
        ),
        (
            {"worker_strategy": "PARTITIONED", "partition": "random"},
            "partition must be one of ['EVENLY', 'WEIGHTED'], got 'random'",
            "partition",
        ),
        (
            {"review": "MANUAL", "reviewers": ["carol", "bad id"]},
            "reviewers 'bad id' is not a valid reviewer user id: it may hold only letters, digits, '_' and '-'",
            "reviewers",
        ),
        (
            {"review": "MANUAL", "reviewers": 7},
            "reviewers must be a reviewer user id or a list of reviewer user ids, got 7",
            "reviewers",
        ),
        (
            {"input_source": "SAVED_SEARCH", "input_source_id": "bad id"},
            "input_source_id 'bad id' is not a valid saved search id: it may hold only letters, digits, '_' and '-'",
            "input_source_id",
        ),
    ],
)
def test_a_spec_refuses_a_bad_field_naming_it(given: dict[str, Any], message: str, argument: str) -> None:
    with pytest.raises(ValidationError) as info:
        _spec(**given)
    assert str(info.value) == message and info.value.argument == argument


def test_the_task_a_spec_sends_per_review_strategy() -> None:
    common = {
        "id": "t-1",
        "name": "label",
        "type": "CONCEPTS_CLASSIFICATION",
        "description": "",
        "worker": {"strategy": "FULL", "workers": [{"user": {"id": "alice"}}, {"user": {"id": "bob"}}]},
        "concept_ids": ["cat"],
        "input_source": {"type": "ALL_INPUTS"},
    }
    assert _spec(task_id="t-1").to_task() == {**common, "review": {"strategy": "NONE"}}
    manual = _spec(task_id="t-1", review="MANUAL", reviewers=["carol"], sample_percentage=50)
    assert manual.to_task() == {
        **common,
        "review": {
            "strategy": "MANUAL",
            "users": [{"id": "carol"}],
            "manual_strategy_info": {"sample_percentage": 0.5},
        },
    }
    consensus = _spec(task_id="t-1", review="CONSENSUS", reviewers=["carol"], approval_threshold=2)
    assert consensus.to_task() == {
        **common,
        "review": {
            "strategy": "CONSENSUS",
            "users": [{"id": "carol"}],
            "consensus_strategy_info": {"approval_threshold": 2},
        },
    }


def test_a_created_task_reads_back_with_every_field_the_spec_gave(client, emulator) -> None:
    make_dataset(client, "to-label")
    spec = _spec(
        run_key="full",
        input_source="dataset",
        input_source_id="to-label",
        review="manual",
        reviewers=["carol"],
        sample_percentage=25,
        priority="low",
        description="cats first",
        metadata={"team": "a"},
    )
    create_task(client, spec)
    task = client.get_task(spec.id)
    assert task["input_source"] == {"type": "DATASET", "id": "to-label"}
    assert task["review"] == {
        "strategy": "MANUAL",
        "users": [{"id": "carol"}],
        "manual_strategy_info": {"sample_percentage": 0.25},
    }
    assert (task["priority"], task["description"], task["metadata"]) == ("LOW", "cats first", {"team": "a"})
