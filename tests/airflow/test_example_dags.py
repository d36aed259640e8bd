"""The example DAGs run end to end with dag.test() on the session's migrated SQLite
metadata DB against the emulator, and leave the app in the state they promise; a run
whose task fails midway is retried and adopts the earlier work."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.airflow.conftest import CANARY_PAT, DAGS_FOLDER
from tests.support.report_page import ReportPage

NIGHTLY = "clarifai_nightly_maintenance"
LABELING = "clarifai_labeling"


@pytest.fixture(scope="module")
def dagbag(airflow_db: Path) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert bag.import_errors == {}
    return bag


def _dag(dagbag: Any, dag_id: str, *, retry_delay: timedelta | None = None) -> Any:
    dag = dagbag.get_dag(dag_id)
    if retry_delay is not None:  # the test decides how long a retry waits
        for task in dag.tasks:
            task.retry_delay = retry_delay
    return dag


def _states(run: Any) -> dict[str, Any]:
    return {(ti.task_id, ti.map_index): (str(ti.state), ti.try_number) for ti in run.get_task_instances()}


def _members(server: Any, dataset_id: str) -> set[str]:
    return set(server.admin.snapshot()["demo/demo"]["dataset_inputs"].get(dataset_id) or [])


def _versions(server: Any, dataset_id: str) -> dict[str, str]:
    return {v["id"]: v["status"] for v in server.admin.snapshot()["demo/demo"]["dataset_versions"].get(dataset_id, [])}


def _asset_events(run_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.uri, AssetEvent.source_task_id, AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetEvent.source_run_id == run_id)
        ).all()
    return [(uri, task, dict(extra or {})) for uri, task, extra in rows]


def _xcoms(run_id: str, task_id: str, key: str) -> list[Any]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(XComModel.value).where(
                XComModel.run_id == run_id, XComModel.task_id == task_id, XComModel.key == key
            )
        ).all()
    return [XComModel.deserialize_value(row) for row in rows]


def test_parsing_the_example_dags_calls_no_api(clarifai_env: Any, airflow_db: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert bag.import_errors == {} and {NIGHTLY, LABELING} <= set(bag.dag_ids)
    assert clarifai_env.admin.requests() == []
    assert {t.pool for t in bag.get_dag(NIGHTLY).tasks} == {"clarifai"}


def test_human_approval_variant_puts_the_plan_summary_in_the_approval(
    airflow_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    monkeypatch.setenv("CLARIFAI_PRUNE_APPROVAL", "human")
    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    gate = bag.get_dag(NIGHTLY).get_task("approve_prune")
    assert isinstance(gate, ApprovalOperator)
    assert gate.body == "{{ ti.xcom_pull(task_ids='plan_prune')['summary'] }}" and gate.defaults == ["Reject"]


def test_nightly_maintenance_end_to_end(
    clarifai_env: Any, dagbag: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    sources = {d: _members(clarifai_env, d) for d in ("cats-dogs", "street-scenes")}
    run = _dag(dagbag, NIGHTLY).test(run_conf={"export_dir": str(tmp_path)})
    console = "".join(capfd.readouterr())
    assert "exported 3 datasets rows" in console and CANARY_PAT not in console
    states = _states(run)
    assert str(run.state) == "success", states
    assert all(state == "success" for state, _ in states.values()), states

    # export -> files with the inventories, rows in the files (not in XCom)
    (day,) = list(tmp_path.iterdir())
    assert pq.read_table(day / "datasets.parquet").num_rows == 3
    assert pq.read_table(day / "dataset_versions.parquet").num_rows == 9

    # report: the app as the run found it, with the plan's verdicts; XCom has its URI
    page = ReportPage.parse((day / "report.html").read_text())
    actions = {k: a.get("data-action") for k, a in page.versions().items()}
    assert [k for k, a in actions.items() if a == "delete"] == [("cats-dogs", "cd-v1")]
    assert page.inventory_rows()["dataset_versions"] == 9  # read before the prune
    (uri,) = _xcoms(run.run_id, "report", "uri")
    assert uri == str(day / "report.html")
    (returned,) = _xcoms(run.run_id, "report", "return_value")
    assert returned["facts"]["prune_deletes"] == 1 and "<html" not in json.dumps(returned)

    # prune (approved by the gate: 1 deletion, guard passes): only cd-v1 is gone
    assert set(_versions(clarifai_env, "cats-dogs")) == {"cd-v2", "cd-v3", "cd-v4", "cd-v5"}
    assert set(_versions(clarifai_env, "street-scenes")) == {"st-v1"}
    assert set(_versions(clarifai_env, "products")) == {"pr-v1", "pr-v2", "pr-v3"}  # not maintained

    # split: each source's inputs are in exactly one of its targets
    for source, members in sources.items():
        train, test = _members(clarifai_env, f"{source}-train"), _members(clarifai_env, f"{source}-test")
        assert train | test == members and not train & test and train and test

    # snapshot: one READY version per target, made by this run
    targets = ("cats-dogs-train", "cats-dogs-test", "street-scenes-train", "street-scenes-test")
    for target in targets:
        versions = _versions(clarifai_env, target)
        assert list(versions.values()) == ["DATASET_VERSION_READY"], (target, versions)

    # assets: the split and each snapshot recorded an event on the target's clarifai:// Asset
    events = _asset_events(run.run_id)
    uris = {f"clarifai://demo/demo/datasets/{t}" for t in targets}
    assert {uri for uri, task, _ in events if task == "split"} == uris
    snapshots = {uri: extra["version_id"] for uri, task, extra in events if task == "snapshot"}
    assert snapshots == {f"clarifai://demo/demo/datasets/{t}": next(iter(_versions(clarifai_env, t))) for t in targets}


def test_gate_holds_back_a_large_prune_and_the_rest_still_runs(clarifai_env: Any, dagbag: Any, tmp_path: Path) -> None:
    run = _dag(dagbag, NIGHTLY).test(run_conf={"export_dir": str(tmp_path), "max_auto_delete": 0})
    states = _states(run)
    assert str(run.state) == "success"
    assert states[("approve_prune", -1)][0] == "success" and states[("prune", -1)][0] == "skipped"
    assert "cd-v1" in _versions(clarifai_env, "cats-dogs")  # nothing pruned
    assert [r for r in clarifai_env.admin.mutations() if r["rpc"] == "DeleteDatasetVersions"] == []
    assert states[("split", 0)][0] == states[("snapshot", 0)][0] == "success"


def test_a_dry_run_plans_and_reports_and_writes_nothing(clarifai_env: Any, airflow_db: Path, tmp_path: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    # A DAG of its own: dag.test() keeps a run's conf in the DAG's params for the next run.
    dag = DagBag(dag_folder=str(DAGS_FOLDER)).get_dag(NIGHTLY)
    run = dag.test(run_conf={"export_dir": str(tmp_path), "dry_run": True})
    states = _states(run)
    assert str(run.state) == "success", states
    assert {t: s for (t, _), (s, _) in states.items() if s != "success"} == {
        "approve_prune": "skipped",
        "prune": "skipped",
        "split": "skipped",
        "split_targets": "skipped",
        "snapshot": "skipped",
    }
    assert clarifai_env.admin.mutations() == []
    (day,) = list(tmp_path.iterdir())
    page = ReportPage.parse((day / "report.html").read_text())
    assert ("cats-dogs", "cd-v1") in {k for k, a in page.versions().items() if a.get("data-action") == "delete"}


def test_labeling_end_to_end(clarifai_env: Any, dagbag: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    clarifai_env.admin.set_options(task_work_seconds=1.0)
    run = _dag(dagbag, LABELING).test(run_conf={"export_dir": str(tmp_path), "cleanup_older_than": "7d"})
    console = "".join(capfd.readouterr())
    assert "labeling task task-" in console and CANARY_PAT not in console  # dag.test prints task logs unmasked
    states = _states(run)
    assert str(run.state) == "success", states
    tasks = {t["id"]: t["status"] for t in clarifai_env.admin.snapshot()["demo/demo"]["tasks"]}
    created = [t for t in tasks if t not in ("label-pets", "review-products", "street-backlog")]
    assert len(created) == 1 and tasks[created[0]] == "TASK_DONE"
    # the wait read the task until it was done (on the inline triggerer of dag.test)
    reads = [r for r in clarifai_env.admin.requests() if r["rpc"] == "GetTask" and created[0] in r["path"]]
    assert len(reads) >= 2
    # cleanup: the finished tasks older than 7 days are gone; the open one and ours stay
    assert set(tasks) == {"label-pets", created[0]}
    (export,) = list(tmp_path.glob("annotations-*.parquet"))
    assert pq.read_table(export).num_rows == len(clarifai_env.admin.snapshot()["demo/demo"]["annotations"])


def test_failed_tries_are_retried_and_adopt_the_earlier_work(clarifai_env: Any, dagbag: Any, tmp_path: Path) -> None:
    """The emulator applies a write, drops its answer, then fails the client's retries, so
    the task fails after its work was done; Airflow retries it and the retry adopts that
    work: one task, one version, one add of each input, no duplicate."""
    admin = clarifai_env.admin
    admin.set_options(task_work_seconds=0.5)
    # labeling: the task is created, then every answer is lost until the client gives up
    admin.script_fault("applied_then_dropped", count=1, rpc="PostTasks")
    admin.script_fault("http_500_internal", count=2, rpc="PostTasks")
    run = _dag(dagbag, LABELING, retry_delay=timedelta(0)).test(run_conf={"export_dir": str(tmp_path)})
    states = _states(run)
    assert str(run.state) == "success", states
    assert states[("create_task", -1)] == ("success", 2)  # failed once, then adopted
    posts = [r for r in admin.requests() if r["rpc"] == "PostTasks"]
    assert [(r["http_status"], r["mutated"]) for r in posts] == [(None, True), (500, False), (500, False)]
    new_tasks = [
        t
        for t in admin.snapshot()["demo/demo"]["tasks"]
        if t["id"] not in ("label-pets", "review-products", "street-backlog")
    ]
    assert len(new_tasks) == 1

    # nightly: the split's adds to one target and one snapshot version fail the same way
    admin.clear_requests()
    target_inputs = "/datasets/cats-dogs-train/inputs"
    admin.script_fault("applied_then_dropped", count=1, rpc="PostDatasetInputs", path_regex=target_inputs)
    admin.script_fault("http_500_internal", count=2, rpc="PostDatasetInputs", path_regex=target_inputs)
    target_versions = "/datasets/street-scenes-test/versions"
    admin.script_fault("applied_then_dropped", count=1, rpc="PostDatasetVersions", path_regex=target_versions)
    admin.script_fault("http_500_internal", count=2, rpc="PostDatasetVersions", path_regex=target_versions)
    run = _dag(dagbag, NIGHTLY, retry_delay=timedelta(0)).test(run_conf={"export_dir": str(tmp_path)})
    states = _states(run)
    assert str(run.state) == "success", states
    assert sorted(try_ for (task, _), (_, try_) in states.items() if task in ("split", "snapshot")) == [
        1,
        1,
        1,
        1,
        2,
        2,
    ]
    adds = [r for r in admin.requests(mutated=True) if r["rpc"] == "PostDatasetInputs" and target_inputs in r["path"]]
    assert len(adds) == 1  # the retry found the inputs there and added none again
    train, test = _members(clarifai_env, "cats-dogs-train"), _members(clarifai_env, "cats-dogs-test")
    assert train and not train & test
    made = [
        r for r in admin.requests(mutated=True) if r["rpc"] == "PostDatasetVersions" and target_versions in r["path"]
    ]
    assert len(made) == 1
    assert list(_versions(clarifai_env, "street-scenes-test").values()) == ["DATASET_VERSION_READY"]
