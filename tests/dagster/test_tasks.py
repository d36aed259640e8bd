"""The labeling-task flow: create the task (idempotent per run key), the sensor fires once
per finished task, the annotation export per task partition."""

from typing import Any

import pyarrow.parquet as pq
from dagster import (
    DagsterInstance,
    RetryPolicy,
    SensorDefinition,
    SensorResult,
    StaticPartitionsDefinition,
    build_sensor_context,
    job,
    materialize,
)

from connector.client import ClarifaiClient
from connector.emulator.testing import EmulatorServer
from dagster_assets import (
    TASK_MARKER_KEY,
    TASK_PARTITIONS,
    LabelingTaskConfig,
    build_create_task_job,
    build_task_annotations_asset,
    build_task_sensor,
    build_wait_task_op,
)
from dagster_assets.tasks import build_create_task_op
from tests.dagster.helpers import materialized, rpcs

TASK = LabelingTaskConfig(
    name="label pets",
    concept_ids=["cat", "dog"],
    workers=["labeler-1"],
    input_source="DATASET",
    input_source_id="cats-dogs",
)


def _create(resources: dict[str, Any], instance: DagsterInstance, **kwargs: Any) -> Any:
    job = build_create_task_job(config=TASK, **kwargs)
    return job.execute_in_process(resources=resources, instance=instance)


def _tick(sensor: SensorDefinition, resources: dict[str, Any], instance: DagsterInstance, cursor: str | None) -> Any:
    """One tick: the sensor function's SensorResult (the daemon test runs real ticks)."""
    with build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        result = sensor(context)
    assert isinstance(result, SensorResult)
    return result


def _tasks(server: EmulatorServer) -> dict[str, str]:
    return {t["id"]: t["status"] for t in server.admin.snapshot()["demo/demo"]["tasks"]}


def test_create_task_marks_it_and_tags_the_run(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance
) -> None:
    result = build_create_task_job(config=TASK).execute_in_process(resources=resources, instance=instance)
    assert result.success
    task_id = result.output_for_node("clarifai_create_task")
    assert _tasks(demo)[task_id] == "TASK_IN_PROGRESS"
    with ClarifaiClient(demo.client_config()) as client:
        task = client.get_task(task_id)
    marker = task["metadata"][TASK_MARKER_KEY]
    assert marker == {"orchestrator": "dagster", "job": "clarifai_create_task_job", "run_key": result.run_id}
    assert instance.get_run_by_id(result.run_id).tags["clarifai/task_id"] == task_id
    assert rpcs(demo, mutated=True) == ["PostTasks"]


def test_same_partition_adopts_the_task(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance
) -> None:
    weeks = StaticPartitionsDefinition(["2026-w01", "2026-w02"])
    job = build_create_task_job(config=TASK, partitions_def=weeks)
    first = job.execute_in_process(resources=resources, instance=instance, partition_key="2026-w01")
    again = job.execute_in_process(resources=resources, instance=instance, partition_key="2026-w01")
    other = job.execute_in_process(resources=resources, instance=instance, partition_key="2026-w02")
    task_id = first.output_for_node("clarifai_create_task")
    assert again.output_for_node("clarifai_create_task") == task_id
    assert other.output_for_node("clarifai_create_task") != task_id
    assert rpcs(demo, mutated=True) == ["PostTasks", "PostTasks"]  # one per partition, none for the rerun
    actions = [
        e.event_specific_data.metadata["action"].value
        for r in (first, again)
        for e in r.all_events
        if e.event_type_value == "STEP_OUTPUT"
    ]
    assert actions == ["create", "adopt"]


