"""plan_prune_from_inventory reads every form an inventory comes in the same way (rows of
a CSV, a pyarrow Table, a pandas DataFrame with or without an index), and what it refuses
it refuses naming the argument and the type at fault. Pure: no emulator needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.errors import ValidationError
from connector.operations import PrunePolicy, plan_prune_from_inventory

NOW = datetime(2026, 6, 1, tzinfo=UTC)
KEEP_ONE = PrunePolicy(keep_last=1)


def _row(dataset: str, version: str, days_old: int, status: str = "DATASET_VERSION_READY", **extra) -> dict:
    return {
        "dataset_id": dataset,
        "id": version,
        "status_name": status,
        "created_at": (NOW - timedelta(days=days_old)).isoformat(),
        **extra,
    }


def _actions(plan) -> dict[tuple[str, str], str]:
    return {(r["dataset_id"], r["version_id"]): r["action"] for r in plan.rows}


def test_rows_with_iso_text_times_plan_like_rows_with_datetimes():
    text = [_row("d", "v1", 3), _row("d", "v2", 2), _row("d", "v3", 1)]
    stamped = [{**r, "created_at": datetime.fromisoformat(r["created_at"])} for r in text]
    by_text = plan_prune_from_inventory(text, [], KEEP_ONE, now=NOW)
    by_time = plan_prune_from_inventory(stamped, [], KEEP_ONE, now=NOW)
    assert _actions(by_text) == {("d", "v1"): "delete", ("d", "v2"): "delete", ("d", "v3"): "keep"}
    assert by_time.rows == by_text.rows  # the same rows, times and all
    assert by_text.operation == by_time.operation == "prune"


def test_a_dataframe_indexed_by_the_version_id_plans_like_the_plain_one():
    pd = pytest.importorskip("pandas")
    rows = [_row("d", "v1", 3), _row("d", "v2", 2), _row("d", "v3", 1)]
    frame = pd.DataFrame(rows)
    plain = plan_prune_from_inventory(frame, [], KEEP_ONE, now=NOW)
    indexed = plan_prune_from_inventory(frame.set_index("id"), [], KEEP_ONE, now=NOW)
    filtered = plan_prune_from_inventory(frame[frame["id"] != "v2"], [], KEEP_ONE, now=NOW)  # index 0, 2
    assert _actions(indexed) == _actions(plain) == {("d", "v1"): "delete", ("d", "v2"): "delete", ("d", "v3"): "keep"}
    assert _actions(filtered) == {("d", "v1"): "delete", ("d", "v3"): "keep"}


def test_the_status_code_decides_and_the_name_stands_in_when_the_code_is_missing():
    from connector.status_codes import StatusCode

    ready, failed = int(StatusCode.DATASET_VERSION_READY), int(StatusCode.DATASET_VERSION_FAILURE)
    policy = PrunePolicy(keep_last=5, delete_failed_older_than=timedelta(days=1))
    rows = [
        _row("d", "code-failed", 3, status="DATASET_VERSION_READY", status_code=failed),
        _row("d", "code-ready", 3, status="DATASET_VERSION_FAILURE", status_code=ready),
        _row("d", "name-failed", 3, status="DATASET_VERSION_FAILURE", status_code=None),
    ]
    assert _actions(plan_prune_from_inventory(rows, [], policy, now=NOW)) == {
        ("d", "code-failed"): "delete",
        ("d", "code-ready"): "keep",
        ("d", "name-failed"): "delete",
    }


@pytest.mark.parametrize(
    ("metadata", "pinned"),
    [
        ({"pinned": True}, True),  # a struct column, read as a mapping
        ('{"pinned": true}', True),  # JSON text (CSV)
        ("{not json", False),
        ('[["pinned", true]]', False),  # JSON, but not an object
        ('["pinned"]', False),
        ("", False),
        (["pinned"], False),
        (None, False),
    ],
)
def test_metadata_as_a_mapping_or_json_text_carries_the_pin(metadata, pinned):
    rows = [_row("d", "old", 3, metadata=metadata), _row("d", "new", 1)]
    plan = plan_prune_from_inventory(rows, [], KEEP_ONE, now=NOW)
    assert _actions(plan)[("d", "old")] == ("keep" if pinned else "delete")
    assert next(r for r in plan.rows if r["version_id"] == "old")["pinned"] is pinned


def test_lineage_protects_the_version_of_its_dataset_or_of_any_dataset_when_unnamed():
    rows = [_row(ds, vid, days) for ds in ("a", "b") for vid, days in (("v1", 3), ("v2", 2), ("v3", 1))]
    models = [
        {"id": "m1", "train_dataset_id": "a", "train_dataset_version_id": "v1"},
        {"id": "m2", "train_dataset_id": None, "train_dataset_version_id": "v2"},
        {"id": "m3", "train_dataset_id": "b", "train_dataset_version_id": None},
    ]
    actions = _actions(plan_prune_from_inventory(rows, models, KEEP_ONE, now=NOW))
    assert actions == {
        ("a", "v1"): "keep",  # trained on a/v1
        ("b", "v1"): "delete",  # same id, other dataset: not protected
        ("a", "v2"): "keep",  # a model that names no dataset protects v2 wherever it is
        ("b", "v2"): "keep",
        ("a", "v3"): "keep",
        ("b", "v3"): "keep",
    }


@pytest.mark.parametrize(
    ("versions", "models", "message"),
    [
        (42, [], r"^dataset_versions must be the inventory as a pyarrow Table, .* got int$"),
        ("versions.csv", [], r"^dataset_versions must be .* got str$"),
        ([], 3.5, r"^model_versions must be .* got float$"),
        ([], [{"id": "m"}, "x"], r"^model_versions must be .* got list$"),
    ],
)
def test_an_inventory_of_the_wrong_type_is_refused_naming_the_argument(versions, models, message):
    with pytest.raises(ValidationError, match=message):
        plan_prune_from_inventory(versions, models, KEEP_ONE, now=NOW)


def test_a_pandas_series_is_not_taken_for_a_frame():
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValidationError, match=r"^dataset_versions must be .* got Series$"):
        plan_prune_from_inventory(pd.Series(["v1", "v2"]), [], KEEP_ONE, now=NOW)


def test_what_is_refused_before_reading_says_what_to_pass():
    with pytest.raises(ValidationError, match=r"^policy must be a PrunePolicy, got dict$"):
        plan_prune_from_inventory([], [], {"keep_last": 1})
    with pytest.raises(ValidationError) as refused:
        plan_prune_from_inventory([_row("d", "v1", 1)], None, KEEP_ONE, now=NOW)
    assert str(refused.value) == (
        "a prune plan needs the model_versions inventory (training lineage protects versions), "
        "or a policy with allow_trained=True"
    )
