"""Inventory assets and their checks against the emulator's demo app."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    AutomationCondition,
    RetryPolicy,
    asset,
    materialize,
)

from connector.client import ClarifaiClient
from connector.emulator.testing import EmulatorServer
from connector.errors import ValidationError
from connector.inventory import get_spec
from connector.operations import mark_done
from connector.operations.waits import wait_dataset_version
from dagster_assets import InventoryCheckPolicy, build_inventory_assets, build_inventory_checks
from dagster_assets.checks import duplicate_keys, stale_tasks, unresolved_failed_versions
from tests.dagster.helpers import checks_by_name, materialized, rpcs

INVENTORIES = ["datasets", "dataset_versions", "dataset_inputs", "tasks", "models", "model_versions"]
POLICY = InventoryCheckPolicy(row_count_bounds={"datasets": (1, None), "dataset_inputs": (1, 100_000)})


def _run(names: list[str], resources: dict[str, Any], policy: InventoryCheckPolicy | None = None) -> Any:
    if policy is None:  # POLICY's bounds, for the inventories built
        bounds = {k: v for k, v in POLICY.row_count_bounds.items() if k in names}
        policy = InventoryCheckPolicy(row_count_bounds=bounds)
    assets = build_inventory_assets(names)
    checks = build_inventory_checks(names, policy=policy)
    return materialize([*assets, *checks], resources=resources, raise_on_error=False)


def test_inventories_materialize_with_metadata_from_the_column_specs(
    demo: EmulatorServer, resources: dict[str, Any], storage: Path
) -> None:
    result = _run(INVENTORIES, resources)
    assert result.success
    snap = demo.admin.snapshot()["demo/demo"]
    meta = materialized(result)
    expected_rows = {
        "datasets": len(snap["datasets"]),
        "dataset_versions": sum(len(v) for v in snap["dataset_versions"].values()),
        "dataset_inputs": sum(len(v) for v in snap["dataset_inputs"].values()),
        "tasks": len(snap["tasks"]),
        "models": len(snap["models"]),
        "model_versions": sum(len(versions) for versions in snap["models"].values()),
    }
    for name, rows in expected_rows.items():
        md = meta[f"clarifai/{name}"]
        assert md["dagster/row_count"].value == rows, name
        schema = md["dagster/column_schema"].value
        spec = get_spec(name)
        assert [(c.name, c.type) for c in schema.columns] == [(c.name, c.type_label) for c in spec.columns]
        assert pq.read_table(storage / "clarifai" / f"{name}.parquet").num_rows == rows
    statuses: dict[str, int] = {}
    for versions in snap["dataset_versions"].values():
        for v in versions:
            statuses[v["status"]] = statuses.get(v["status"], 0) + 1
    assert meta["clarifai/dataset_versions"]["status_counts"].value == statuses
    assert (
        meta["clarifai/dataset_versions"]["status/DATASET_VERSION_FAILURE"].value == statuses["DATASET_VERSION_FAILURE"]
    )
    assert "| label-pets |" in meta["clarifai/tasks"]["preview"].value
    # Listing only: not one write, and every request is a List or Get call.
    assert demo.admin.mutations() == []
    assert all(r.startswith(("List", "Get")) for r in rpcs(demo))


def test_checks_on_the_demo_app(demo: EmulatorServer, resources: dict[str, Any]) -> None:
    result = _run(INVENTORIES, resources)
    checks = checks_by_name(result)
    for name in INVENTORIES:
        assert checks[(f"clarifai/{name}", "unique_ids")].passed, name
    assert checks[("clarifai/datasets", "row_count_bounds")].passed
    assert checks[("clarifai/dataset_inputs", "row_count_bounds")].passed
    # cd-v3 failed, but READY versions came after it: resolved.
    assert checks[("clarifai/dataset_versions", "no_unresolved_failed_versions")].passed
    # The demo's label-pets task has been in progress, untouched, for 30 days: flagged
    # (as a warning); the done and the idle tasks are not.
    stale = checks[("clarifai/tasks", "no_stale_tasks")]
    assert not stale.passed
    assert stale.severity == AssetCheckSeverity.WARN
    assert stale.metadata["stale_tasks"].value == 1
    assert "label-pets" in stale.description and "street-backlog" not in stale.description
    assert result.success  # a WARN check never fails the run

    with ClarifaiClient(demo.client_config()) as client:
        mark_done(client, "label-pets")
    checks = checks_by_name(_run(["tasks"], resources))
    assert checks[("clarifai/tasks", "no_stale_tasks")].passed


def test_failed_version_without_a_later_ready_one_fails_the_check(
    demo: EmulatorServer, resources: dict[str, Any]
) -> None:
    with ClarifaiClient(demo.client_config()) as client:
        client.post_dataset_versions("street-scenes", [{"id": "st-v2"}])
        demo.admin.fail_dataset_version("street-scenes", "st-v2")
        check = checks_by_name(_run(["dataset_versions"], resources))[
            ("clarifai/dataset_versions", "no_unresolved_failed_versions")
        ]
        assert not check.passed
        assert check.severity == AssetCheckSeverity.ERROR
        assert "street-scenes/st-v2" in check.description
        assert check.metadata["unresolved_failed_versions"].value == 1

        client.post_dataset_versions("street-scenes", [{"id": "st-v3"}])
        wait_dataset_version(client, "street-scenes", "st-v3", timeout=10, interval=0.02)
    check = checks_by_name(_run(["dataset_versions"], resources))[
        ("clarifai/dataset_versions", "no_unresolved_failed_versions")
    ]
    assert check.passed


def test_row_count_bounds_fail_outside_the_bounds(demo: EmulatorServer, resources: dict[str, Any]) -> None:
    policy = InventoryCheckPolicy(row_count_bounds={"datasets": (5, None), "tasks": (None, 2)})
    checks = checks_by_name(_run(["datasets", "tasks"], resources, policy))
    assert not checks[("clarifai/datasets", "row_count_bounds")].passed
    assert "3 rows, outside 5 <= rows" in checks[("clarifai/datasets", "row_count_bounds")].description
    assert not checks[("clarifai/tasks", "row_count_bounds")].passed


def test_duplicate_ids_fail_the_unique_ids_check(resources: dict[str, Any]) -> None:
    frame = pd.DataFrame({"dataset_id": ["a", "a", "b"], "id": ["v1", "v1", "v1"]})

    @asset(key=AssetKey(["clarifai", "dataset_versions"]), io_manager_key="clarifai_io_manager")
    def dataset_versions() -> pd.DataFrame:
        return frame

    checks = build_inventory_checks(["dataset_versions"], policy=InventoryCheckPolicy(failed_versions=False))
    result = materialize([dataset_versions, *checks], resources=resources)
    check = checks_by_name(result)[("clarifai/dataset_versions", "unique_ids")]
    assert not check.passed
    assert check.metadata["duplicated_keys"].value == 1  # (a, v1) twice; (b, v1) is another key
    assert "| a | v1 |" in check.metadata["duplicates"].value


def test_blocking_inventory_checks_stop_downstream(resources: dict[str, Any]) -> None:
    @asset(key=AssetKey(["clarifai", "datasets"]), io_manager_key="clarifai_io_manager")
    def datasets() -> pd.DataFrame:
        return pd.DataFrame({"id": ["x", "x"]})

    ran: list[bool] = []

    @asset(deps=[datasets])
    def report() -> None:
        ran.append(True)

    checks = build_inventory_checks(["datasets"], policy=InventoryCheckPolicy(blocking=True))
    result = materialize([datasets, report, *checks], resources=resources, raise_on_error=False)
    assert not result.success
    assert ran == []


def test_pure_check_helpers() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    ts = pd.ArrowDtype(__import__("pyarrow").timestamp("us", tz="UTC"))
    tasks = pd.DataFrame(
        {
            "id": ["old-open", "fresh-open", "old-done", "old-idle", "no-time"],
            "status_code": pd.array([54001, 54001, 54002, 54006, 54001], dtype="Int64"),
            "modified_at": pd.Series(
                [
                    now - timedelta(days=20),
                    now - timedelta(days=1),
                    now - timedelta(days=90),
                    now - timedelta(days=90),
                    None,
                ],
                dtype=ts,
            ),
            "created_at": pd.Series([None] * 5, dtype=ts),
        }
    )
    assert list(stale_tasks(tasks, timedelta(days=14), now=now)["id"]) == ["old-open", "no-time"]
    versions = pd.DataFrame(
        {
            "dataset_id": ["a", "a", "b", "c"],
            "id": ["a1", "a2", "b1", "c1"],
            "status_code": pd.array([64020, 64015, 64015, 64025], dtype="Int64"),
            "created_at": pd.Series([now - timedelta(days=2), now - timedelta(days=1), now, now], dtype=ts),
        }
    )
    assert list(unresolved_failed_versions(versions)["id"]) == ["c1"]
    assert duplicate_keys(pd.DataFrame({"id": ["a", "b", "a"]}), ["id"])["id"].tolist() == ["a", "a"]


def test_factory_passes_dagster_options_through() -> None:
    retry = RetryPolicy(max_retries=3, delay=1)
    condition = AutomationCondition.on_cron("0 6 * * *")
    (datasets,) = build_inventory_assets(
        ["datasets"],
        key_prefix=["acme", "clarifai"],
        group_name="vision",
        tags={"tier": "gold"},
        owners=["team:vision"],
        pool="clarifai",
        retry_policy=retry,
        automation_condition=condition,
    )
    key = AssetKey(["acme", "clarifai", "datasets"])
    spec = next(iter(datasets.specs))
    assert spec.key == key
    assert spec.group_name == "vision"
    assert spec.tags["tier"] == "gold"
    assert spec.owners == ["team:vision"]
    assert spec.automation_condition == condition
    assert datasets.op.pool == "clarifai"
    assert datasets.op.retry_policy == retry
    assert [c.name for c in spec.metadata["dagster/column_schema"].columns] == get_spec("datasets").column_names


def test_factory_refuses_bad_arguments() -> None:
    with pytest.raises(ValidationError, match="unknown inventories"):
        build_inventory_assets(["datasets", "nope"])
    with pytest.raises(ValidationError, match="scopes given for inventories that are not built"):
        build_inventory_assets(["datasets"], scopes={"tasks": {}})
    with pytest.raises(ValidationError, match="not built"):
        build_inventory_checks(["datasets"], policy=InventoryCheckPolicy(row_count_bounds={"tasks": (1, 2)}))
    with pytest.raises(ValidationError, match="min 3 is above max 2"):
        InventoryCheckPolicy(row_count_bounds={"tasks": (3, 2)})


def test_scope_narrows_the_listing(demo: EmulatorServer, resources: dict[str, Any]) -> None:
    assets = build_inventory_assets(["dataset_versions"], scopes={"dataset_versions": {"datasets": ["products"]}})
    result = materialize(assets, resources=resources)
    assert materialized(result)["clarifai/dataset_versions"]["dagster/row_count"].value == 3
    paths = [r["path"] for r in demo.admin.requests() if r["rpc"] == "ListDatasetVersions"]
    assert paths and all("/datasets/products/" in p for p in paths)


def test_permanent_errors_are_not_retried(demo: EmulatorServer, resources: dict[str, Any]) -> None:
    assets = build_inventory_assets(
        ["dataset_versions"],
        scopes={"dataset_versions": {"datasets": ["no-such-dataset"]}},
        retry_policy=RetryPolicy(max_retries=3),
    )
    result = materialize(assets, resources=resources, raise_on_error=False)
    assert not result.success
    assert not [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    data = failure.event_specific_data
    assert "listing inventory 'dataset_versions' failed" in data.error.message
    facts = {k: v.value for k, v in data.user_failure_data.metadata.items()}
    assert facts["error"] == "NotFoundError" and facts["status"] == "CONN_DOES_NOT_EXIST"
    assert facts["http_status"] == 404 and facts["rpc"] == "GetDataset" and facts["req_id"]
    assert rpcs(demo).count("GetDataset") == 1


def test_transient_errors_are_retried_by_the_step_policy(demo: EmulatorServer, resources: dict[str, Any]) -> None:
    # Three 500s exhaust the client's three attempts; the step's retry then succeeds.
    demo.admin.script_fault("http_500_internal", count=3, rpc="ListDatasets")
    assets = build_inventory_assets(["datasets"], retry_policy=RetryPolicy(max_retries=1))
    result = materialize(assets, resources=resources)
    assert result.success
    assert len([e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]) == 1
    assert rpcs(demo).count("ListDatasets") == 4
