"""The prune job: run config (policy, dry run, guard), the plan as a markdown table in the
run's metadata, a dry run that writes nothing, an apply that deletes exactly the plan."""

from typing import Any

import pytest
from dagster import DagsterInstance, RetryPolicy

from connector.emulator.testing import EmulatorServer
from connector.errors import ValidationError
from dagster_assets import PruneConfig, build_prune_job
from tests.dagster.helpers import rpcs


def _versions(server: EmulatorServer) -> dict[str, list[str]]:
    snap = server.admin.snapshot()["demo/demo"]["dataset_versions"]
    return {ds: sorted(v["id"] for v in versions) for ds, versions in snap.items()}


def _run(resources: dict[str, Any], instance: DagsterInstance, retry: RetryPolicy | None = None, **config: Any) -> Any:
    job = build_prune_job(retry_policy=retry)
    return job.execute_in_process(
        run_config={"ops": {"clarifai_prune": {"config": config}}},
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )


def _output_metadata(result: Any) -> dict[str, Any]:
    (event,) = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    return {k: v.value for k, v in event.event_specific_data.metadata.items()}


def test_dry_run_then_apply(demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance) -> None:
    before = _versions(demo)
    policy = {"keep_last": 2, "delete_failed_older_than_days": 1}
    result = _run(resources, instance, dry_run=True, **policy)
    assert result.success
    assert demo.admin.mutations() == []  # a dry run writes nothing
    assert _versions(demo) == before
    meta = _output_metadata(result)
    assert meta["versions_to_delete"] == 2
    assert meta["dry_run"] is True
    plan = meta["plan"]
    assert plan.startswith("| dataset_id | version_id | status |")
    assert "| cats-dogs | cd-v1 | DATASET_VERSION_READY |" in plan
    assert "protected: a model version was trained on it" in plan  # cd-v2 stays, and says why
    assert sorted(result.output_for_node("clarifai_prune")["would_delete"]) == ["cats-dogs/cd-v1", "cats-dogs/cd-v3"]

    result = _run(resources, instance, dry_run=False, **policy)
    assert result.success
    after = _versions(demo)
    assert after["cats-dogs"] == ["cd-v2", "cd-v4", "cd-v5"]
    assert after["products"] == before["products"] and after["street-scenes"] == before["street-scenes"]
    assert rpcs(demo, mutated=True) == ["DeleteDatasetVersions"]
    meta = _output_metadata(result)
    assert meta["versions_deleted"] == 2
    assert sorted(meta["deleted"]) == ["cats-dogs/cd-v1", "cats-dogs/cd-v3"]


def test_guard_refuses_before_any_write_and_is_not_retried(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance
) -> None:
    before = _versions(demo)
    result = _run(
        resources,
        instance,
        retry=RetryPolicy(max_retries=3),
        dry_run=False,
        keep_last=2,
        delete_failed_older_than_days=1,
        max_delete=1,
    )
    assert not result.success
    assert not [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data
    assert "refusing to prune: the plan deletes 2 versions, more than max_delete=1" in failure.error.message
    plan = failure.user_failure_data.metadata["plan"].value
    assert "| cats-dogs | cd-v1 |" in plan
    assert demo.admin.mutations() == []
    assert _versions(demo) == before

    result = _run(
        resources, instance, dry_run=False, keep_last=2, delete_failed_older_than_days=1, max_delete=1, force=True
    )
    assert result.success
    assert _versions(demo)["cats-dogs"] == ["cd-v2", "cd-v4", "cd-v5"]


def test_bad_policy_fails_without_a_write_or_a_retry(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance
) -> None:
    result = _run(resources, instance, retry=RetryPolicy(max_retries=2), keep_last=0, dry_run=False)
    assert not result.success
    assert not [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data
    assert "keep_last must be an integer >= 1" in failure.error.message
    assert demo.admin.requests() == []  # refused before the first request


def test_default_config_is_a_dry_run_and_is_validated() -> None:
    job = build_prune_job()
    assert job.run_config is not None
    assert job.run_config["ops"]["clarifai_prune"]["config"]["dry_run"] is True
    with pytest.raises(ValidationError, match="the prune job's default config is invalid"):
        build_prune_job(config=PruneConfig(keep_last=None))
