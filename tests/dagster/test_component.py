"""ClarifaiAppComponent loaded from YAML in a sandboxed dg project: `{{ env.X }}` becomes an
EnvVar read at run time, every option reaches the definitions it builds."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster import AssetKey, Definitions, EnvVar
from dagster.components.testing import create_defs_folder_sandbox

from connector.emulator.testing import EmulatorServer
from dagster_assets import ClarifaiAppComponent, ClarifaiResource
from tests.dagster.helpers import checks_by_name

FULL: dict[str, Any] = {
    "pat": "{{ env.CLARIFAI_PAT }}",
    "user_id": "{{ env('CLARIFAI_USER_ID') }}",
    "app_id": "demo",
    "base_url": "{{ env.CLARIFAI_API_BASE }}",
    "pool": "clarifai",
    "rate_limit": 5,
    "step_retries": 3,
    "tags": {"team": "vision"},
    "owners": ["team:vision"],
    "inventories": {
        "names": ["datasets", "tasks", "dataset_versions"],
        "automation_condition": "{{ dg.AutomationCondition.on_cron('0 6 * * *') }}",
        "row_count_bounds": {"datasets": [1, None]},
    },
    "splits": [{"dataset_id": "cats-dogs", "ratios": {"train": 0.8, "test": 0.2}, "seed": 2026, "stratify": True}],
    "pruning": {"keep_last": 2, "cron_schedule": "0 3 * * 0"},
    "tasks": {"export_when": "work", "percent": 80, "sensor_running": True},
    "dataset_versions": {"datasets": ["cats-dogs"]},
}


@contextmanager
def _load(attributes: dict[str, Any]) -> Iterator[tuple[ClarifaiAppComponent, Definitions]]:
    with create_defs_folder_sandbox() as sandbox:
        path = sandbox.defs_folder_path / "clarifai_app"
        path.mkdir()
        (path / "defs.yaml").write_text(
            yaml.safe_dump({"type": "dagster_assets.ClarifaiAppComponent", "attributes": attributes})
        )
        with sandbox.load_component_and_build_defs(defs_path=path) as (component, defs):
            assert isinstance(component, ClarifaiAppComponent)
            yield component, defs


def test_env_templates_become_envvars_read_at_run_time(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CLARIFAI_PAT", "CLARIFAI_USER_ID", "CLARIFAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)  # loading needs none of them
    with _load(FULL) as (component, defs):
        assert isinstance(component.pat, EnvVar) and component.pat.env_var_name == "CLARIFAI_PAT"
        assert isinstance(component.user_id, EnvVar) and component.user_id.env_var_name == "CLARIFAI_USER_ID"
        assert component.app_id == "demo"  # a literal stays a literal
        resource = defs.resources["clarifai"]
        assert isinstance(resource, ClarifaiResource)
        assert resource.pat == "CLARIFAI_PAT"  # the name, never a value read at load time
        assert resource.rate_limit == 5


def test_every_option_reaches_the_definitions() -> None:
    with _load(FULL) as (_, defs):
        graph = defs.resolve_asset_graph()
        keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
        assert keys == {
            "clarifai/datasets",
            "clarifai/tasks",
            "clarifai/dataset_versions",
            "clarifai/splits/cats-dogs-train",
            "clarifai/splits/cats-dogs-test",
            "clarifai/task_annotations",
            "clarifai/dataset_version_inputs",
        }
        datasets = graph.get(AssetKey(["clarifai", "datasets"]))
        assert datasets.automation_condition is not None
        assert datasets.owners == ["team:vision"] and datasets.tags["team"] == "vision"
        for key in graph.get_all_asset_keys():
            op = graph.get(key).assets_def.op
            assert op.pool == "clarifai" and op.retry_policy is not None and op.retry_policy.max_retries == 3
        split = graph.get(AssetKey(["clarifai", "splits", "cats-dogs-train"])).assets_def
        assert split.op.name == "clarifai_split_cats_dogs"
        check_names = {k.name for k in graph.asset_check_keys}
        assert {
            "unique_ids",
            "row_count_bounds",
            "no_stale_tasks",
            "no_unresolved_failed_versions",
            "no_leakage",
        } <= check_names
        assert {j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")} == {
            "clarifai_prune_job",
            "clarifai_create_task_job",
        }
        assert defs.resolve_schedule_def("clarifai_prune_schedule").cron_schedule == "0 3 * * 0"
        sensor = defs.resolve_sensor_def("clarifai_task_sensor")
        assert sensor.default_status.value == "RUNNING"
        assert "work 80%" in (sensor.description or "")
        assert defs.resolve_sensor_def("clarifai_dataset_version_sensor").default_status.value == "STOPPED"
        prune_config = defs.resolve_job_def("clarifai_prune_job").run_config
        assert prune_config is not None
        assert prune_config["ops"]["clarifai_prune"]["config"]["keep_last"] == 2


def test_component_materializes_against_the_emulator(demo: EmulatorServer, tmp_path: Path) -> None:
    attributes = {**FULL, "storage_path": str(tmp_path / "parquet"), "splits": [], "pruning": None}
    with _load(attributes) as (_, defs):
        keys = [AssetKey(["clarifai", n]) for n in ("datasets", "tasks", "dataset_versions")]
        job = defs.resolve_implicit_job_def_def_for_assets(keys)
        assert job is not None
        result = job.execute_in_process(asset_selection=keys)
        assert result.success
    assert checks_by_name(result)[("clarifai/datasets", "row_count_bounds")].passed
    assert sorted(p.name for p in (tmp_path / "parquet" / "clarifai").iterdir()) == [
        "dataset_versions.parquet",
        "datasets.parquet",
        "tasks.parquet",
    ]
    assert demo.admin.mutations() == []


def _chain(exc: BaseException | None) -> str:
    texts = []
    while exc is not None:
        texts.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    return "\n".join(texts)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"inventories": {"names": ["nope"]}}, "unknown inventories ['nope']"),
        ({"splits": [{"dataset_id": "cats-dogs", "ratios": {"train": 0.9, "test": 0.3}}]}, "ratios must sum to 1"),
        ({"pruning": {"keep_last": 0}}, "keep_last must be an integer >= 1"),
        ({"tasks": {"export_when": "work"}}, "needs percent in (0, 100]"),
    ],
)
def test_bad_attributes_fail_at_load_naming_the_problem(change: dict[str, Any], message: str) -> None:
    with (
        pytest.raises(Exception, match="clarifai_app") as caught,
        _load({**FULL, **change}),
    ):
        pass
    assert message in _chain(caught.value)
