"""Both examples load with Dagster's own tools (``dagster definitions validate``, ``dg check
defs``), the component is listed and scaffolded by ``dg``, and the examples materialize
against the emulator: inventories with their checks, the split with its blocking checks
(and a seeded leakage stopping the training manifest), pruning dry run then apply, and
task creation -> sensor tick -> annotation export."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml
from dagster import AssetKey, DagsterInstance, Definitions, SensorResult, build_schedule_context, build_sensor_context

from connector.client import ClarifaiClient
from connector.emulator.testing import EmulatorServer
from dagster_assets import TASK_MARKER_KEY, TASK_PARTITIONS
from tests.dagster.helpers import APP_PROJECT, PIPELINE, checks_by_name, load_module, materialized, rpcs

BIN = Path(sys.executable).parent
TIMEOUT = 240


@pytest.fixture
def tool_env(tmp_path: Path) -> dict[str, str]:
    """Environment of the dagster / dg commands: this virtualenv first on PATH, a
    temporary DAGSTER_HOME without telemetry, no CLARIFAI_* (loading needs no secret)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLARIFAI_", "DAGSTER_"))}
    env.update(
        {"PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "VIRTUAL_ENV": str(BIN.parent), "DAGSTER_HOME": str(home)}
    )
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_pipeline_definitions_validate(tool_env: dict[str, str], tmp_path: Path) -> None:
    done = _run([str(BIN / "dagster"), "definitions", "validate", "-f", str(PIPELINE)], tool_env, tmp_path)
    assert "All code locations passed validation" in done.stdout + done.stderr


def test_dg_project_checks_and_lists_the_component(tool_env: dict[str, str]) -> None:
    done = _run([str(BIN / "dg"), "check", "defs"], tool_env, APP_PROJECT)
    assert "All definitions loaded successfully" in done.stdout + done.stderr
    listed = _run([str(BIN / "dg"), "list", "components", "--json"], tool_env, APP_PROJECT)
    assert "dagster_assets.ClarifaiAppComponent" in listed.stdout


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The dg project without its component instance, to scaffold a new one into."""
    copy = tmp_path / "project"
    shutil.copytree(APP_PROJECT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(copy / "src" / "clarifai_app_project" / "defs" / "clarifai_app")
    return copy


def test_dg_scaffold_defs_writes_a_defs_yaml_that_runs(
    tool_env: dict[str, str], project_copy: Path, demo: EmulatorServer
) -> None:
    dg = str(BIN / "dg")
    _run([dg, "scaffold", "defs", "dagster_assets.ClarifaiAppComponent", "vision_app"], tool_env, project_copy)
    defs_yaml = project_copy / "src" / "clarifai_app_project" / "defs" / "vision_app" / "defs.yaml"
    body = yaml.safe_load(defs_yaml.read_text())
    assert body["type"] == "dagster_assets.ClarifaiAppComponent"
    assert body["attributes"]["pat"] == "{{ env.CLARIFAI_PAT }}"
    _run([dg, "check", "defs"], tool_env, project_copy)  # loads with no CLARIFAI_* set
    env = {**tool_env, **demo.env(), "PYTHONPATH": str(project_copy / "src")}
    _run([dg, "launch", "--assets", "clarifai/datasets,clarifai/tasks"], env, project_copy)
    assert {"ListDatasets", "ListTasks"} <= set(rpcs(demo))
    assert demo.admin.mutations() == []


def test_dg_project_launches_its_split_against_the_emulator(tool_env: dict[str, str], demo: EmulatorServer) -> None:
    env = {**tool_env, **demo.env(), "PYTHONPATH": str(APP_PROJECT / "src")}
    keys = "clarifai/splits/cats-dogs-train,clarifai/splits/cats-dogs-test"
    _run([str(BIN / "dg"), "launch", "--assets", keys], env, APP_PROJECT)
    members = demo.admin.snapshot()["demo/demo"]["dataset_inputs"]
    train, test = set(members["cats-dogs-train"]), set(members["cats-dogs-test"])
    assert train and test and not train & test
    assert train | test == set(members["cats-dogs"])


# -- the Python example, in process -------------------------------------------------------


@pytest.fixture
def pipeline(demo: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.setenv("CLARIFAI_STORAGE", str(tmp_path / "parquet"))
    yield load_module(PIPELINE, "clarifai_example_pipeline")
    sys.modules.pop("clarifai_example_pipeline", None)


def _materialize(defs: Definitions, keys: list[AssetKey], instance: DagsterInstance, **kwargs: Any) -> Any:
    job = defs.resolve_implicit_job_def_def_for_assets(keys)
    assert job is not None
    return job.execute_in_process(instance=instance, asset_selection=keys, raise_on_error=False, **kwargs)


def test_pipeline_inventories_with_checks(
    pipeline: ModuleType, demo: EmulatorServer, instance: DagsterInstance
) -> None:
    defs: Definitions = pipeline.defs
    keys = [AssetKey(["clarifai", name]) for name in pipeline.INVENTORIES]
    result = _materialize(defs, keys, instance)
    assert result.success
    snap = demo.admin.snapshot()["demo/demo"]
    meta = materialized(result)
    assert meta["clarifai/datasets"]["dagster/row_count"].value == len(snap["datasets"])
    inputs = sum(len(v) for v in snap["dataset_inputs"].values())
    assert meta["clarifai/dataset_inputs"]["dagster/row_count"].value == inputs
    storage = Path(os.environ["CLARIFAI_STORAGE"])
    assert pq.read_table(storage / "clarifai" / "dataset_inputs.parquet").num_rows == inputs
    checks = checks_by_name(result)
    failing = {key for key, check in checks.items() if not check.passed}
    # Everything passes but the warning about the seed's 30-day-old in-progress task.
    assert failing == {("clarifai/tasks", "no_stale_tasks")}
    assert len(checks) == len(pipeline.INVENTORIES) + 3  # unique ids each, row bounds, versions, stale tasks
    assert demo.admin.mutations() == []


def test_pipeline_report_from_the_inventory_assets(
    pipeline: ModuleType, demo: EmulatorServer, instance: DagsterInstance
) -> None:
    defs: Definitions = pipeline.defs
    keys = [AssetKey(["clarifai", name]) for name in pipeline.INVENTORIES]
    report = AssetKey(["clarifai", "app_report"])
    assert _materialize(defs, keys, instance).success
    listed = len(demo.admin.requests())
    result = _materialize(defs, [report], instance)
    assert result.success
    assert len(demo.admin.requests()) == listed  # built from the stored frames
    meta = materialized(result)["clarifai/app_report"]
    path = Path(os.environ["CLARIFAI_STORAGE"]) / "report.html"
    assert meta["path"].value == str(path) and path.read_text().startswith("<!doctype html>")
    # the weekly prune's policy (keep the 3 newest READY), decided from the frames
    assert meta["prune_would_delete"].value == 1  # cd-v1, as the prune job's dry run says
    assert meta["stale_tasks"].value == 2  # label-pets and street-backlog, a month old
    assert meta["rows"].value["datasets"] == len(demo.admin.snapshot()["demo/demo"]["datasets"])


def test_pipeline_split_then_seeded_leakage(
    pipeline: ModuleType, demo: EmulatorServer, instance: DagsterInstance
) -> None:
    defs: Definitions = pipeline.defs
    split_keys = list(pipeline._split_keys.values())
    manifest = AssetKey(["clarifai", "cats_dogs_training_manifest"])
    result = _materialize(defs, [*split_keys, manifest], instance)
    assert result.success
    assert all(c.passed for c in checks_by_name(result).values())
    source = set(demo.admin.snapshot()["demo/demo"]["dataset_inputs"]["cats-dogs"])
    frame = pq.read_table(Path(os.environ["CLARIFAI_STORAGE"]) / "clarifai" / "cats_dogs_training_manifest.parquet")
    ids = frame.column("input_id").to_pylist()
    assert sorted(ids) == sorted(source)  # every input once, in exactly one split

    leaked = sorted(source)[0]
    with ClarifaiClient(demo.client_config()) as client:
        for target in ("cats-dogs-train", "cats-dogs-test", "cats-dogs-validation"):
            client.post_dataset_inputs(target, [leaked], ignore_duplicates=True)
    blocked = _materialize(defs, [*split_keys, manifest], instance)
    assert not blocked.success
    assert "clarifai/cats_dogs_training_manifest" not in materialized(blocked)
    failed = {key for key, check in checks_by_name(blocked).items() if not check.passed}
    assert {check for _, check in failed} == {"no_leakage"} and len(failed) == 3


def test_pipeline_prune_dry_run_then_scheduled_apply(
    pipeline: ModuleType, demo: EmulatorServer, instance: DagsterInstance
) -> None:
    defs: Definitions = pipeline.defs
    job = defs.resolve_job_def("clarifai_prune_job")
    dry = job.execute_in_process(instance=instance)
    assert dry.success and demo.admin.mutations() == []
    assert dry.output_for_node("clarifai_prune")["would_delete"] == ["cats-dogs/cd-v1"]

    schedule = defs.resolve_schedule_def("clarifai_weekly_prune")
    with build_schedule_context(instance=instance) as context:
        (request,) = schedule.evaluate_tick(context).run_requests or []
    applied = job.execute_in_process(run_config=request.run_config, instance=instance, tags=request.tags)
    assert applied.success
    versions = demo.admin.snapshot()["demo/demo"]["dataset_versions"]["cats-dogs"]
    assert sorted(v["id"] for v in versions) == ["cd-v2", "cd-v3", "cd-v4", "cd-v5"]
    assert rpcs(demo, mutated=True) == ["DeleteDatasetVersions"]


def test_pipeline_task_flow(pipeline: ModuleType, demo: EmulatorServer, instance: DagsterInstance) -> None:
    defs: Definitions = pipeline.defs
    created = defs.resolve_job_def("clarifai_create_task_job").execute_in_process(instance=instance)
    assert created.success
    task_id = created.output_for_node("clarifai_create_task")
    with ClarifaiClient(demo.client_config()) as client:
        assert client.get_task(task_id)["metadata"][TASK_MARKER_KEY]["orchestrator"] == "dagster"
        client.post_annotations(
            [
                {
                    "id": "a-1",
                    "input_id": "img-000001",
                    "task_id": task_id,
                    "data": {"concepts": [{"id": "dog", "value": 1}]},
                }
            ]
        )
    demo.admin.set_task_progress(task_id, status="TASK_DONE")

    sensor = defs.resolve_sensor_def("clarifai_task_sensor")
    with build_sensor_context(instance=instance, resources=defs.resources) as context:
        result = sensor(context)
    assert isinstance(result, SensorResult)
    assert [r.partition_key for r in result.run_requests or []] == [task_id]
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys or []))
    assert instance.get_dynamic_partitions(TASK_PARTITIONS.name or "") == [task_id]

    exported = _materialize(defs, [AssetKey(["clarifai", "task_annotations"])], instance, partition_key=task_id)
    assert exported.success
    table = pq.read_table(Path(os.environ["CLARIFAI_STORAGE"]) / "clarifai" / "task_annotations" / f"{task_id}.parquet")
    assert table.column("id").to_pylist() == ["a-1"]


def test_pipeline_puts_every_clarifai_step_in_one_pool(pipeline: ModuleType) -> None:
    defs: Definitions = pipeline.defs
    graph = defs.resolve_asset_graph()
    pools = {}
    for key in graph.get_all_asset_keys():
        assets_def = graph.get(key).assets_def
        if key == AssetKey(["clarifai", "app_report"]):
            continue  # it reads the inventory assets' frames, never the API
        if "clarifai" in assets_def.required_resource_keys:
            pools[key.to_user_string()] = assets_def.op.pool
    for job_name in ("clarifai_prune_job", "clarifai_create_task_job"):
        for node in defs.resolve_job_def(job_name).nodes:
            pools[f"{job_name}.{node.name}"] = node.definition.pool
    assert pools and set(pools.values()) == {"clarifai"}, pools
    assert defs.resources["clarifai"].rate_limit == 5  # 3 steps x 5/s within the API's 15/s
