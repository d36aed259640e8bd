"""The labeling-task lifecycle in Dagster: create the task, wait for the labelers (a
sensor), export the annotations.

* :func:`build_create_task_job`: an op that creates a labeling task idempotently. The
  task id derives from the task name and a run key: the run's partition key when the
  job is partitioned, else the run's *root* run id, which a re-execution of the run
  (from failure, or by a run retry) keeps. A retried run therefore finds and adopts the
  task its first attempt created, never a second task. The task carries a marker in its
  metadata so the task sensor knows to watch it.
* :func:`build_task_annotations_asset`: an asset partitioned by task id (dynamic
  partitions), holding the task's annotations (``annotations`` inventory schema), one
  Parquet file per task.
* :func:`build_task_sensor`: a sensor that fires once per task when it is done (or its
  work/review percent passes a threshold): it adds the task as a partition and requests
  an export run of it. Its cursor remembers the tasks it fired for, so a second tick
  requests nothing again; run keys make a lost cursor harmless too.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd
from dagster import (
    AddDynamicPartitionsRequest,
    AssetExecutionContext,
    AssetsDefinition,
    AutomationCondition,
    Config,
    DefaultSensorStatus,
    DynamicPartitionsDefinition,
    In,
    JobDefinition,
    MetadataValue,
    OpDefinition,
    OpExecutionContext,
    Output,
    PartitionsDefinition,
    RetryPolicy,
    RunConfig,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    asset,
    job,
    op,
    sensor,
)
from pydantic import Field

from connector.errors import ConnectorError
from connector.inventory import to_dataframe
from connector.operations import ProgressEvent, TaskSpec, create_task, task_status
from connector.operations.async_waits import wait_task
from connector.operations.waits import check_task_until, classify_task, task_status_from
from dagster_assets.errors import is_permanent, raise_as_failure
from dagster_assets.inventory import IO_MANAGER_KEY, RESOURCE_KEY, prefixed_key
from dagster_assets.metadata import column_schema, frame_metadata, status_counts

__all__ = [
    "TASK_MARKER_KEY",
    "TASK_PARTITIONS",
    "LabelingTaskConfig",
    "WaitTaskConfig",
    "build_create_task_job",
    "build_create_task_op",
    "build_task_annotations_asset",
    "build_task_sensor",
    "build_wait_task_op",
    "task_run_key",
]

#: Metadata key a task created by the create-task op carries (watched by the sensor).
TASK_MARKER_KEY = "clarifai_connector"
#: Dynamic partitions of the annotation export: one per labeling task id.
TASK_PARTITIONS = DynamicPartitionsDefinition(name="clarifai_labeling_tasks")


class LabelingTaskConfig(Config):
    """Run config of the create-task op: the task (see ``TaskSpec`` in docs/operations.md)."""

    name: str = Field(description="Task name; with the run key it determines the task id.")
    concept_ids: list[str] = Field(description="Concepts to label.")
    workers: list[str] = Field(description="User ids of the labelers.")
    type: str = Field(default="classification", description="classification | bounding_box | polygon.")
    input_source: str = Field(default="ALL_INPUTS", description="ALL_INPUTS, DATASET or SAVED_SEARCH.")
    input_source_id: str | None = Field(default=None, description="Dataset or saved search id of the source.")
    worker_strategy: str = Field(default="FULL", description="FULL or PARTITIONED.")
    partition: str = Field(default="EVENLY", description="EVENLY or WEIGHTED (PARTITIONED strategy).")
    workers_per_input: int = Field(default=1, description="Workers per input (PARTITIONED strategy).")
    review: str = Field(default="NONE", description="NONE, MANUAL or CONSENSUS.")
    reviewers: list[str] = Field(default_factory=list, description="Reviewer user ids.")
    approval_threshold: int = Field(default=1, description="Consensus approval threshold.")
    priority: str | None = Field(default=None, description="LOW, MEDIUM or HIGH.")
    description: str = Field(default="", description="Task description.")
    task_id: str | None = Field(default=None, description="An explicit task id (default: from name and run key).")


def task_run_key(context: OpExecutionContext | AssetExecutionContext) -> str:
    """The run key a task id derives from: the partition key of a partitioned run,
    else the root run id (kept by re-executions and run retries)."""
    if context.has_partition_key:
        return context.partition_key
    run = context.run
    return run.root_run_id or run.run_id


def build_create_task_op(
    name: str = "clarifai_create_task",
    *,
    resource_key: str = RESOURCE_KEY,
    pool: str | None = None,
    retry_policy: RetryPolicy | None = None,
    tags: Mapping[str, str] | None = None,
) -> OpDefinition:
    """The create-task op (run config: :class:`LabelingTaskConfig`); outputs the task id.
    Idempotent across retries and re-executions (see the module docstring)."""

    @op(
        name=name,
        pool=pool,
        retry_policy=retry_policy,
        tags=dict(tags or {}),
        required_resource_keys={resource_key},
        description="Create (or adopt) a Clarifai labeling task; its id derives from the run.",
    )
    def _create_task(context: OpExecutionContext, config: LabelingTaskConfig) -> Output[str]:
        resource = getattr(context.resources, resource_key)
        run_key = task_run_key(context)
        with raise_as_failure("creating the labeling task"):
            spec = TaskSpec(
                name=config.name,
                concept_ids=tuple(config.concept_ids),
                workers=tuple(config.workers),
                type=config.type,
                input_source=config.input_source,
                input_source_id=config.input_source_id,
                worker_strategy=config.worker_strategy,
                partition=config.partition,
                workers_per_input=config.workers_per_input,
                review=config.review,
                reviewers=tuple(config.reviewers),
                approval_threshold=config.approval_threshold,
                priority=config.priority,
                description=config.description,
                task_id=config.task_id,
                run_key=run_key,
                metadata={TASK_MARKER_KEY: {"orchestrator": "dagster", "job": context.job_name, "run_key": run_key}},
            )
            with resource.get_client() as client:
                result = create_task(client, spec)
                status = task_status(client, spec.id)
        action = str(result.details.get("action"))
        context.log.info(f"labeling task {spec.id}: {action} (run key {run_key})")
        context.instance.add_run_tags(context.run_id, {"clarifai/task_id": spec.id})
        meta: dict[str, Any] = {
            "task_id": spec.id,
            "action": action,
            "run_key": run_key,
            "status": status.status,
            "inputs_estimated": status.inputs_estimated,
            "work_percent": status.work_percent,
            # GetTaskInputCount: per worker, inputs pending, awaiting review, done...; summed.
            "inputs_assigned": sum(int(v) for c in status.input_counts for k, v in c.items() if k != "user_id"),
        }
        if result.details.get("drift"):
            meta["drift"] = MetadataValue.text(str(result.details["drift"]))
        return Output(spec.id, metadata=meta)

    return _create_task


class WaitTaskConfig(Config):
    """Run config of the wait-task op."""

    until: Literal["done", "work", "review"] = Field(
        default="done", description="Wait until the task is done, or its work / review percent reached `percent`."
    )
    percent: float | None = Field(default=None, description="Percent for until=work / review.")
    timeout_seconds: float = Field(default=3600.0, description="Give up (WaitTimeoutError, retryable) after this.")
    interval_seconds: float = Field(default=5.0, description="First poll interval (backoff with jitter after).")
    max_interval_seconds: float = Field(default=60.0, description="Longest poll interval.")


def build_wait_task_op(
    name: str = "clarifai_wait_task",
    *,
    resource_key: str = RESOURCE_KEY,
    pool: str | None = None,
    retry_policy: RetryPolicy | None = None,
    tags: Mapping[str, str] | None = None,
) -> OpDefinition:
    """An async op that waits for the task whose id it receives (run config:
    :class:`WaitTaskConfig`) with :func:`connector.operations.async_waits.wait_task` on
    the run's async client, and passes the id on. For tasks that finish within a run
    (model-assisted labeling, small batches); for human labeling that takes days, use
    :func:`build_task_sensor`, which holds no run open. A waiting step holds its pool
    slot, so this op has no pool unless given one. A failed or won't-do task fails the
    step without a retry; the deadline fails it retryably."""

    @op(
        name=name,
        ins={"task_id": In(str)},
        pool=pool,
        retry_policy=retry_policy,
        tags=dict(tags or {}),
        required_resource_keys={resource_key},
        description="Wait (async) until a Clarifai labeling task is done or past a percent.",
    )
    async def _wait_task(context: OpExecutionContext, config: WaitTaskConfig, task_id: str) -> Output[str]:
        resource = getattr(context.resources, resource_key)

        def progress(event: ProgressEvent) -> None:
            context.log.debug(f"task {task_id}: {event.message}")

        with raise_as_failure(f"waiting for task {task_id!r}"):
            until, percent = check_task_until(config.until, config.percent)
            status = await wait_task(
                resource.get_async_client(),
                task_id,
                until=until,
                percent=percent,
                timeout=config.timeout_seconds,
                interval=config.interval_seconds,
                max_interval=config.max_interval_seconds,
                progress=progress,
            )
        return Output(
            task_id,
            metadata={
                "task_id": task_id,
                "status": status.status,
                "work_percent": status.work_percent,
                "review_percent": status.review_percent,
            },
        )

    return _wait_task


def build_create_task_job(
    name: str = "clarifai_create_task_job",
    *,
    config: LabelingTaskConfig | None = None,
    op_name: str = "clarifai_create_task",
    resource_key: str = RESOURCE_KEY,
    pool: str | None = None,
    retry_policy: RetryPolicy | None = None,
    tags: Mapping[str, str] | None = None,
    partitions_def: PartitionsDefinition | None = None,
) -> JobDefinition:
    """A job running the create-task op, with ``config`` as its default run config.
    Give ``partitions_def`` to derive task ids from partition keys (one task per
    partition: a week, a dataset version...)."""
    create = build_create_task_op(op_name, resource_key=resource_key, pool=pool, retry_policy=retry_policy, tags=tags)
    # Without a default config the run config is given at launch (an empty default
    # would make Dagster require it in the default itself).
    defaults: dict[str, Any] = {"config": RunConfig(ops={op_name: config})} if config else {}

    @job(
        name=name,
        **defaults,
        tags=dict(tags or {}),
        partitions_def=partitions_def,
        description="Create (or adopt, on a retry) a Clarifai labeling task.",
    )
    def _create_task_job() -> None:
        create()

    return _create_task_job


def build_task_annotations_asset(
    *,
    key_prefix: str | Sequence[str] | None = "clarifai",
    partitions_def: DynamicPartitionsDefinition = TASK_PARTITIONS,
    group_name: str | None = "clarifai",
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    pool: str | None = None,
    retry_policy: RetryPolicy | None = None,
    automation_condition: AutomationCondition | None = None,
    resource_key: str = RESOURCE_KEY,
    io_manager_key: str = IO_MANAGER_KEY,
) -> AssetsDefinition:
    """The annotations of one labeling task per partition (partition key = task id),
    as a DataFrame with the ``annotations`` inventory schema."""

    @asset(
        key=prefixed_key(key_prefix, "task_annotations"),
        partitions_def=partitions_def,
        description="Annotations made in one labeling task (partition = task id), annotations inventory schema.",
        group_name=group_name,
        tags=dict(tags or {}),
        owners=list(owners or []),
        pool=pool,
        retry_policy=retry_policy,
        automation_condition=automation_condition,
        io_manager_key=io_manager_key,
        required_resource_keys={resource_key},
        kinds={"clarifai", "pandas"},
        metadata={"dagster/column_schema": column_schema("annotations")},
    )
    def _task_annotations(context: AssetExecutionContext) -> Output[pd.DataFrame]:
        resource = getattr(context.resources, resource_key)
        task_id = context.partition_key
        with raise_as_failure(f"exporting the annotations of task {task_id!r}"), resource.get_client() as client:
            status = task_status(client, task_id)
            frame = to_dataframe(client, "annotations", params={"task_id": task_id})
        meta = frame_metadata("annotations", frame)
        meta.update(
            {
                "task_id": task_id,
                "task_status": status.status,
                "work_percent": status.work_percent,
                "review_percent": status.review_percent,
                "annotations_per_user": MetadataValue.json(status_counts(frame, "user_id")),
            }
        )
        return Output(frame, metadata=meta)

    return _task_annotations


def _read_cursor(cursor: str | None) -> dict[str, list[str]]:
    if not cursor:
        return {"fired": [], "failed": []}
    try:
        data = json.loads(cursor)
    except ValueError:
        return {"fired": [], "failed": []}
    return {"fired": list(data.get("fired") or []), "failed": list(data.get("failed") or [])}


def _is_marked(task: Mapping[str, Any]) -> bool:
    marker = (task.get("metadata") or {}).get(TASK_MARKER_KEY)
    return isinstance(marker, Mapping) and marker.get("orchestrator") == "dagster"


def build_task_sensor(
    *,
    target: AssetsDefinition | JobDefinition | Any,
    name: str = "clarifai_task_sensor",
    until: str = "done",
    percent: float | None = None,
    task_ids: Sequence[str] | None = None,
    partitions_def: DynamicPartitionsDefinition = TASK_PARTITIONS,
    minimum_interval_seconds: int = 60,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    resource_key: str = RESOURCE_KEY,
) -> SensorDefinition:
    """A sensor requesting one run of ``target`` (the annotations asset, or a job
    partitioned by ``partitions_def``) per labeling task, once the task is done
    (``until="done"``) or its work / review percent reached ``percent``
    (``until="work"`` / ``"review"``).

    Watched tasks: ``task_ids`` if given, else every task of the app the create-task op
    made (its metadata marker).
    A failed or won't-do task is logged and never fired for. One ListTasks call per tick,
    whatever the number of tasks.
    The cursor is JSON: ``{"fired": [...], "failed": [...]}``."""
    until, percent = check_task_until(until, percent)
    fixed_ids = list(task_ids) if task_ids is not None else None

    @sensor(
        name=name,
        target=target,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        required_resource_keys={resource_key},
        description=(
            f"Requests an annotation export per labeling task once it is {until}"
            + (f" {percent:g}%" if percent is not None else "")
            + "."
        ),
    )
    def _task_sensor(context: SensorEvaluationContext, **resources: Any) -> SensorResult | SkipReason:
        # Dagster passes the resource as a keyword when the sensor is called directly
        # (tests), and through the context when the daemon evaluates it.
        resource = resources.get(resource_key) or getattr(context.resources, resource_key)
        state = _read_cursor(context.cursor)
        fired, failed = set(state["fired"]), set(state["failed"])
        requests: list[RunRequest] = []
        new_partitions: list[str] = []
        pending: list[str] = []
        try:
            with resource.get_client() as client:
                tasks = {str(t["id"]): t for t in client.list_tasks()}
        except ConnectorError as exc:
            if is_permanent(exc):  # misconfigured (auth, app id...): fail the tick loudly
                raise
            return SkipReason(f"could not list the app's tasks, will try again: {exc}")
        if fixed_ids is not None:
            for missing in sorted(set(fixed_ids) - set(tasks)):
                context.log.warning(f"watched task {missing!r} does not exist")
            watched = [t for t in fixed_ids if t in tasks]
        else:
            watched = sorted(t for t, task in tasks.items() if _is_marked(task))
        existing = set(context.instance.get_dynamic_partitions(partitions_def.name or ""))
        for task_id in watched:
            if task_id in fired or task_id in failed:
                continue
            status = task_status_from(task_id, tasks[task_id])
            verdict = classify_task(status, until, percent)
            if verdict == "failed":
                context.log.warning(f"task {task_id} ended as {status.status}; no export is requested")
                failed.add(task_id)
            elif verdict == "done":
                fired.add(task_id)
                if task_id not in existing:
                    new_partitions.append(task_id)
                requests.append(
                    RunRequest(
                        run_key=f"{name}:{task_id}:{until}:{percent}",
                        partition_key=task_id,
                        tags={"clarifai/task_id": task_id, "clarifai/task_status": status.status},
                    )
                )
            else:
                pending.append(f"{task_id} ({status.status}, work {status.work_percent:g}%)")
        listed = set(watched)
        cursor = json.dumps({"fired": sorted(fired & listed), "failed": sorted(failed & listed)})
        if not requests:
            return SensorResult(
                skip_reason=SkipReason(
                    f"{len(watched)} task(s) watched; none newly {until}"
                    + (f" ({', '.join(pending[:5])})" if pending else "")
                ),
                cursor=cursor,
            )
        return SensorResult(
            run_requests=requests,
            dynamic_partitions_requests=[AddDynamicPartitionsRequest(partitions_def.name or "", new_partitions)]
            if new_partitions
            else [],
            cursor=cursor,
        )

    return _task_sensor
