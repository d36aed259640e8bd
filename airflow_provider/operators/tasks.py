"""Operators for the labeling-task lifecycle: create, update, mark done, delete, clean up.

Each wraps one operation of ``connector.operations.tasks``; all are idempotent (a retry or
a rerun writes nothing it already wrote). Clarifai's labeling tasks are called
``labeling_task_id`` here, apart from Airflow's ``task_id``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider.links.clarifai import ClarifaiDatasetLink, ClarifaiTaskLink, dataset_page, task_page
from airflow_provider.operators.base import (
    ClarifaiBaseOperator,
    as_list,
    as_mapping,
    as_timedelta,
    clarifai_errors,
    run_key,
)

if TYPE_CHECKING:
    from airflow.sdk import Context


class ClarifaiCreateTaskOperator(ClarifaiBaseOperator):
    """Create a labeling task, or adopt the one an earlier try of this task instance made.

    The task id is ``labeling_task_id`` if given, else derived from ``name`` and the task
    instance (``dag_id/task_id/run_id/map_index``): a retry adopts its own task, a new DAG
    run creates a new one. An existing task with that id that differs (type, input source,
    strategies) fails the task without retry. Arguments are validated before any write.
    Returns ``{"task_id", "action", "created", "drift"}``; the id is also pushed to XCom
    under key ``task_id``.

    :param name: the task's name.
    :param concept_ids: concepts to label.
    :param workers: user ids of the labelers.
    :param type: ``classification``, ``bounding_box`` or ``polygon``.
    :param input_source_id: a dataset id (with ``input_source="DATASET"``, the default
        when it is given) or a saved search id (``input_source="SAVED_SEARCH"``).
    """

    template_fields: Sequence[str] = (
        *ClarifaiBaseOperator.template_fields,
        "name",
        "concept_ids",
        "workers",
        "reviewers",
        "input_source_id",
        "labeling_task_id",
        "description",
    )
    operator_extra_links = (ClarifaiTaskLink(), ClarifaiDatasetLink())
    ui_color = "#e6f4d7"

    def __init__(
        self,
        *,
        name: str,
        concept_ids: Sequence[str] | str,
        workers: Sequence[str] | str,
        type: str = "classification",
        input_source: str | None = None,
        input_source_id: str | None = None,
        worker_strategy: str = "FULL",
        partition: str = "EVENLY",
        weights: Mapping[str, float] | None = None,
        workers_per_input: int = 1,
        review: str = "NONE",
        reviewers: Sequence[str] | str | None = None,
        approval_threshold: int = 1,
        sample_percentage: int = 100,
        priority: str | None = None,
        description: str = "",
        metadata: Mapping[str, Any] | None = None,
        labeling_task_id: str | None = None,
        dry_run: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.concept_ids = concept_ids
        self.workers = workers
        self.type = type
        self.input_source = input_source
        self.input_source_id = input_source_id
        self.worker_strategy = worker_strategy
        self.partition = partition
        self.weights = weights
        self.workers_per_input = workers_per_input
        self.review = review
        self.reviewers = reviewers
        self.approval_threshold = approval_threshold
        self.sample_percentage = sample_percentage
        self.priority = priority
        self.description = description
        self.metadata = metadata
        self.labeling_task_id = labeling_task_id
        self.plan_only = dry_run  # not self.dry_run: BaseOperator.dry_run() renders templates

    def spec(self, context: Context) -> Any:
        """The ``TaskSpec`` this task instance creates (validated)."""
        from connector.operations import TaskSpec

        source = self.input_source or ("DATASET" if self.input_source_id else "ALL_INPUTS")
        return TaskSpec(
            name=self.name,
            concept_ids=tuple(as_list(self.concept_ids) or ()),
            workers=tuple(as_list(self.workers) or ()),
            type=self.type,
            input_source=source,
            input_source_id=self.input_source_id or None,
            worker_strategy=self.worker_strategy,
            partition=self.partition,
            weights=dict(self.weights or {}),
            workers_per_input=self.workers_per_input,
            review=self.review,
            reviewers=tuple(as_list(self.reviewers) or ()),
            approval_threshold=self.approval_threshold,
            sample_percentage=self.sample_percentage,
            priority=self.priority,
            description=self.description,
            metadata=dict(self.metadata or {}),
            task_id=self.labeling_task_id or None,
            run_key=None if self.labeling_task_id else run_key(context),
        )

    def execute(self, context: Context) -> dict[str, Any]:
        from connector.operations import create_task

        with clarifai_errors(f"create labeling task ({self.task_id})"), self.client() as client:
            spec = self.spec(context)
            result = create_task(client, spec, dry_run=self.plan_only, progress=self.progress)
            cfg = client.config
            self.set_link("task", task_page(self.portal, cfg.user_id, cfg.app_id or "", spec.id))
            if spec.input_source == "DATASET" and spec.input_source_id:
                self.set_link("dataset", dataset_page(self.portal, cfg.user_id, cfg.app_id or "", spec.input_source_id))
        context["ti"].xcom_push(key="task_id", value=spec.id)
        self.log.info("labeling task %s: %s", spec.id, result.details["action"])
        return {
            "task_id": spec.id,
            "action": result.details["action"],
            "created": bool(result.counts.get("created")),
            "drift": result.details.get("drift", ""),
        }


class ClarifaiUpdateTaskOperator(ClarifaiBaseOperator):
    """Change a labeling task's workers, reviewers and/or concepts (``mode``: ``merge``
    adds, ``overwrite`` replaces, ``remove`` takes away). Patches only when something
    changes, so a rerun writes nothing; refuses to leave a task without workers or
    concepts. Returns ``{"task_id", "changes", "mode"}``."""

    template_fields: Sequence[str] = (
        *ClarifaiBaseOperator.template_fields,
        "labeling_task_id",
        "workers",
        "reviewers",
        "concepts",
    )
    operator_extra_links = (ClarifaiTaskLink(),)

    def __init__(
        self,
        *,
        labeling_task_id: str,
        workers: Sequence[str] | str | None = None,
        reviewers: Sequence[str] | str | None = None,
        concepts: Sequence[str] | str | None = None,
        mode: str = "merge",
        dry_run: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.labeling_task_id = labeling_task_id
        self.workers = workers
        self.reviewers = reviewers
        self.concepts = concepts
        self.mode = mode
        self.plan_only = dry_run  # not self.dry_run: BaseOperator.dry_run() renders templates

    def execute(self, context: Context) -> dict[str, Any]:
        from connector.operations import update_task

        with clarifai_errors(f"update labeling task ({self.task_id})"), self.client() as client:
            result = update_task(
                client,
                self.labeling_task_id,
                workers=as_list(self.workers),
                reviewers=as_list(self.reviewers),
                concepts=as_list(self.concepts),
                mode=self.mode,
                dry_run=self.plan_only,
            )
            cfg = client.config
            self.set_link("task", task_page(self.portal, cfg.user_id, cfg.app_id or "", self.labeling_task_id))
        return {"task_id": self.labeling_task_id, "changes": result.details["changes"], "mode": result.details["mode"]}


class ClarifaiMarkTaskDoneOperator(ClarifaiBaseOperator):
    """Mark a labeling task done (unless it already is; idempotent).
    Returns ``{"task_id", "marked_done"}``."""

    template_fields: Sequence[str] = (*ClarifaiBaseOperator.template_fields, "labeling_task_id")
    operator_extra_links = (ClarifaiTaskLink(),)

    def __init__(self, *, labeling_task_id: str, dry_run: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.labeling_task_id = labeling_task_id
        self.plan_only = dry_run  # not self.dry_run: BaseOperator.dry_run() renders templates

    def execute(self, context: Context) -> dict[str, Any]:
        from connector.operations import mark_done

        with clarifai_errors(f"mark labeling task done ({self.task_id})"), self.client() as client:
            result = mark_done(client, self.labeling_task_id, dry_run=self.plan_only)
            cfg = client.config
            self.set_link("task", task_page(self.portal, cfg.user_id, cfg.app_id or "", self.labeling_task_id))
        return {"task_id": self.labeling_task_id, "marked_done": bool(result.counts.get("marked_done"))}


class ClarifaiDeleteTasksOperator(ClarifaiBaseOperator):
    """Delete labeling tasks by id; a task already gone counts as deleted (idempotent).
    Returns ``{"deleted": [...]}`` (``would_delete`` with ``dry_run``)."""

    template_fields: Sequence[str] = (*ClarifaiBaseOperator.template_fields, "labeling_task_ids")

    def __init__(self, *, labeling_task_ids: Sequence[str] | str, dry_run: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.labeling_task_ids = labeling_task_ids
        self.plan_only = dry_run  # not self.dry_run: BaseOperator.dry_run() renders templates

    def execute(self, context: Context) -> dict[str, Any]:
        from connector.operations import delete_task

        with clarifai_errors(f"delete labeling tasks ({self.task_id})"), self.client() as client:
            result = delete_task(client, as_list(self.labeling_task_ids) or [], dry_run=self.plan_only)
        return {"dry_run": result.dry_run, **result.ids}


class ClarifaiCleanupTasksOperator(ClarifaiBaseOperator):
    """Delete finished labeling tasks (done, won't do, failed; idle with ``include_idle``)
    untouched for longer than ``older_than``; or apply a cleanup plan made earlier
    (``plan=...``, after review: tasks reopened or worked on since are kept).

    The plan goes to XCom under key ``plan``. Idempotent. Returns
    ``{"dry_run", "counts", "ids"}``."""

    template_fields: Sequence[str] = (*ClarifaiBaseOperator.template_fields, "older_than", "plan")

    def __init__(
        self,
        *,
        older_than: timedelta | float | str = timedelta(days=30),
        include_idle: bool = True,
        dry_run: bool = False,
        plan: Mapping[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.older_than = older_than
        self.include_idle = include_idle
        self.plan_only = dry_run  # not self.dry_run: BaseOperator.dry_run() renders templates
        self.plan = plan

    def execute(self, context: Context) -> dict[str, Any]:
        from connector.operations import CleanupPlan, apply_cleanup, cleanup_tasks

        with clarifai_errors(f"clean up labeling tasks ({self.task_id})"), self.client() as client:
            if self.plan is not None:
                plan = CleanupPlan.from_dict(as_mapping(self.plan, "plan"))
                result = apply_cleanup(client, plan, progress=self.progress)
            else:
                older = as_timedelta(self.older_than, "older_than") or timedelta(0)
                plan, result = cleanup_tasks(
                    client, older, dry_run=self.plan_only, include_idle=self.include_idle, progress=self.progress
                )
                context["ti"].xcom_push(key="plan", value=plan.to_dict())
        return {"dry_run": result.dry_run, "counts": result.counts, "ids": result.ids}
