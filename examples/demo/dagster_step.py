"""Step 3 of ``make demo``: materialize the Dagster project of examples/dagster/pipeline.

Run by examples/demo/demo.py in a process of its own (Dagster is imported here only),
with CLARIFAI_* pointing at the API, CLARIFAI_STORAGE where the Parquet files and the
report go, and a throwaway DAGSTER_HOME. In order:

1. the stratified 70/20/10 split of ``cats-dogs`` (one asset per target dataset, three
   blocking checks on each) and the training manifest downstream of it;
2. the labeling-task flow: the job creates a task; the emulated labelers annotate some
   inputs and finish it (through the emulator's admin API); the task sensor sees it done
   and requests the task's annotation export, which is materialized for that partition;
3. the inventory assets with their checks, and the app report built from them.

With ``--read-only`` (a real API without ``--apply``) only step 3 runs. Everything it
did is written as JSON to ``--summary`` for demo.py to show; Dagster's own logs go to
this process's output, which demo.py keeps in demo-output/logs/dagster.log.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from dagster import AssetKey, DagsterInstance, Definitions, EnvVar, SensorResult, build_sensor_context

from connector.config import DEFAULT_BASE_URL
from dagster_assets import ClarifaiResource, split_asset_keys

PIPELINE = Path(__file__).resolve().parents[1] / "dagster" / "pipeline" / "definitions.py"
#: Inputs the emulated labelers annotate before they call the task done.
LABELED_BY_THE_LABELERS = 12
#: How long the sensor may take to see the task done.
SENSOR_DEADLINE = 60.0


def load_pipeline() -> ModuleType:
    spec = importlib.util.spec_from_file_location("clarifai_demo_pipeline", PIPELINE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def definitions(pipeline: ModuleType, rate_limit: float) -> Definitions:
    """The project's definitions, its resource allowed ``rate_limit`` requests/s: the
    example gives each step 5 (3 steps run at once in its pool); here one step runs at a
    time (in process), so it may use the account's whole budget."""
    defs: Definitions = pipeline.defs
    resource = ClarifaiResource(
        pat=EnvVar("CLARIFAI_PAT"),
        user_id=EnvVar("CLARIFAI_USER_ID"),
        app_id=EnvVar("CLARIFAI_APP_ID"),
        base_url=os.environ.get("CLARIFAI_API_BASE") or DEFAULT_BASE_URL,
        rate_limit=rate_limit,
    )
    return Definitions(
        assets=list(defs.assets or []),
        asset_checks=list(defs.asset_checks or []),
        jobs=list(defs.jobs or []),
        sensors=list(defs.sensors or []),
        schedules=list(defs.schedules or []),
        resources={**defs.resources, "clarifai": resource},
    )


