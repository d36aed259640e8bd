"""``make demo`` end to end on a small showcase app: examples/demo/demo.py with the
session's emulator as its embedded emulator (no latency, no rate limit: this is about
what it does, not how fast), its Airflow and Dagster steps in their own processes as in
``make demo``. Checked: what demo-output/ holds, what the emulator holds afterwards, that
a second run on that state converges (adds nothing), and that against a configured API
it only reads unless told to apply."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from rich.console import Console

from connector.emulator.testing import EmulatorServer
from connector.inventory import INVENTORIES
from tests.support.report_page import ReportPage

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "demo.py"
SEED_INPUTS = 300
MAINTAINED = ("street-scenes", "traffic-cams", "shelf-audit")


@pytest.fixture(scope="module")
def demo_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("clarifai_make_demo", DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def showcase(emulator_server: EmulatorServer) -> Any:
    emulator_server.admin.reset(
        seed="showcase", seed_inputs=SEED_INPUTS, version_pending_seconds=0.05, version_in_progress_seconds=0.05
    )
    yield emulator_server
    assert emulator_server.admin.violations() == []


def _run(module: ModuleType, api: Any, out: Path, **kwargs: Any) -> tuple[dict[str, Any], str]:
    console = Console(file=io.StringIO(), width=200, highlight=False)
    options = {"apply": True, "datasets": (), **kwargs}
    summary = module.Demo(api, out, console=console, **options).all()
    return summary, console.file.getvalue()


def _state(server: EmulatorServer) -> dict[str, Any]:
    return server.admin.snapshot()["demo/demo"]


def _members(state: dict[str, Any], dataset_id: str) -> set[str]:
    return set(state["dataset_inputs"].get(dataset_id) or [])


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_demo_does_every_step_and_a_rerun_converges(
    demo_module: ModuleType, showcase: EmulatorServer, tmp_path: Path
) -> None:
    seeded = _state(showcase)
    out = tmp_path / "demo-output"
    api = demo_module.Api.of_emulator(showcase, rate_limit=0)
    _, printed = _run(demo_module, api, out)
    state = _state(showcase)

    # demo-output/: the inventories before and after, the reports, the logs
    for name in INVENTORIES:
        assert (out / "before" / f"{name}.parquet").is_file() and (out / f"{name}.parquet").is_file()
    assert pq.read_table(out / "before" / "dataset_versions.parquet").num_rows == sum(
        len(v) for v in seeded["dataset_versions"].values()
    )
    assert pq.read_table(out / "dataset_versions.parquet").num_rows == sum(
        len(v) for v in state["dataset_versions"].values()
    )
    assert pq.read_table(out / "datasets.parquet").num_rows == len(state["datasets"])
    (day,) = (out / "airflow").iterdir()
    assert {p.name for p in day.iterdir()} == {
        "datasets.parquet",
        "dataset_versions.parquet",
        "tasks.parquet",
        "report.html",
    }
    assert (out / "dagster" / "report.html").is_file()
    assert (out / "dagster" / "clarifai" / "dataset_inputs.parquet").is_file()
    assert {p.name for p in (out / "logs").iterdir()} == {"airflow.log", "dagster.log", "dagster.json", "summary.json"}
    assert json.loads((out / "logs" / "summary.json").read_text())["report"]["path"] == str(out / "report.html")
    assert "Demo finished" in printed and str(out / "report.html") in printed

    # Airflow pruned the maintained datasets (keep the 2 newest READY, protections held) ...
    versions = {v["id"]: v["status"] for v in state["dataset_versions"]["traffic-cams"]}
    assert "tc-night-01" not in versions and "tc-night-10" not in versions
    assert {"tc-night-13", "tc-night-12", "tc-night-11", "tc-night-06", "tc-night-14", "tc-night-04"} <= set(versions)
    assert {v["id"] for v in state["dataset_versions"]["cats-dogs"]} == {
        v["id"] for v in seeded["dataset_versions"]["cats-dogs"]
    }  # not maintained by the DAG
    # ... split each 80/20 without leakage, and snapshotted each target
    for source in MAINTAINED:
        train, test = _members(state, f"{source}-train"), _members(state, f"{source}-test")
        assert train | test == _members(state, source) and not train & test
        for target in (f"{source}-train", f"{source}-test"):
            assert [v["status"] for v in state["dataset_versions"][target]] == ["DATASET_VERSION_READY"]
    # Dagster split cats-dogs 70/20/10, ran its task flow and exported the task's annotations
    parts = [_members(state, f"cats-dogs-{s}") for s in ("train", "test", "validation")]
    assert set().union(*parts) == _members(state, "cats-dogs") and sum(map(len, parts)) == len(
        _members(state, "cats-dogs")
    )
    statuses = {t["id"]: t["status"] for t in state["tasks"]}
    (task_id,) = statuses.keys() - {t["id"] for t in seeded["tasks"]}
    assert statuses[task_id] == "TASK_DONE"
    exported = pq.read_table(out / "dagster" / "clarifai" / "task_annotations" / f"{task_id}.parquet")
    assert exported.num_rows == 12 and set(exported.column("task_id").to_pylist()) == {task_id}

    # The report: the app as left, from the files next to it
    page = ReportPage.parse((out / "report.html").read_text())
    assert page.inventory_rows() == {name: pq.read_metadata(out / f"{name}.parquet").num_rows for name in INVENTORIES}
    assert set(page.split_sources()) == {"cats-dogs", "products", *MAINTAINED}
    assert page.split("products")["leaked"] == 12  # the showcase's drifted split, flagged
    assert all(page.split(s)["leaked"] == 0 and page.split(s)["missing"] == 0 for s in ("cats-dogs", *MAINTAINED))
    # The Airflow run's report shows the app as found, with the plan it then applied
    found = ReportPage.parse((day / "report.html").read_text())
    planned = {k for k, a in found.versions().items() if a.get("data-action") == "delete"}
    assert planned == {(d, v) for d, vs in seeded["dataset_versions"].items() for v in [x["id"] for x in vs]} - {
        (d, v["id"]) for d, vs in state["dataset_versions"].items() for v in vs
    }
    # The PAT is in no file the demo wrote
    for path in out.rglob("*"):
        if path.is_file():
            assert showcase.pat.encode() not in path.read_bytes(), path

    # A second run on the state the first left: the splits are there, nothing is added again.
    adds = len([r for r in showcase.admin.mutations() if r["rpc"] == "PostDatasetInputs"])
    showcase.admin.clear_requests()
    again, _ = _run(demo_module, api, out)
    assert again["airflow"]["state"] == "success" and again["dagster"]["success"]
    split_adds = [r for r in showcase.admin.mutations() if r["rpc"] == "PostDatasetInputs"]
    assert adds > 0 and split_adds == []
    assert all(v["counts"]["added"] == 0 for k, v in again["airflow"]["results"].items() if k.startswith("split["))


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_against_a_configured_api_the_demo_only_reads(
    demo_module: ModuleType, showcase: EmulatorServer, tmp_path: Path
) -> None:
    """The configured API is the emulator standing in for the real one: not embedded, so
    no labelers are played and nothing is applied without --apply."""
    showcase.admin.clear_requests()
    api = demo_module.Api(showcase.base_url, showcase.pat, showcase.user_id, showcase.app_id, rate_limit=0)
    out = tmp_path / "demo-output"
    summary, printed = _run(demo_module, api, out, apply=False)
    assert showcase.admin.mutations() == []
    assert showcase.admin.requests()  # it did read
    tasks = summary["airflow"]["tasks"]
    assert tasks["report"] == "success" and tasks["plan_prune"] == "success"
    assert {tasks[t] for t in ("approve_prune", "prune", "split")} == {"skipped"}
    assert summary["dagster"]["read_only"] and "split" not in summary["dagster"]
    assert (out / "report.html").is_file() and (out / "dagster" / "report.html").is_file()
    assert "dry run" in printed


def test_the_real_api_is_the_one_of_the_clarifai_variables(
    demo_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLARIFAI_PAT", "pat-from-the-environment")
    monkeypatch.setenv("CLARIFAI_USER_ID", "me")
    monkeypatch.setenv("CLARIFAI_APP_ID", "my-app")
    monkeypatch.delenv("CLARIFAI_API_BASE", raising=False)
    monkeypatch.delenv("CLARIFAI_RATE_LIMIT", raising=False)
    api = demo_module.Api.from_env()
    assert (api.base_url, api.user_id, api.app_id, api.rate_limit) == ("https://api.clarifai.com", "me", "my-app", 15)
    assert not api.is_emulator and api.env()["CLARIFAI_PAT"] == "pat-from-the-environment"
    monkeypatch.delenv("CLARIFAI_APP_ID")
    with pytest.raises(demo_module.DemoError, match="CLARIFAI_APP_ID"):
        demo_module.Api.from_env()


def test_the_command_line_refuses_what_would_surprise(demo_module: ModuleType) -> None:
    runner = CliRunner()
    for args, message in (
        (["--apply"], "--apply is for --real-api"),
        (["--real-api", "--apply"], "needs --dataset"),
        (["--dataset", "x"], "--dataset is for --real-api"),
    ):
        result = runner.invoke(demo_module.main, args)
        assert result.exit_code == 2 and message in result.output, result.output
