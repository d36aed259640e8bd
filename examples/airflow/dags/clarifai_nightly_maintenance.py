"""Nightly maintenance of a Clarifai app.

export inventories -> prune plan (dry run) -> the app report, with that plan -> gate on
the plan -> prune -> split each dataset -> snapshot each split target as a dataset version.

* The datasets to maintain are a DAG param; the split and the snapshots fan out over them
  with dynamic task mapping.
* The report (one HTML page, next to the exports) shows the app as the run found it and
  what the prune plan deletes and why: the page a person approving the plan looks at.
* ``dry_run`` (a DAG param) stops after the plan and the report: nothing is pruned,
  split or snapshotted.
* The gate approves the plan automatically when its guard passes and it deletes at most
  ``max_auto_delete`` versions (a short-circuit: otherwise the prune is skipped and the rest
  runs). With ``CLARIFAI_PRUNE_APPROVAL=human`` in the environment that parses the DAG, a
  human approves it instead (Airflow's ApprovalOperator, the plan's summary as its body; no
  answer within 12 hours rejects it).
* Every Clarifai task runs in the ``clarifai`` pool: its slots cap how many tasks call the
  API at once (create it: ``airflow pools set clarifai 4 "Clarifai API"``), and each task's
  client lowers its pace when the API answers 429.
* The split and the snapshots record an event on each target's Asset
  (``clarifai://<user>/<app>/datasets/<target>``, through the AssetAliases below): a DAG
  scheduled on a target runs after each new split or snapshot of it.
* Every step is idempotent: a retry adopts what the failed try created, a rerun of the
  same night writes nothing new.

Connection: ``clarifai_default`` (see docs/airflow.md). No API call at parse time.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import AssetAlias, Param, dag, task

from airflow_provider.operators import (
    ClarifaiCreateDatasetVersionOperator,
    ClarifaiExportInventoryOperator,
    ClarifaiPruneDatasetVersionsOperator,
    ClarifaiReportOperator,
    ClarifaiSplitDatasetOperator,
)

INVENTORIES = ("datasets", "dataset_versions", "tasks")
RUN_DIR = "{{ params.export_dir }}/{{ dag_run.run_after | ds_nodash }}"
EXPORT_PATH = RUN_DIR + "/%s.parquet"
#: Seconds between reads of a version being built (read when the DAG is parsed).
POLL_SECONDS = float(os.environ.get("CLARIFAI_POLL_SECONDS", "5"))


@dag(
    dag_id="clarifai_nightly_maintenance",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["clarifai"],
    default_args={"pool": "clarifai", "retries": 2, "retry_delay": timedelta(minutes=1)},
    params={
        "datasets": Param(["cats-dogs", "street-scenes"], type="array", description="source datasets to maintain"),
        "keep_last": Param(2, type="integer", minimum=1, description="READY versions kept per dataset"),
        "max_auto_delete": Param(10, type="integer", minimum=0, description="largest prune approved unattended"),
        "export_dir": Param("/tmp/clarifai-exports", type="string", description="where inventories go"),
        "seed": Param("nightly", type="string", description="split seed (reproducible assignment)"),
        "dry_run": Param(False, type="boolean", description="plan and report only: no prune, split or snapshot"),
    },
)
def clarifai_nightly_maintenance() -> None:
    exports = ClarifaiExportInventoryOperator.partial(task_id="export_inventory").expand_kwargs(
        [{"inventory": name, "path": EXPORT_PATH % name} for name in INVENTORIES]
    )

    @task
    def datasets_to_maintain(params: dict[str, Any]) -> list[str]:
        return list(params["datasets"])

    datasets = datasets_to_maintain()

    plan_prune = ClarifaiPruneDatasetVersionsOperator(
        task_id="plan_prune",
        dataset_ids=datasets,
        keep_last="{{ params.keep_last }}",
        dry_run=True,
    )

    report = ClarifaiReportOperator(
        task_id="report",
        path=RUN_DIR + "/report.html",
        prune_plan=plan_prune.output["plan"],
    )

    @task.short_circuit(task_id="writes_allowed")
    def writes_allowed(params: dict[str, Any]) -> bool:
        """A dry run stops here: everything after this task is skipped."""
        if params["dry_run"]:
            print("dry run: the plan and the report are made; nothing is pruned, split or snapshotted")
        return not params["dry_run"]

    allowed = writes_allowed()

    if os.environ.get("CLARIFAI_PRUNE_APPROVAL", "auto") == "human":
        from airflow.providers.standard.operators.hitl import ApprovalOperator

        gate = ApprovalOperator(
            task_id="approve_prune",
            subject="Prune Clarifai dataset versions ({{ dag_run.run_after | ds }})?",
            body="{{ ti.xcom_pull(task_ids='plan_prune')['summary'] }}",
            defaults="Reject",
            response_timeout=timedelta(hours=12),
        )
    else:

        @task.short_circuit(task_id="approve_prune", ignore_downstream_trigger_rules=False)
        def approve_prune(summary: dict[str, Any], params: dict[str, Any]) -> bool:
            """Approve unattended only a plan that passes its guard and deletes little."""
            would_delete = summary["counts"].get("would_delete", 0)
            approved = summary["guard"] is None and would_delete <= params["max_auto_delete"]
            print(
                f"prune plan deletes {would_delete} version(s); guard: {summary['guard'] or 'passes'}; "
                f"{'approved' if approved else 'left for a human: prune skipped'}"
            )
            return approved

        gate = approve_prune(plan_prune.output)

    prune = ClarifaiPruneDatasetVersionsOperator(task_id="prune", plan=plan_prune.output["plan"])

    split = ClarifaiSplitDatasetOperator.partial(
        task_id="split",
        ratios={"train": 0.8, "test": 0.2},
        seed="{{ params.seed }}",
        stratify=True,
        trigger_rule="none_failed",
        outlets=[AssetAlias("clarifai-split-targets")],
    ).expand(dataset_id=datasets)

    @task
    def split_targets(results: list[dict[str, Any]]) -> list[str]:
        return sorted(target for result in results for target in result["targets"].values())

    targets = split_targets(split.output)

    snapshot = ClarifaiCreateDatasetVersionOperator.partial(
        task_id="snapshot",
        description="nightly snapshot {{ dag_run.run_after | ds }}",
        deferrable=True,
        poll_interval=POLL_SECONDS,
        wait_timeout=3600,
        outlets=[AssetAlias("clarifai-snapshots")],
    ).expand(dataset_id=targets)

    exports >> plan_prune >> [report, allowed]
    allowed >> gate >> prune >> split
    targets >> snapshot


clarifai_nightly_maintenance()
