"""What a prune plan's rows say about each version: the reason a version is kept or
deleted, its request origin by name, its age and creation time, and whether a model
version was trained on it. Pure: the same decision a planned prune makes, read from
inventory rows or API version objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connector.operations import PrunePolicy, plan_prune_from_inventory
from connector.operations.prune import decide

NOW = datetime(2026, 1, 10, tzinfo=UTC)


def _row(vid: str, status: str, day: int) -> dict[str, Any]:
    return {
        "dataset_id": "ds",
        "id": vid,
        "status_name": status,
        "created_at": datetime(2026, 1, day, tzinfo=UTC),
        "request_origin": "MANUAL",
        "metadata": None,
    }


ROWS = [
    _row("v-new", "DATASET_VERSION_READY", 9),
    _row("v-old", "DATASET_VERSION_READY", 1),
    _row("v-fail", "DATASET_VERSION_FAILURE", 2),
    _row("v-run", "DATASET_VERSION_IN_PROGRESS", 3),
    _row("v-export", "DATASET_VERSION_EXPORT_PENDING", 4),
]


def _reasons(policy: PrunePolicy) -> dict[str, tuple[str, str]]:
    plan = plan_prune_from_inventory(ROWS, None, policy, now=NOW)
    return {r["version_id"]: (r["action"], r["reason"]) for r in plan.rows}


def test_reasons_under_keep_last() -> None:
    assert _reasons(PrunePolicy(keep_last=1, allow_trained=True)) == {
        "v-new": ("keep", "protected: newest READY version"),
        "v-old": ("delete", "delete: not among the newest 1 READY"),
        "v-fail": ("keep", "kept: failed, no failed-version rule"),
        "v-run": ("keep", "protected: still DATASET_VERSION_IN_PROGRESS"),
        "v-export": ("keep", "kept: status DATASET_VERSION_EXPORT_PENDING is not handled by pruning"),
    }


def test_reasons_without_a_rule_for_ready_versions() -> None:
    reasons = _reasons(PrunePolicy(delete_failed_older_than=timedelta(days=1), allow_trained=True))
    assert reasons["v-old"] == ("keep", "kept: no retention rule for READY versions")
    assert reasons["v-fail"] == ("delete", "delete: DATASET_VERSION_FAILURE older than 1d")


def test_a_deletion_names_every_rule_it_breaks() -> None:
    policy = PrunePolicy(keep_last=1, keep_younger_than=timedelta(days=2), allow_trained=True)
    assert _reasons(policy)["v-old"] == ("delete", "delete: not among the newest 1 READY and older than 2d")


def _version(vid: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": vid,
        "dataset_id": "ds",
        "status": {"code": "DATASET_VERSION_READY"},
        "created_at": "2026-01-01T00:00:00Z",
        **fields,
    }


def test_request_origins_are_named() -> None:
    versions = [
        _version("v0", created_at="2026-01-09T00:00:00Z"),  # the newest READY version
        _version("v-none", request_origin=None),
        _version("v-empty", request_origin=""),
        _version("v-manual", request_origin=1),
        _version("v-training", request_origin=2),
        _version("v-unknown", request_origin=7),
        _version("v-named", request_origin="EVAL_PREDICTIONS"),
    ]
    rows = {r["version_id"]: r for r in decide(versions, PrunePolicy(keep_last=1), now=NOW)}
    assert {vid: r["request_origin"] for vid, r in rows.items()} == {
        "v0": "DATASET_VERSION_REQUEST_ORIGIN_NOT_SET",
        "v-none": "DATASET_VERSION_REQUEST_ORIGIN_NOT_SET",
        "v-empty": "DATASET_VERSION_REQUEST_ORIGIN_NOT_SET",
        "v-manual": "MANUAL",
        "v-training": "TRAINING",
        "v-unknown": "7",
        "v-named": "EVAL_PREDICTIONS",
    }
    assert rows["v-training"]["reason"] == "protected: created by TRAINING"
    assert rows["v-named"]["reason"] == "protected: created by EVAL_PREDICTIONS"
    assert {vid for vid, r in rows.items() if r["action"] == "delete"} == {"v-none", "v-empty", "v-manual", "v-unknown"}


def test_age_and_creation_time_of_each_row() -> None:
    created = NOW - timedelta(days=1.234567)
    versions = [
        _version("v-newest", created_at="2026-01-09T12:00:00Z"),
        _version("v-aged", created_at=created.isoformat()),
        _version("v-undated", created_at=None),
    ]
    rows = {r["version_id"]: r for r in decide(versions, PrunePolicy(keep_last=1), now=NOW)}
    assert rows["v-aged"]["age_days"] == 1.2346
    assert rows["v-aged"]["created_at"] == created.isoformat()
    assert rows["v-newest"]["age_days"] == 0.5
    assert (rows["v-undated"]["created_at"], rows["v-undated"]["age_days"]) == (None, None)


def test_rows_say_which_versions_a_model_was_trained_on() -> None:
    versions = [_version(f"v{n}", created_at=f"2026-01-0{n}T00:00:00Z") for n in (1, 2, 3)]
    rows = decide(versions, PrunePolicy(keep_last=1), trained={("ds", "v1")}, now=NOW)
    assert {r["version_id"]: r["trained_on"] for r in rows} == {"v1": True, "v2": False, "v3": False}


def test_a_version_without_a_dataset_id_is_grouped_under_the_empty_id() -> None:
    versions = [{k: v for k, v in _version(vid).items() if k != "dataset_id"} for vid in ("v1", "v2")]
    rows = decide(versions, PrunePolicy(keep_last=1), now=NOW)
    assert [(r["dataset_id"], r["version_id"]) for r in rows] == [("", "v2"), ("", "v1")]
