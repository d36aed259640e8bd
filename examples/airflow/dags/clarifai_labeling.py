"""A labeling round on Clarifai.

create a labeling task -> wait (deferred to the triggerer) until it is done -> export the
app's annotations -> clean up old finished tasks.

The task's id derives from the DAG run (a retry adopts the task its earlier try created, the
next run creates a new one). The wait frees its worker slot: the triggerer polls the task
with the async client until it is done or the sensor's timeout passes.

Connection: ``clarifai_default`` (see docs/airflow.md). No API call at parse time.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag

from airflow_provider.operators import (
    ClarifaiCleanupTasksOperator,
    ClarifaiCreateTaskOperator,
    ClarifaiExportInventoryOperator,
)
from airflow_provider.sensors import ClarifaiTaskSensor

#: Seconds between reads of the task while waiting (read when the DAG is parsed).
POLL_SECONDS = float(os.environ.get("CLARIFAI_POLL_SECONDS", "30"))


@dag(
    dag_id="clarifai_labeling",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["clarifai"],
    default_args={"pool": "clarifai", "retries": 2, "retry_delay": timedelta(seconds=30)},
    params={
        "dataset": Param("cats-dogs", type="string", description="dataset whose inputs are labeled"),
        "concepts": Param(["cat", "dog"], type="array"),
        "workers": Param(["labeler-1"], type="array", description="labelers' user ids"),
        "export_dir": Param("/tmp/clarifai-exports", type="string"),
        "cleanup_older_than": Param("30d", type="string", description="finished tasks older than this go"),
    },
)
def clarifai_labeling() -> None:
    create = ClarifaiCreateTaskOperator(
        task_id="create_task",
        name="label {{ params.dataset }} {{ dag_run.run_after | ds }}",
        concept_ids="{{ params.concepts | join(',') }}",
        workers="{{ params.workers | join(',') }}",
        input_source_id="{{ params.dataset }}",
    )
    wait = ClarifaiTaskSensor(
        task_id="wait_until_labeled",
        labeling_task_id=create.output["task_id"],
        deferrable=True,
        poke_interval=POLL_SECONDS,
        max_interval=4 * POLL_SECONDS,
        timeout=timedelta(days=7).total_seconds(),
    )
    export = ClarifaiExportInventoryOperator(
        task_id="export_annotations",
        inventory="annotations",
        path="{{ params.export_dir }}/annotations-{{ run_id | replace(':', '-') | replace('+', '-') }}.parquet",
    )
    cleanup = ClarifaiCleanupTasksOperator(task_id="cleanup_tasks", older_than="{{ params.cleanup_older_than }}")
    create >> wait >> export >> cleanup


clarifai_labeling()
