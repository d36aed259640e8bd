"""ClarifaiReportOperator against the emulator, outside a DAG run: the page it writes
(checked against the emulator's state), what it returns to XCom (small facts, never the
page), that it only reads, and how it fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider.operators import (
    ClarifaiExportInventoryOperator,
    ClarifaiPruneDatasetVersionsOperator,
    ClarifaiReportOperator,
)
from tests.airflow.conftest import CANARY_PAT
from tests.support.airflow import make_context
from tests.support.report_oracle import expected
from tests.support.report_page import ReportPage


def _plan(server: Any) -> dict[str, Any]:
    """The plan a dry-run prune task pushes to XCom under key ``plan``."""
    ctx = make_context("plan_prune")
    ClarifaiPruneDatasetVersionsOperator(task_id="plan_prune", keep_last=1, dry_run=True).execute(ctx)
    return ctx["ti"].xcom["plan"]


def test_a_report_from_the_api_with_the_upstream_plan(clarifai_env: Any, tmp_path: Path) -> None:
    plan = _plan(clarifai_env)
    clarifai_env.admin.clear_requests()
    dest = tmp_path / "run" / "report.html"
    op = ClarifaiReportOperator(task_id="report", path=str(dest), prune_plan=plan)
    ctx = make_context("report")
    result = op.execute(ctx)

    page_text = dest.read_text()
    assert result["uri"] == str(dest) == ctx["ti"].xcom["uri"]
    assert result["bytes"] == len(page_text.encode()) and result["source"] == "api"
    xcom = json.dumps(result)
    assert len(xcom) < 10_000 and "<html" not in xcom  # the facts, never the page
    want = expected(clarifai_env)
    facts = result["facts"]
    assert {k: v for k, v in facts["rows"].items() if k in want.counts} == want.counts
    deletes = [(r["dataset_id"], r["version_id"]) for r in plan["rows"] if r["action"] == "delete"]
    assert facts["prune_deletes"] == len(deletes) > 0
    page = ReportPage.parse(page_text)
    actions = {k: a["data-action"] for k, a in page.versions().items()}
    assert {k for k, a in actions.items() if a == "delete"} == set(deletes)
    assert page.inventory_rows()["inputs"] == len(want.inputs)
    # read-only, and the PAT is nowhere
    assert clarifai_env.admin.mutations() == [] and clarifai_env.admin.requests()
    assert CANARY_PAT not in page_text and CANARY_PAT not in xcom
    lineage = op.get_openlineage_facets_on_complete(None)
    assert [(d.namespace, d.name) for d in lineage.outputs] == [("file", str(dest))]


def test_the_plan_may_come_as_json_text_and_a_rerun_rewrites_the_page(clarifai_env: Any, tmp_path: Path) -> None:
    plan = _plan(clarifai_env)
    dest = tmp_path / "report.html"
    dest.write_text("an older report")
    op = ClarifaiReportOperator(task_id="report", path=str(dest), prune_plan=json.dumps(plan), stale_after="400d")
    first = op.execute(make_context("report"))
    assert first["facts"]["prune_deletes"] == sum(r["action"] == "delete" for r in plan["rows"])
    assert first["facts"]["tasks"]["stale"] == 0  # nothing is 400 days old
    again = op.execute(make_context("report"))
    assert again["uri"] == first["uri"] and ReportPage.parse(dest.read_text()).split_sources() == []
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_report_from_exported_parquet_files_sends_no_request(clarifai_env: Any, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    for name in ("datasets", "dataset_versions", "dataset_inputs", "model_versions", "tasks"):
        ClarifaiExportInventoryOperator(
            task_id=f"export_{name}", inventory=name, path=str(exports / f"{name}.parquet")
        ).execute(make_context("export"))
    clarifai_env.admin.clear_requests()
    dest = tmp_path / "report.html"
    result = ClarifaiReportOperator(task_id="report", path=str(dest), from_parquet=str(exports)).execute(
        make_context("report")
    )
    assert clarifai_env.admin.requests() == []
    assert result["source"] == "parquet"
    assert set(result["facts"]["rows"]) == {"datasets", "dataset_versions", "dataset_inputs", "model_versions", "tasks"}
    want = expected(clarifai_env)
    assert result["facts"]["inputs"] == len(set().union(*want.members.values()))


def test_a_report_to_object_storage(clarifai_env: Any, tmp_path: Path) -> None:
    from airflow.sdk import ObjectStoragePath

    dest = ObjectStoragePath(f"file://{tmp_path}/reports/app.html")
    result = ClarifaiReportOperator(task_id="report", path=dest, inventories=["datasets", "tasks"]).execute(
        make_context("report")
    )
    assert result["uri"] == str(dest)
    page = ReportPage.parse((tmp_path / "reports" / "app.html").read_text())
    assert {k for k, v in page.inventory_rows().items() if v is not None} == {"datasets", "tasks"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"path": "{tmp}"}, "is a directory"),
        ({"path": "{tmp}/r.html", "from_parquet": "s3://bucket/exports"}, "from_parquet must be a local directory"),
        ({"path": "{tmp}/r.html", "prune_plan": "not a plan"}, "prune_plan must be a dict or its JSON text"),
        ({"path": "{tmp}/r.html", "stale_after": "soon"}, "bad duration for stale_after"),
        ({"path": "{tmp}/r.html", "inventories": ["widgets"]}, "widgets"),
    ],
)
def test_bad_arguments_fail_without_retry_before_any_request(
    clarifai_env: Any, tmp_path: Path, kwargs: dict[str, Any], message: str
) -> None:
    args = {k: v.replace("{tmp}", str(tmp_path)) if isinstance(v, str) else v for k, v in kwargs.items()}
    with pytest.raises(AirflowFailException, match=message):
        ClarifaiReportOperator(task_id="report", **args).execute(make_context("report"))
    assert clarifai_env.admin.requests() == []
    assert not (tmp_path / "r.html").exists()
