"""The rows and ids a split plan holds: an input left where an earlier plan put it, an
input moved in exact mode, an input no longer in the source; stratified counts by
largest remainder; the server split's operation id; the source a created target records."""

from __future__ import annotations

import pytest

from connector.operations import SplitSpec, plan_split, split
from tests.support.scenarios import make_dataset, make_inputs


@pytest.fixture
def placed(client) -> tuple[str, str]:
    """Dataset src (10 inputs), both targets empty; returns an input planned for train
    and its concept, after it was put in src-test by hand."""
    make_dataset(client, "src", make_inputs(client, 10))
    make_dataset(client, "src-train")
    make_dataset(client, "src-test")
    first = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    iid = first.members["train"][0]
    client.post_dataset_inputs("src-test", [iid])
    stratum = next(r["stratum"] for r in first.rows if r["input_id"] == iid)
    return iid, stratum


def test_an_input_placed_in_another_target_stays_there_in_incremental_mode(client, emulator, placed) -> None:
    iid, stratum = placed
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s"))
    assert [r for r in plan.rows if r["input_id"] == iid] == [
        {
            "input_id": iid,
            "stratum": stratum,
            "unit": f"input:{iid}",
            "split": "test",
            "target": "src-test",
            "action": "stay",
        }
    ]
    assert iid in plan.members["test"] and iid not in plan.members["train"]


def test_an_input_in_the_wrong_target_is_moved_in_exact_mode(client, emulator, placed) -> None:
    iid, stratum = placed
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s", mode="exact"))
    unit = f"input:{iid}"
    assert [r for r in plan.rows if r["input_id"] == iid] == [
        {"input_id": iid, "stratum": stratum, "unit": unit, "split": "train", "target": "src-train", "action": "add"},
        {"input_id": iid, "stratum": stratum, "unit": unit, "split": "test", "target": "src-test", "action": "remove"},
    ]


def test_an_input_not_in_the_source_is_removed_in_exact_mode(client, emulator) -> None:
    make_dataset(client, "src", make_inputs(client, 4))
    make_dataset(client, "src-train", make_inputs(client, 1, prefix="stray"))
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s", mode="exact"))
    assert plan.rows[-1] == {
        "input_id": "stray000",
        "stratum": None,
        "unit": None,
        "split": "train",
        "target": "src-train",
        "action": "remove",
    }


def test_stratified_counts_give_the_odd_unit_to_the_largest_remainder(client, emulator) -> None:
    """Four inputs: two labelled cat, one dog, one bird. At 60/40 the two cats are 1.2 and
    0.8 units: one each (the remainder 0.8 is the larger); a lone dog (0.6 and 0.4)
    goes to train."""
    make_dataset(client, "src", make_inputs(client, 4))
    plan = plan_split(client, SplitSpec(dataset_id="src", seed="s", stratify=True, ratios={"train": 0.6, "test": 0.4}))
    by_split: dict[str, list[str]] = {}
    for row in plan.rows:
        by_split.setdefault(row["split"], []).append(row["stratum"])
    assert sorted(by_split["train"]) == ["bird", "cat", "dog"]
    assert by_split["test"] == ["cat"]


def _op_id(client, **kwargs) -> str:
    plan = plan_split(client, SplitSpec(mode="server", **kwargs))
    assert plan.bulk_operation_id is not None
    return plan.bulk_operation_id


def test_a_server_splits_operation_id_follows_every_argument_of_the_split(client, emulator) -> None:
    make_dataset(client, "a", make_inputs(client, 4, prefix="a"))
    make_dataset(client, "b", make_inputs(client, 4, prefix="b"))
    targets = {"train": "t1", "test": "t2"}
    base = _op_id(client, dataset_id="a", targets=targets)
    assert base.startswith("split-")
    assert _op_id(client, dataset_id="a", targets=targets) == base
    others = [
        _op_id(client, dataset_id="b", targets=targets),
        _op_id(client, dataset_id="a", targets={"train": "t1", "test": "t3"}),
        _op_id(client, dataset_id="a", targets=targets, ratios={"train": 0.7, "test": 0.3}),
        *(_op_id(client, dataset_id="a", targets=targets, run_key=key) for key in ("r1", "XXXX", "x")),
    ]
    assert base not in others and len(set(others)) == len(others)


def test_a_target_of_an_app_split_records_the_app_and_its_concepts(client, emulator) -> None:
    make_inputs(client, 6)
    split(client, SplitSpec(app=True, concepts=["dog", "cat"], seed="s"))
    for target in ("app-train", "app-test"):
        assert client.get_dataset(target)["metadata"]["split_source"] == {"app": True, "concepts": ["cat", "dog"]}