def materialize(defs: Definitions, keys: list[AssetKey], instance: DagsterInstance, **kwargs: Any) -> dict[str, Any]:
    """Run the assets ``keys`` (with their checks) in one run; what it made."""
    job = defs.resolve_implicit_job_def_def_for_assets(keys)
    assert job is not None, keys
    result = job.execute_in_process(instance=instance, asset_selection=keys, raise_on_error=False, **kwargs)
    checks = [
        {
            "asset": e.asset_key.to_user_string(),
            "check": e.check_name,
            "passed": e.passed,
            "severity": e.severity.value,
        }
        for e in result.get_asset_check_evaluations()
    ]
    assets = {
        e.asset_key.to_user_string(): {k: _plain(v.value) for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
    }
    return {"success": result.success, "checks": checks, "assets": assets}


def _plain(value: Any) -> Any:
    """A metadata value as JSON can hold it (tables and schemas as their text)."""
    try:
        json.dumps(value)
    except Exception:  # Dagster records refuse even to be iterated
        return str(value)
    return value


def split_step(pipeline: ModuleType, defs: Definitions, instance: DagsterInstance) -> dict[str, Any]:
    keys = list(split_asset_keys(pipeline.PETS_SPLIT).values())
    manifest = AssetKey(["clarifai", "cats_dogs_training_manifest"])
    out = materialize(defs, [*keys, manifest], instance)
    out["targets"] = {
        k.to_user_string(): out["assets"].get(k.to_user_string(), {}).get("dagster/row_count") for k in keys
    }
    out["manifest_rows"] = out["assets"].get(manifest.to_user_string(), {}).get("dagster/row_count")
    return out


def task_step(defs: Definitions, instance: DagsterInstance, admin_url: str) -> dict[str, Any]:
    """Create the task, play the labelers, let the sensor fire, export the annotations."""
    from connector.client import ClarifaiClient
    from connector.config import ClarifaiConfig
    from connector.emulator.testing import EmulatorAdmin

    created = defs.resolve_job_def("clarifai_create_task_job").execute_in_process(instance=instance)
    if not created.success:
        return {"success": False, "stage": "create the task"}
    task_id = created.output_for_node("clarifai_create_task")
    # The labelers: a few annotations made in the task, then the task is done.
    with ClarifaiClient(ClarifaiConfig.from_env()) as client:
        source = client.get_task(task_id)["input_source"]["id"]
        inputs = [
            m["input"]["id"] for m in client.list_dataset_inputs(source, per_page=LABELED_BY_THE_LABELERS, max_pages=1)
        ]
        client.post_annotations(
            [
                {
                    "id": f"{task_id}-ann-{n}",
                    "input_id": input_id,
                    "task_id": task_id,
                    "data": {"concepts": [{"id": "cat" if n % 2 else "dog", "value": 1}]},
                }
                for n, input_id in enumerate(inputs[:LABELED_BY_THE_LABELERS])
            ]
        )
    with EmulatorAdmin(admin_url) as admin:
        admin.set_task_progress(task_id, status="TASK_DONE", work_percent=100)

    sensor = defs.resolve_sensor_def("clarifai_task_sensor")
    deadline = time.monotonic() + SENSOR_DEADLINE
    ticks = 0
    requests: list[str | None] = []
    cursor = None
    while time.monotonic() < deadline:
        with build_sensor_context(instance=instance, resources=defs.resources, cursor=cursor) as context:
            result = sensor(context)
            ticks += 1
        if isinstance(result, SensorResult):
            cursor = result.cursor or cursor
            for request in result.dynamic_partitions_requests or []:
                instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys or []))
            requests += [r.partition_key for r in result.run_requests or []]
            if task_id in requests:  # (a rerun's sensor may also fire for an earlier run's task)
                break
        time.sleep(0.5)
    if task_id not in requests:
        return {"success": False, "stage": "the sensor", "task_id": task_id, "ticks": ticks}
    exported = materialize(defs, [AssetKey(["clarifai", "task_annotations"])], instance, partition_key=task_id)
    rows = exported["assets"].get("clarifai/task_annotations", {}).get("dagster/row_count")
    return {
        "success": exported["success"],
        "task_id": task_id,
        "labeled": len(inputs[:LABELED_BY_THE_LABELERS]),
        "sensor_ticks": ticks,
        "exported_rows": rows,
    }


def inventory_step(pipeline: ModuleType, defs: Definitions, instance: DagsterInstance) -> dict[str, Any]:
    keys = [AssetKey(["clarifai", name]) for name in pipeline.INVENTORIES]
    report = AssetKey(["clarifai", "app_report"])
    out = materialize(defs, [*keys, report], instance)
    out["rows"] = {k.path[-1]: out["assets"].get(k.to_user_string(), {}).get("dagster/row_count") for k in keys}
    out["report"] = out["assets"].get(report.to_user_string(), {})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", type=Path, required=True, help="where to write what was done (JSON)")
    parser.add_argument("--emulator-admin", help="the emulator's address: the demo plays its labelers")
    parser.add_argument("--read-only", action="store_true", help="inventories, checks and the report only")
    parser.add_argument("--rate-limit", type=float, default=15.0, help="requests/s of the one step running")
    args = parser.parse_args()

    pipeline = load_pipeline()
    defs = definitions(pipeline, args.rate_limit)
    summary: dict[str, Any] = {"read_only": args.read_only}
    with DagsterInstance.get() as instance:
        if not args.read_only:
            summary["split"] = split_step(pipeline, defs, instance)
            if args.emulator_admin:
                summary["task"] = task_step(defs, instance, args.emulator_admin)
        summary["inventories"] = inventory_step(pipeline, defs, instance)
    steps = [v for v in summary.values() if isinstance(v, dict)]
    summary["success"] = all(step.get("success") for step in steps)
    args.summary.write_text(json.dumps(summary, indent=2, default=str))
    return 0 if summary["success"] else 1


if __name__ == "__main__":
    sys.exit(main())
