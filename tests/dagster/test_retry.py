"""A run re-executed after an injected failure adopts what its first attempt created:
the labeling task, the dataset versions, the dataset inputs. Nothing is duplicated: the
emulator's request log shows each create once, its state holds each object once."""

from pathlib import Path

import pytest
from dagster import DagsterInstance, ReexecutionOptions, execute_job, reconstructable

from connector.emulator.testing import EmulatorServer
from connector.operations import deterministic_id
from tests.dagster import retry_jobs
from tests.dagster.helpers import rpcs


@pytest.fixture(autouse=True)
def _storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLARIFAI_TEST_STORAGE", str(tmp_path / "store"))


def _reexecute(job: object, failed_run_id: str, instance: DagsterInstance) -> object:
    return execute_job(
        job,  # type: ignore[arg-type]
        instance=instance,
        reexecution_options=ReexecutionOptions.from_failure(failed_run_id, instance),
    )


def test_reexecuted_task_run_adopts_the_task_of_its_first_attempt(
    demo: EmulatorServer, instance: DagsterInstance
) -> None:
    # The task is created, then the status read after it fails for good (3 x 500 = the
    # resource's 3 attempts): the step fails after the write.
    demo.admin.script_fault("http_500_internal", count=3, rpc="GetTaskInputCount")
    job = reconstructable(retry_jobs.task_job)
    first = execute_job(job, instance=instance)
    assert not first.success
    task_id = deterministic_id("task", retry_jobs.TASK.name, first.run_id)
    assert task_id in {t["id"] for t in demo.admin.snapshot()["demo/demo"]["tasks"]}

    with _reexecute(job, first.run_id, instance) as second:  # type: ignore[attr-defined]
        assert second.success
        assert second.dagster_run.root_run_id == first.run_id
        assert second.output_for_node("clarifai_create_task") == task_id
    assert rpcs(demo, mutated=True) == ["PostTasks"]  # created once, adopted on re-execution
    tasks = [t["id"] for t in demo.admin.snapshot()["demo/demo"]["tasks"]]
    assert tasks.count(task_id) == 1 and len(tasks) == 4  # the seed's three and ours


def test_reexecuted_split_adopts_its_inputs_and_versions(demo: EmulatorServer, instance: DagsterInstance) -> None:
    # Every input is placed and the train target's version snapshotted; then reading the
    # test target's version fails for good: the step fails half way through the snapshots.
    demo.admin.script_fault("http_500_internal", count=3, rpc="GetDatasetVersion", path_regex="cats-dogs-test/")
    job = reconstructable(retry_jobs.split_job)
    first = execute_job(job, instance=instance)
    assert not first.success
    log_after_first = demo.admin.requests()
    added_first = [r for r in log_after_first if r["rpc"] == "PostDatasetInputs" and r["mutated"]]
    versions_first = [r["path"] for r in log_after_first if r["rpc"] == "PostDatasetVersions" and r["mutated"]]
    assert added_first and len(versions_first) == 1 and "/datasets/cats-dogs-train/" in versions_first[0]

    since = log_after_first[-1]["seq"]
    second = _reexecute(job, first.run_id, instance)
    assert second.success  # type: ignore[attr-defined]
    again = demo.admin.requests(since=since)
    assert not [r for r in again if r["rpc"] == "PostDatasetInputs"]  # every input was in place
    created = [r["path"] for r in again if r["rpc"] == "PostDatasetVersions" and r["mutated"]]
    assert sorted(p.split("/datasets/")[1].split("/")[0] for p in created) == ["cats-dogs-test", "cats-dogs-validation"]
    snap = demo.admin.snapshot()["demo/demo"]
    for target in ("cats-dogs-train", "cats-dogs-test", "cats-dogs-validation"):
        (version,) = snap["dataset_versions"][target]  # one version each: train's was adopted
        assert version["status"] == "DATASET_VERSION_READY"
    members = [set(snap["dataset_inputs"][t]) for t in ("cats-dogs-train", "cats-dogs-test", "cats-dogs-validation")]
    assert set().union(*members) == set(snap["dataset_inputs"]["cats-dogs"])
    assert sum(map(len, members)) == len(snap["dataset_inputs"]["cats-dogs"])  # no input twice