def test_sensor_fires_once_when_a_task_is_done_then_exports_its_annotations(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance, storage: Any
) -> None:
    created = build_create_task_job(config=TASK).execute_in_process(resources=resources, instance=instance)
    task_id = created.output_for_node("clarifai_create_task")
    annotations = build_task_annotations_asset()
    sensor = build_task_sensor(target=annotations)

    pending = _tick(sensor, resources, instance, None)
    assert not pending.run_requests
    assert pending.skip_reason is not None
    assert task_id in pending.skip_reason.skip_message and "TASK_IN_PROGRESS" in pending.skip_reason.skip_message

    # Labelers annotate inside the task, then the task is marked done.
    with ClarifaiClient(demo.client_config()) as client:
        client.post_annotations(
            [
                {
                    "id": f"t-ann-{n}",
                    "input_id": f"img-{n:06d}",
                    "task_id": task_id,
                    "data": {"concepts": [{"id": "cat", "value": 1}]},
                }
                for n in (1, 2, 3)
            ]
        )
    demo.admin.set_task_progress(task_id, status="TASK_DONE")

    fired = _tick(sensor, resources, instance, pending.cursor)
    assert [(r.partition_key, r.run_key) for r in fired.run_requests] == [
        (task_id, f"clarifai_task_sensor:{task_id}:done:None")
    ]
    (request,) = fired.dynamic_partitions_requests
    assert (request.partitions_def_name, list(request.partition_keys)) == (TASK_PARTITIONS.name, [task_id])
    # The seed's review-products task is done too, but no job of ours made it: not watched.
    assert "review-products" not in fired.cursor

    again = _tick(sensor, resources, instance, fired.cursor)
    assert not again.run_requests and not again.dynamic_partitions_requests

    instance.add_dynamic_partitions(TASK_PARTITIONS.name, [task_id])
    result = materialize([annotations], resources=resources, instance=instance, partition_key=task_id)
    assert result.success
    meta = materialized(result)["clarifai/task_annotations"]
    assert meta["dagster/row_count"].value == 3
    assert meta["task_status"].value == "TASK_DONE"
    table = pq.read_table(storage / "clarifai" / "task_annotations" / f"{task_id}.parquet")
    assert sorted(table.column("id").to_pylist()) == ["t-ann-1", "t-ann-2", "t-ann-3"]
    assert set(table.column("task_id").to_pylist()) == {task_id}
    # Only the listing filtered by the task was made, no other annotation read.
    queries = [r["query"] for r in demo.admin.requests() if r["rpc"] == "ListAnnotations"]
    assert queries and all(f"task_id={task_id}" in q for q in queries)


def test_sensor_percent_threshold_failed_tasks_and_explicit_ids(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance
) -> None:
    sensor = build_task_sensor(
        target=build_task_annotations_asset(), until="work", percent=50, task_ids=["label-pets", "street-backlog"]
    )
    first = _tick(sensor, resources, instance, None)
    assert not first.run_requests  # label-pets is at 40% in the demo seed
    demo.admin.set_task_progress("label-pets", work_percent=55)
    demo.admin.set_task_progress("street-backlog", status="TASK_WONT_DO")
    second = _tick(sensor, resources, instance, first.cursor)
    assert [r.partition_key for r in second.run_requests] == ["label-pets"]
    assert '"failed": ["street-backlog"]' in second.cursor
    third = _tick(sensor, resources, instance, second.cursor)
    assert not third.run_requests
    assert demo.admin.mutations() == []  # the sensor only reads


def test_async_wait_op_waits_on_the_runs_async_client(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance
) -> None:
    demo.admin.set_options(task_work_seconds=0.4)  # the task moves to done on its own
    create, wait = build_create_task_op(), build_wait_task_op()

    @job
    def label_and_wait() -> None:
        wait(create())

    config = {
        "ops": {
            "clarifai_create_task": {"config": TASK.model_dump(exclude_none=True)},
            "clarifai_wait_task": {
                "config": {"interval_seconds": 0.05, "max_interval_seconds": 0.1, "timeout_seconds": 30}
            },
        }
    }
    result = label_and_wait.execute_in_process(run_config=config, resources=resources, instance=instance)
    assert result.success
    task_id = result.output_for_node("clarifai_wait_task")
    assert _tasks(demo)[task_id] == "TASK_DONE"
    assert rpcs(demo).count("GetTask") >= 2  # polled, not read once


def test_async_wait_op_fails_without_retry_on_a_wont_do_task(
    demo: EmulatorServer, resources: dict[str, Any], instance: DagsterInstance
) -> None:
    demo.admin.set_task_progress("street-backlog", status="TASK_WONT_DO")
    wait = build_wait_task_op(retry_policy=RetryPolicy(max_retries=2))

    @job
    def wait_only() -> None:
        wait()

    result = wait_only.execute_in_process(
        run_config={"ops": {"clarifai_wait_task": {"inputs": {"task_id": "street-backlog"}}}},
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    assert not [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data
    assert "ended as TASK_WONT_DO" in failure.error.message
    facts = {k: v.value for k, v in failure.user_failure_data.metadata.items()}
    assert facts["error"] == "WaitFailedError" and facts["kind"] == "task" and facts["object_id"] == "street-backlog"
