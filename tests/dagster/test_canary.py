"""PAT canary: a unique PAT goes through every kind of Dagster run this package makes
(successful and failing, with retries) and must appear nowhere: event log entries,
metadata, run configs, asset values, anything under the instance's directory, console
output, DEBUG logs. (The daemon test also searches what the UI's GraphQL shows.)"""

import logging
import secrets
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, RetryPolicy, materialize
from dagster._serdes import serialize_value

from connector.emulator.testing import EmulatorServer
from connector.operations import SplitSpec
from dagster_assets import (
    ClarifaiParquetIOManager,
    InventoryCheckPolicy,
    LabelingTaskConfig,
    build_create_task_job,
    build_inventory_assets,
    build_inventory_checks,
    build_prune_job,
    build_split_assets,
)
from tests.dagster.helpers import make_resource


def _files_containing(root: Path, needle: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_the_pat_appears_nowhere(
    demo: EmulatorServer,
    instance: DagsterInstance,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    canary = f"canary-pat-{secrets.token_hex(12)}"
    demo.admin.reset(seed="demo", seed_inputs=200, pat=canary)
    monkeypatch.setenv("CLARIFAI_PAT", canary)
    caplog.set_level(logging.DEBUG)  # the connector's and httpx's DEBUG logs too
    storage = tmp_path / "parquet"
    resources: dict[str, Any] = {
        "clarifai": make_resource(demo),
        "clarifai_io_manager": ClarifaiParquetIOManager(base_path=str(storage)),
    }
    names = ["datasets", "dataset_versions", "tasks"]
    runs = [
        materialize(
            [*build_inventory_assets(names), *build_inventory_checks(names, policy=InventoryCheckPolicy())],
            resources=resources,
            instance=instance,
        ),
        materialize(
            build_split_assets(SplitSpec(dataset_id="street-scenes", ratios={"a": 0.5, "b": 0.5}), ratio_tolerance=0.2),
            resources=resources,
            instance=instance,
        ),
        build_prune_job().execute_in_process(resources=resources, instance=instance),
        build_create_task_job(
            config=LabelingTaskConfig(name="canary", concept_ids=["cat"], workers=["labeler-1"])
        ).execute_in_process(resources=resources, instance=instance),
    ]
    # Failures render errors: a retried transient one, a permanent one.
    demo.admin.script_fault("http_500_internal", count=3, rpc="ListDatasets")
    runs.append(
        materialize(
            build_inventory_assets(["datasets"], retry_policy=RetryPolicy(max_retries=1)),
            resources=resources,
            instance=instance,
        )
    )
    runs.append(
        materialize(
            build_inventory_assets(["dataset_versions"], scopes={"dataset_versions": {"datasets": ["nope"]}}),
            resources=resources,
            instance=instance,
            raise_on_error=False,
        )
    )
    assert [r.success for r in runs] == [True, True, True, True, True, False]

    # The PAT really was used: every request authenticated with it.
    assert demo.admin.requests() and demo.admin.violations() == []
    for run in runs:
        entries = instance.all_logs(run.run_id)
        assert entries
        for entry in entries:
            assert canary not in serialize_value(entry)
        stored = instance.get_run_by_id(run.run_id)
        assert stored is not None
        assert canary not in serialize_value(stored)  # run config and tags
        # The snapshots Dagster stores (compressed) with each run: a resource's configured
        # values land in the job snapshot, which is why the PAT is an EnvVar (the name only).
        assert stored.job_snapshot_id and stored.execution_plan_snapshot_id
        job_snapshot = serialize_value(instance.get_job_snapshot(stored.job_snapshot_id))
        assert canary not in job_snapshot and "CLARIFAI_PAT" in job_snapshot
        assert canary not in serialize_value(instance.get_execution_plan_snapshot(stored.execution_plan_snapshot_id))
    for record in caplog.records:
        assert canary not in record.getMessage()
    out, err = capfd.readouterr()
    assert canary not in out and canary not in err
    assert _files_containing(storage, canary.encode()) == []
    assert list(storage.rglob("*.parquet"))  # the asset values were written
    assert _files_containing(Path(instance.root_directory), canary.encode()) == []
