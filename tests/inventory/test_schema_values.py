"""Values the inventories compute from more than one field, checked against hand-written
expectations: ids gathered from every field that holds them, status codes given as names,
and the error that names an unknown inventory."""

from __future__ import annotations

import pyarrow as pa
import pytest

from connector.errors import ValidationError
from connector.inventory import INVENTORIES, get_spec, record_batch
from connector.inventory import schemas as s
from connector.inventory.compiled import clear_distinct_caches


def _row(inventory: str, item: dict, scope: dict | None = None) -> dict:
    return record_batch(inventory, [item], scope or {}).to_pylist()[0]


def test_task_user_and_concept_ids_come_from_every_field_that_holds_them():
    task = {
        "id": "t",
        "worker": {
            "user_ids": ["ann", "bob"],
            "users": [{"id": "cy"}, {"id": "ann"}],
            "workers": [{"user": {"id": "dee"}}, {"user": {"id": "bob"}}],
        },
        "review": {"user_ids": ["rev1"], "users": [{"id": "rev2"}, {"id": "rev1"}]},
        "concept_ids": ["cat"],
        "concepts": [{"concept": {"id": "dog"}}, {"concept": {"id": "cat"}}],
    }
    got = _row("tasks", task)
    assert got["worker_user_ids"] == ["ann", "bob", "cy", "dee"]  # in order, once each
    assert got["review_user_ids"] == ["rev1", "rev2"]
    assert got["concept_ids"] == ["cat", "dog"]
    only_workers = _row("tasks", {"id": "t", "worker": {"workers": [{"user": {"id": "dee"}}]}})
    assert only_workers["worker_user_ids"] == ["dee"]
    only_users = _row("tasks", {"id": "t", "worker": {"users": [{"id": "cy"}]}, "review": {"users": [{"id": "r"}]}})
    assert only_users["worker_user_ids"] == ["cy"] and only_users["review_user_ids"] == ["r"]
    only_concepts = _row("tasks", {"id": "t", "concepts": [{"concept": {"id": "dog"}}]})
    assert only_concepts["concept_ids"] == ["dog"]


@pytest.mark.parametrize(
    ("operation", "targets"),
    [
        ({"add_to_dataset": {"dataset_id": "extra"}}, ["extra"]),
        ({"delete_from_dataset": {"dataset_id": "old"}}, ["old"]),
        (
            {"split_into_datasets": {"dataset_splits": [{"dataset": {"id": "train"}}, {"dataset": {"id": "test"}}]}},
            ["train", "test"],
        ),
    ],
)
def test_a_bulk_operations_target_datasets_whatever_it_does(operation, targets):
    got = _row("bulk_operations", {"id": "b", "dataset": {"id": "all"}, "operation": operation})
    assert got["target_dataset_ids"] == targets and got["source_dataset_id"] == "all"


@pytest.mark.parametrize("inventory", ["inputs", "dataset_versions", "tasks", "bulk_operations"])
def test_a_status_code_given_by_name_reads_as_its_number_on_every_page(inventory):
    item = {"id": "x", "status": {"code": "CONN_DOES_NOT_EXIST", "description": "gone"}}
    for _ in range(2):  # the second page answers from the per-value cache
        got = _row(inventory, item, {"dataset_id": "d"})
        assert (got["status_code"], got["status_name"], got["status_description"]) == (
            11101,
            "CONN_DOES_NOT_EXIST",
            "gone",
        )
    clear_distinct_caches()
    got = _row(inventory, {"id": "x", "status": {"code": "11101"}}, {"dataset_id": "d"})
    assert (got["status_code"], got["status_name"]) == (11101, "CONN_DOES_NOT_EXIST")


def test_an_unknown_inventory_is_refused_with_the_closest_name_and_every_name():
    known = ", ".join(INVENTORIES)
    with pytest.raises(ValidationError) as typo:
        get_spec("dataset_verions")
    assert (
        str(typo.value)
        == f"unknown inventory 'dataset_verions' (did you mean 'dataset_versions'?); choose one of: {known}"
    )
    with pytest.raises(ValidationError) as far:
        get_spec("zzz")
    assert str(far.value) == f"unknown inventory 'zzz'; choose one of: {known}"


def test_a_strings_column_reads_one_path_or_gives_several_to_its_function():
    one = s.strings("ids", "a.ids", "doc")
    assert one.paths == ("a.ids",)
    several = s.strings("ids", ("a", "b"), "doc", ("a.id", "b.id"), fn=lambda a, b: [a, b])
    assert several.paths == ("a", "b") and several.sources == ("a.id", "b.id")
    assert several.type == pa.list_(pa.string())
