"""build_report_asset: the app report built from the inventory assets' DataFrames, with no
second read of the app; its page checked against the emulator, its metadata small."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from dagster import AssetKey, DagsterInstance, materialize

from connector.client import ClarifaiClient
from connector.emulator.testing import EmulatorServer
from connector.errors import ValidationError
from connector.operations import PrunePolicy, plan_prune
from dagster_assets import build_inventory_assets, build_report_asset
from tests.dagster.helpers import materialized, rpcs
from tests.support.report_oracle import FAILED, expected
from tests.support.report_page import ReportPage

INVENTORIES = ["datasets", "dataset_versions", "dataset_inputs", "tasks", "model_versions"]


def test_the_report_reads_the_inventory_frames_not_the_app(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance, tmp_path: Path
) -> None:
    inventories = build_inventory_assets(INVENTORIES)
    dest = tmp_path / "reports" / "app.html"
    report = build_report_asset(INVENTORIES, path=str(dest), prune_policy=PrunePolicy(keep_last=1))
    assert report.key == AssetKey(["clarifai", "app_report"])
    first = materialize(inventories, resources=resources, instance=instance)
    assert first.success
    listed = len(demo.admin.requests())

    result = materialize([*inventories, report], resources=resources, instance=instance, selection=[report.key])
    assert result.success
    assert len(demo.admin.requests()) == listed  # the frames came from the IO manager: no request
    meta = materialized(result)["clarifai/app_report"]
    assert meta["path"].value == str(dest)
    page_text = dest.read_text()
    assert meta["bytes"].value == len(page_text.encode())
    assert "<html" not in json.dumps({k: str(v.value) for k, v in meta.items()})

    want = expected(demo)
    page = ReportPage.parse(page_text)
    assert meta["rows"].value == {k: want.counts[k] for k in INVENTORIES if k in want.counts} | {
        "dataset_inputs": want.counts["dataset_inputs"]
    }
    assert {k: v for k, v in page.inventory_rows().items() if v is not None} == meta["rows"].value
    # The prune policy is decided from the same frames, as plan_prune decides from the API.
    with ClarifaiClient(demo.client_config(rate_limit=0)) as client:
        plan = plan_prune(client, None, PrunePolicy(keep_last=1))
    deletes = {(r["dataset_id"], r["version_id"]) for r in plan.rows if r["action"] == "delete"}
    assert {k for k, a in page.versions().items() if a.get("data-action") == "delete"} == deletes
    assert meta["prune_would_delete"].value == len(deletes) > 0
    assert meta["failed_versions"].value == sum(s in FAILED for vs in want.versions.values() for s in vs.values()) > 0
    stale = want.stale(page_taken(meta), timedelta(days=7))
    assert meta["stale_tasks"].value == len(stale) > 0
    assert meta["inputs"].value == len(set().union(*want.members.values()))
    # The page names the resource's API and app, never its PAT.
    assert demo.base_url in page_text and demo.pat not in page_text
    assert demo.admin.mutations() == []


def page_taken(meta: dict[str, Any]) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(meta["facts"].value["taken_at"])


def test_the_default_path_is_next_to_the_instance_storage(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance
) -> None:
    inventories = build_inventory_assets(["datasets", "tasks"], key_prefix="app")
    report = build_report_asset(["datasets", "tasks"], key_prefix="app")
    result = materialize([*inventories, report], resources=resources, instance=instance)
    assert result.success
    where = Path(instance.storage_directory()) / "app" / "app_report.html"
    assert materialized(result)["app/app_report"]["path"].value == str(where)
    assert "review-products" in where.read_text()
    assert set(rpcs(demo)) == {"ListDatasets", "ListTasks"}  # the inventories' listings only


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((["widgets"],), {}, "unknown inventories"),
        ((["tasks", "tasks"],), {}, "name each inventory once"),
        ((["tasks"],), {"prune_policy": PrunePolicy(keep_last=1)}, "needs the inventories"),
        ((["dataset_versions"],), {"prune_policy": PrunePolicy(keep_last=1)}, "\\['model_versions'\\]"),
        ((["tasks"],), {"stale_after": 7}, "stale_after must be"),
    ],
)
def test_bad_arguments_are_refused_when_the_asset_is_built(args: Any, kwargs: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        build_report_asset(*args, **kwargs)
