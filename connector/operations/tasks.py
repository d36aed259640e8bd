"""Labeling-task lifecycle: create (idempotent), watch, update, mark done, delete,
and a cleanup policy with a dry run.

A task's id is deterministic: given explicitly, or derived from its name and an optional
run key, so a rerun finds the task it created before. Creating a task whose id exists
adopts it when it is the same task (name, type, input source, worker and review
strategies: the fields no lifecycle step changes; workers, reviewers and concepts may
have been updated since) and raises :class:`~connector.errors.ConflictError`
when it differs.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from connector.errors import (
    ConflictError,
    MissingObjectError,
    NotFoundError,
    ValidationError,
    VerificationError,
)
from connector.ids import id_problem, shown
from connector.objects import Task
from connector.operations.base import (
    OperationResult,
    Plan,
    ProgressCallback,
    Stopwatch,
    check_field,
    check_timestamp,
    chunked,
    deterministic_id,
    human_duration,
    parse_time,
    report,
    unique,
    utcnow,
)
from connector.operations.batches import run_batches, write_concurrency
from connector.operations.checks import (
    check_bool,
    check_callback,
    check_client,
    check_id,
    check_ids,
    check_now,
    check_type,
    require_app,
)
from connector.operations.idempotent import create_or_adopt, read_or_none
from connector.operations.waits import TaskStatus, TaskUntil, wait_task
from connector.protocols import ClientProtocol
from connector.status_codes import StatusCode, code_name, status_code_of

logger = logging.getLogger(__name__)

TASK_TYPES = {
    "classification": "CONCEPTS_CLASSIFICATION",
    "bounding_box": "BOUNDING_BOX_DETECTION",
    "polygon": "POLYGON_DETECTION",
}
WORKER_STRATEGIES = ("FULL", "PARTITIONED")
PARTITION_TYPES = ("EVENLY", "WEIGHTED")
REVIEW_STRATEGIES = ("NONE", "MANUAL", "CONSENSUS")
INPUT_SOURCES = ("ALL_INPUTS", "DATASET", "SAVED_SEARCH")
PRIORITIES = ("LOW", "MEDIUM", "HIGH")
UPDATE_MODES = ("overwrite", "merge", "remove")

TASK_DONE, TASK_WONT_DO, TASK_FAILED, TASK_IDLE = (
    StatusCode.TASK_DONE,
    StatusCode.TASK_WONT_DO,
    StatusCode.TASK_FAILED,
    StatusCode.TASK_IDLE,
)


def _enum(value: object, allowed: Sequence[str], what: str, aliases: Mapping[str, str] | None = None) -> str:
    """``value`` as one of ``allowed`` (case-insensitive, or an alias); ValidationError
    naming the argument ``what`` otherwise."""
    text = value.strip() if isinstance(value, str) else None
    if text is not None and aliases and text.lower() in aliases:
        return aliases[text.lower()]
    if text is not None and text.upper() in allowed:
        return text.upper()
    choices = sorted(set(allowed) | set(aliases or ()))
    raise ValidationError(
        "{argument} must be one of {choices}, got {value}", argument=what, choices=choices, value=shown(value)
    )


def _ids(values: object, what: str, argument: str) -> tuple[str, ...]:
    """User or concept ids (one id as a string, or a collection), each in the API's id
    format, without repeats; ValidationError naming ``argument``."""
    if values is None:
        return ()
    return tuple(check_ids(argument, values, what, empty=True))


def _whole(argument: str, value: object, low: int, high: int, hint: str = "") -> int:
    """A whole number in ``[low, high]`` (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            "{argument} must be a whole number from {low} to {high}{hint}, got {value}",
            argument=argument,
            low=low,
            high=high,
            hint=hint,
            value=shown(value),
        )
    return value


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """A labeling task to create. Validated on creation (ValidationError).

    ``type``: classification | bounding_box | polygon (or the API enum names);
    ``input_source``: ALL_INPUTS, DATASET (``input_source_id`` = dataset id) or
    SAVED_SEARCH (``input_source_id`` = search id); ``worker_strategy`` FULL or
    PARTITIONED (``partition`` EVENLY or WEIGHTED with ``weights`` per worker);
    ``review`` NONE, MANUAL or CONSENSUS (``reviewers`` required unless NONE).
    """

    name: str
    concept_ids: tuple[str, ...]
    workers: tuple[str, ...]
    type: str = "classification"
    input_source: str = "ALL_INPUTS"
    input_source_id: str | None = None
    worker_strategy: str = "FULL"
    partition: str = "EVENLY"
    weights: Mapping[str, float] = dataclasses.field(default_factory=dict)
    workers_per_input: int = 1
    review: str = "NONE"
    reviewers: tuple[str, ...] = ()
    approval_threshold: int = 1
    sample_percentage: int = 100
    priority: str | None = None
    description: str = ""
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    task_id: str | None = None
    run_key: str | None = None

    def __post_init__(self) -> None:
        s = object.__setattr__
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValidationError(
                "a task needs a non-empty {argument}, got {value}", argument="name", value=shown(self.name)
            )
        s(self, "type", _enum(self.type, tuple(TASK_TYPES.values()), "type", TASK_TYPES))
        s(self, "concept_ids", _ids(self.concept_ids, "concept id", "concept_ids"))
        if not self.concept_ids:
            raise ValidationError("a task needs at least one concept id in {argument}", argument="concept_ids")
        s(self, "workers", _ids(self.workers, "worker user id", "workers"))
        if not self.workers:
            raise ValidationError("a task needs at least one worker user id in {argument}", argument="workers")
        s(self, "input_source", _enum(self.input_source, INPUT_SOURCES, "input_source"))
        if self.input_source != "ALL_INPUTS":
            if self.input_source_id is None:
                raise ValidationError(
                    "{input_source} {source} needs {argument} (the dataset or saved search id)",
                    argument="input_source_id",
                    source=self.input_source,
                )
            check_id("input_source_id", self.input_source_id, f"{self.input_source.lower().replace('_', ' ')} id")
        if self.input_source == "ALL_INPUTS" and self.input_source_id:
            raise ValidationError(
                "{argument} is only for DATASET or SAVED_SEARCH sources ({input_source})", argument="input_source_id"
            )
        s(self, "worker_strategy", _enum(self.worker_strategy, WORKER_STRATEGIES, "worker_strategy"))
        s(self, "partition", _enum(self.partition, PARTITION_TYPES, "partition"))
        if not isinstance(self.weights, Mapping):
            raise ValidationError(
                "{argument} must be a mapping of worker user id to weight, got {value}",
                argument="weights",
                value=shown(self.weights),
            )
        s(self, "weights", dict(self.weights or {}))
        if self.worker_strategy == "PARTITIONED":
            _whole("workers_per_input", self.workers_per_input, 1, len(self.workers), " (the number of workers)")
            if self.partition == "WEIGHTED":
                if set(self.weights) != set(self.workers):
                    raise ValidationError(
                        "WEIGHTED partition needs one weight per worker ({argument} keys = {workers})",
                        argument="weights",
                    )
                if any(
                    isinstance(w, bool) or not isinstance(w, int | float) or not w > 0 for w in self.weights.values()
                ):
                    raise ValidationError("{argument} must be positive numbers", argument="weights")
        elif self.weights:
            raise ValidationError(
                "{argument} apply to {worker_strategy} PARTITIONED with {partition} WEIGHTED only", argument="weights"
            )
        s(self, "review", _enum(self.review, REVIEW_STRATEGIES, "review"))
        s(self, "reviewers", _ids(self.reviewers, "reviewer user id", "reviewers"))
        if self.review != "NONE" and not self.reviewers:
            raise ValidationError(
                "{review} {strategy} needs at least one reviewer in {argument}",
                argument="reviewers",
                strategy=self.review,
            )
        if self.review == "NONE" and self.reviewers:
            raise ValidationError("{argument} given but {review} is NONE", argument="reviewers")
        if self.review == "CONSENSUS":
            _whole("approval_threshold", self.approval_threshold, 1, len(self.workers), " (the number of workers)")
        _whole("sample_percentage", self.sample_percentage, 1, 100)
        if self.priority is not None:
            s(self, "priority", _enum(self.priority, PRIORITIES, "priority"))
        if not isinstance(self.description, str):
            raise ValidationError(
                "{argument} must be a string, got {value}", argument="description", value=shown(self.description)
            )
        if not isinstance(self.metadata, Mapping):
            raise ValidationError(
                "{argument} must be a mapping, got {value}", argument="metadata", value=shown(self.metadata)
            )
        s(self, "metadata", dict(self.metadata or {}))
        if self.task_id is not None:
            check_id("task_id", self.task_id, "task id")
        if self.run_key is not None and (not isinstance(self.run_key, str) or not self.run_key.strip()):
            raise ValidationError(
                "{argument} must be a non-empty string, got {value}", argument="run_key", value=shown(self.run_key)
            )

    @property
    def id(self) -> str:
        """The task id: ``task_id`` if given, else derived from ``name`` and ``run_key``."""
        return self.task_id or deterministic_id("task", self.name, self.run_key or "")

    def to_task(self) -> dict[str, Any]:
        """The API Task object this spec creates (snake_case proto field names)."""
        worker: dict[str, Any] = {
            "strategy": self.worker_strategy,
            "workers": [{"user": {"id": u}} for u in self.workers],
        }
        if self.worker_strategy == "PARTITIONED":
            info: dict[str, Any] = {"type": self.partition, "workers_per_input": self.workers_per_input}
            if self.partition == "WEIGHTED":
                info["weights"] = {k: float(v) for k, v in self.weights.items()}
            worker["partitioned_strategy_info"] = info
        review: dict[str, Any] = {"strategy": self.review}
        if self.review != "NONE":
            review["users"] = [{"id": u} for u in self.reviewers]
        if self.review == "MANUAL":
            review["manual_strategy_info"] = {"sample_percentage": self.sample_percentage / 100.0}
        if self.review == "CONSENSUS":
            review["consensus_strategy_info"] = {"approval_threshold": int(self.approval_threshold)}
        source: dict[str, Any] = {"type": self.input_source}
        if self.input_source_id:
            source["id"] = self.input_source_id
        task: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "worker": worker,
            "concept_ids": list(self.concept_ids),
            "input_source": source,
            "review": review,
        }
        if self.priority:
            task["priority"] = self.priority
        if self.metadata:
            task["metadata"] = dict(self.metadata)
        return task


# -- reading a task back in a comparable form -------------------------------------------


def worker_ids(task: Mapping[str, Any]) -> list[str]:
    worker = task.get("worker") or {}
    ids = list(worker.get("user_ids") or [])
    ids += [((w.get("user") or {}).get("id")) for w in worker.get("workers") or [] if (w.get("user") or {}).get("id")]
    ids += [u.get("id") for u in worker.get("users") or [] if u.get("id")]
    return sorted(set(ids))


def reviewer_ids(task: Mapping[str, Any]) -> list[str]:
    review = task.get("review") or {}
    ids = list(review.get("user_ids") or []) + [u.get("id") for u in review.get("users") or [] if u.get("id")]
    return sorted(set(ids))


def concept_ids(task: Mapping[str, Any]) -> list[str]:
    ids = list(task.get("concept_ids") or [])
    ids += [
        ((c.get("concept") or {}).get("id")) for c in task.get("concepts") or [] if (c.get("concept") or {}).get("id")
    ]
    return sorted(set(ids))


def identity(task: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that make two tasks "the same task" for adopt-on-conflict: those no
    lifecycle step changes (name, type, input source, worker and review strategies).
    Workers, reviewers and concepts are left out on purpose: :func:`update_task` changes
    them, and a pipeline "create, then update" rerun after a crash must adopt its task."""
    source = task.get("input_source") or {}
    return {
        "name": task.get("name") or "",
        "type": str(task.get("type") or ""),
        "input_source": [str(source.get("type") or "ALL_INPUTS"), source.get("id") or ""],
        "worker_strategy": str((task.get("worker") or {}).get("strategy") or ""),
        "review": str((task.get("review") or {}).get("strategy") or "NONE"),
    }


def essence(task: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`identity` plus the mutable membership: concepts, workers, reviewers."""
    return {
        **identity(task),
        "concepts": concept_ids(task),
        "workers": worker_ids(task),
        "reviewers": reviewer_ids(task),
    }


# -- create -----------------------------------------------------------------------------


def create_task(
    client: ClientProtocol, spec: TaskSpec, *, dry_run: bool = False, progress: ProgressCallback | None = None
) -> OperationResult:
    """Create the task unless it exists (idempotent). An existing identical task is
    adopted; a different one raises ConflictError; "outcome unknown" is resolved by
    reading back. ``dry_run`` reports what would happen and writes nothing."""
    check_client(client)
    check_type("spec", spec, TaskSpec, "a TaskSpec")
    check_bool("dry_run", dry_run)
    check_callback("progress", progress)
    watch = Stopwatch(client)
    body = spec.to_task()
    want = identity(body)
    existing = read_or_none(lambda: client.get_task(spec.id))
    if existing is not None and identity(existing) != want:
        raise ConflictError(
            f"task {spec.id!r} exists and differs from the requested one "
            f"({_diff(identity(existing), want)}); use another name/run key or delete it first"
        )
    if existing is None:
        # "Not found" may mean the app is missing: say so before the first write.
        if spec.input_source == "DATASET":
            _require_dataset(client, spec.input_source_id or "")
        else:
            require_app(client)
    action = "adopt" if existing is not None else "create"
    if dry_run or existing is not None:
        task = existing or body
        created = False
    else:
        task, created = create_or_adopt(
            lambda: client.post_tasks([body])[0],
            lambda: read_or_none(lambda: client.get_task(spec.id)),
            what=f"task {spec.id}",
            same=lambda t: identity(t) == want,
        )
        if not created:
            action = "adopt"
    drift = _diff(essence(existing), essence(body)) if existing is not None else ""
    report(progress, "tasks", action, 1, 1, spec.id)
    return OperationResult(
        operation="tasks.create",
        dry_run=dry_run,
        counts={"created": int(created), "adopted": int(action == "adopt")},
        ids={"task": [spec.id]},
        elapsed=watch.elapsed,
        requests=watch.requests,
        details={
            "action": ("would " + action) if dry_run else action,
            "task": task if isinstance(task, dict) else body,
            "drift": drift,
        },
    )


def _require_dataset(client: ClientProtocol, dataset_id: str) -> None:
    """MissingObjectError (before any write) when the task's source dataset (or the app)
    is missing."""
    try:
        client.get_dataset(dataset_id)
    except NotFoundError as exc:
        require_app(client)
        raise MissingObjectError(
            "input source dataset {dataset!r} does not exist in app {app!r}; "
            "create it (or fix {argument}) before creating the task",
            argument="input_source_id",
            dataset=dataset_id,
            app=client.config.app_id,
        ) from exc


def _get_task(client: ClientProtocol, task_id: str) -> Task:
    """GetTask; on "not found", MissingObjectError if it is the app that is missing."""
    try:
        return client.get_task(task_id)
    except NotFoundError:
        require_app(client)
        raise


def _diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}: {a.get(k)!r} != {b.get(k)!r}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k))


# -- watch ------------------------------------------------------------------------------


def watch_task(
    client: ClientProtocol,
    task_id: str,
    *,
    until: TaskUntil = "done",
    percent: float | None = None,
    timeout: float = 3600.0,
    interval: float = 1.0,
    max_interval: float = 30.0,
    progress: ProgressCallback | None = None,
) -> TaskStatus:
    """Wait until the task is done (``until="done"``) or its estimated work percent
    (``until="work"``) / review percent (``until="review"``) reaches ``percent``.
    WaitFailedError when the task fails or is marked WONT_DO; WaitTimeoutError at the
    deadline. Read-only. The same as :func:`connector.operations.waits.wait_task`."""
    check_client(client)
    check_callback("progress", progress)
    return wait_task(
        client,
        task_id,
        until=until,
        percent=percent,
        timeout=timeout,
        interval=interval,
        max_interval=max_interval,
        progress=progress,
    )


# -- update, done, delete ----------------------------------------------------------------


def _merge(current: Sequence[str], given: Sequence[str] | None, mode: str) -> list[str] | None:
    if given is None:
        return None
    given = list(dict.fromkeys(given))
    if mode == "overwrite":
        return given
    if mode == "merge":
        return list(dict.fromkeys([*current, *given]))
    return [c for c in current if c not in set(given)]


def _update_mode(mode: object) -> str:
    text = mode.strip().lower() if isinstance(mode, str) else None
    if text not in UPDATE_MODES:
        raise ValidationError(
            "{argument} must be one of {modes}, got {value}",
            argument="mode",
            modes=list(UPDATE_MODES),
            value=shown(mode),
        )
    return text


def update_task(
    client: ClientProtocol,
    task_id: str,
    *,
    workers: Sequence[str] | None = None,
    reviewers: Sequence[str] | None = None,
    concepts: Sequence[str] | None = None,
    mode: str = "merge",
    dry_run: bool = False,
) -> OperationResult:
    """Change a task's workers, reviewers and/or concepts: ``mode`` overwrite (replace),
    merge (add) or remove. Reads the task, computes the new lists, and patches only if
    something changes (so a rerun writes nothing). Refuses to leave a task with no
    worker or no concept (ValidationError)."""
    check_client(client)
    check_id("task_id", task_id, "task id")
    mode = _update_mode(mode)
    check_bool("dry_run", dry_run)
    if workers is None and reviewers is None and concepts is None:
        raise ValidationError(
            "nothing to update: give {workers}, {reviewers} or {concepts}",
            argument="workers",
            spell={"workers": "workers=[...]", "reviewers": "reviewers=[...]", "concepts": "concepts=[...]"},
        )
    workers = _ids(workers, "worker user id", "workers") if workers is not None else None
    reviewers = _ids(reviewers, "reviewer user id", "reviewers") if reviewers is not None else None
    concepts = _ids(concepts, "concept id", "concepts") if concepts is not None else None
    watch = Stopwatch(client)
    task = _get_task(client, task_id)
    changes = _member_changes(task, task_id, workers, reviewers, concepts, mode)
    if changes and not dry_run:
        _patch_members(client, task, task_id, changes)
    return OperationResult(
        operation="tasks.update",
        dry_run=dry_run,
        counts={"changed_fields": len(changes)},
        ids={"task": [task_id]},
        elapsed=watch.elapsed,
        requests=watch.requests,
        details={"changes": changes, "before": {k: MEMBER_FIELDS[k](task) for k in changes}, "mode": mode},
    )


def _member_changes(
    task: Mapping[str, Any],
    task_id: str,
    workers: Sequence[str] | None,
    reviewers: Sequence[str] | None,
    concepts: Sequence[str] | None,
    mode: str,
) -> dict[str, list[str]]:
    """The new worker/reviewer/concept lists ``mode`` makes of ``task``'s, only those
    that differ from now. ValidationError when the task would be left with no worker,
    no concept, or (with a review) no reviewer."""
    new_workers = _merge(worker_ids(task), workers, mode)
    new_reviewers = _merge(reviewer_ids(task), reviewers, mode)
    new_concepts = _merge(concept_ids(task), concepts, mode)
    if new_workers is not None and not new_workers:
        raise ValidationError(
            "the update would leave task {task!r} with no worker ({argument}, mode {mode})",
            argument="workers",
            task=task_id,
            mode=mode,
        )
    if new_concepts is not None and not new_concepts:
        raise ValidationError(
            "the update would leave task {task!r} with no concept ({argument}, mode {mode})",
            argument="concepts",
            task=task_id,
            mode=mode,
        )
    review_strategy = str((task.get("review") or {}).get("strategy") or "NONE")
    if new_reviewers is not None and review_strategy != "NONE" and not new_reviewers:
        raise ValidationError(
            "the update would leave task {task!r} ({strategy} review) with no reviewer ({argument}, mode {mode})",
            argument="reviewers",
            task=task_id,
            strategy=review_strategy,
            mode=mode,
        )
    changes: dict[str, list[str]] = {}
    if new_workers is not None and sorted(new_workers) != worker_ids(task):
        changes["workers"] = new_workers
    if new_reviewers is not None and sorted(new_reviewers) != reviewer_ids(task):
        changes["reviewers"] = new_reviewers
    if new_concepts is not None and sorted(new_concepts) != concept_ids(task):
        changes["concepts"] = new_concepts
    return changes


#: Field of an update -> how to read it from a task (sorted ids).
MEMBER_FIELDS = {"workers": worker_ids, "reviewers": reviewer_ids, "concepts": concept_ids}


def _patch_members(
    client: ClientProtocol, task: Mapping[str, Any], task_id: str, changes: Mapping[str, Sequence[str]]
) -> None:
    """PatchTasks (overwrite) ``task`` with the new member lists, then read it back
    (VerificationError when a list is not the one sent)."""
    patched = _strip_readonly(task)
    if "workers" in changes:
        worker = dict(patched.get("worker") or {})
        worker.pop("user_ids", None)
        worker.pop("users", None)
        worker["workers"] = [{"user": {"id": u}} for u in changes["workers"]]
        info = worker.get("partitioned_strategy_info") or {}
        if info.get("weights"):
            weights = {u: info["weights"].get(u, 1.0) for u in changes["workers"]}
            worker["partitioned_strategy_info"] = {**info, "weights": weights}
        patched["worker"] = worker
    if "reviewers" in changes:
        review = dict(patched.get("review") or {})
        review.pop("user_ids", None)
        review["users"] = [{"id": u} for u in changes["reviewers"]]
        patched["review"] = review
    if "concepts" in changes:
        patched.pop("concepts", None)
        patched["concept_ids"] = list(changes["concepts"])
    client.patch_tasks([patched], action="overwrite")
    after = client.get_task(task_id)
    for key, getter in MEMBER_FIELDS.items():
        if key in changes and getter(after) != sorted(changes[key]):
            raise VerificationError(
                f"task {task_id!r}: {key} read back as {getter(after)}, expected {sorted(changes[key])}"
            )


_READONLY = ("created_at", "modified_at", "metrics", "app_id", "user_id", "status")


def _strip_readonly(task: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in task.items() if k not in _READONLY}


def mark_done(client: ClientProtocol, task_id: str, *, dry_run: bool = False) -> OperationResult:
    """Mark the task done (PatchTasks with status TASK_DONE) unless it already is.
    Idempotent."""
    check_client(client)
    check_id("task_id", task_id, "task id")
    check_bool("dry_run", dry_run)
    watch = Stopwatch(client)
    task = _get_task(client, task_id)
    already = status_code_of(task) == TASK_DONE
    if not already and not dry_run:
        patched = _strip_readonly(task)
        patched["status"] = {"code": "TASK_DONE"}
        client.patch_tasks([patched], action="overwrite")
        if status_code_of(client.get_task(task_id)) != TASK_DONE:
            raise VerificationError(f"task {task_id!r} is not TASK_DONE after marking it done")
    return OperationResult(
        operation="tasks.done",
        dry_run=dry_run,
        counts={"marked_done": int(not already)},
        ids={"task": [task_id]},
        elapsed=watch.elapsed,
        requests=watch.requests,
    )


def delete_task(client: ClientProtocol, task_ids: str | Sequence[str], *, dry_run: bool = False) -> OperationResult:
    """Delete tasks; "not found" counts as deleted (idempotent). The app is read first
    (MissingObjectError when it does not exist: a delete there would pass for done)."""
    check_client(client)
    ids = check_ids("task_ids", task_ids, "task id")
    check_bool("dry_run", dry_run)
    watch = Stopwatch(client)
    require_app(client)
    if not dry_run:
        run_batches(list(chunked(ids, 100)), client.delete_tasks, concurrency=write_concurrency(client))
    return OperationResult(
        operation="tasks.delete",
        dry_run=dry_run,
        counts={"deleted": 0 if dry_run else len(ids)},
        ids={"deleted" if not dry_run else "would_delete": ids},
        elapsed=watch.elapsed,
        requests=watch.requests,
    )


# -- cleanup ----------------------------------------------------------------------------


@dataclasses.dataclass
class CleanupPlan(Plan):
    """Every task of the app with ``action`` (keep/delete) and ``reason``."""

    older_than_seconds: float = 0.0
    now: str = ""

    OPERATIONS = ("tasks.cleanup", "tasks.delete")
    ACTIONS = frozenset({"keep", "delete", "absent"})
    ROW_IDS = ("task_id",)
    ROW_TYPES: ClassVar[Mapping[str, tuple[type, ...]]] = {
        "name": (str,),
        "status": (str, type(None)),
        "modified_at": (str, type(None)),
        "age_days": (int, float, type(None)),
        "reason": (str,),
    }

    @classmethod
    def check_fields(cls, values: Mapping[str, Any]) -> None:
        super().check_fields(values)
        for n, row in enumerate(values["rows"]):
            check_timestamp(f"rows[{n}].modified_at", row.get("modified_at"))
        seconds = values.get("older_than_seconds", 0.0)
        check_field("older_than_seconds", seconds, (int, float))
        if seconds < 0:
            raise ValidationError(
                "plan field {argument} must be 0 or more, got {value!r}", argument="older_than_seconds", value=seconds
            )
        check_timestamp("now", values.get("now", ""))

    def columns(self) -> Sequence[str]:
        return ("task_id", "name", "status", "modified_at", "age_days", "action", "reason")

    @property
    def to_delete(self) -> list[str]:
        return [r["task_id"] for r in self.rows if r["action"] == "delete"]


def decide_cleanup(
    tasks: Iterable[Mapping[str, Any]], older_than: timedelta, *, now: datetime, include_idle: bool = True
) -> list[dict[str, Any]]:
    """Pure: a task is deleted when it is done, won't-do or failed ("abandoned"; also
    idle when ``include_idle``) and was last modified longer than ``older_than`` ago."""
    finished: dict[int | None, str] = {TASK_DONE: "done", TASK_WONT_DO: "abandoned (won't do)", TASK_FAILED: "failed"}
    if include_idle:
        finished[TASK_IDLE] = "abandoned (idle)"
    rows = []
    for t in sorted(tasks, key=lambda t: str(t.get("id"))):
        code = status_code_of(t)
        stamp = parse_time(t.get("modified_at")) or parse_time(t.get("created_at"))
        age = now - stamp if stamp else None
        if code not in finished:
            action, reason = "keep", f"kept: {code_name(code)} is not finished"
        elif age is None or age < older_than:
            action, reason = "keep", f"kept: {finished[code]} but modified within {human_duration(older_than)}"
        else:
            action, reason = (
                "delete",
                f"delete: {finished[code]} and untouched for more than {human_duration(older_than)}",
            )
        rows.append(
            {
                "task_id": str(t.get("id")),
                "name": t.get("name") or "",
                "status": code_name(code),
                "modified_at": stamp.isoformat() if stamp else None,
                "age_days": round(age / timedelta(days=1), 4) if age is not None else None,
                "action": action,
                "reason": reason,
            }
        )
    return rows


def _check_cleanup_arguments(older_than: object, now: object, include_idle: object) -> None:
    if not isinstance(older_than, timedelta) or older_than < timedelta(0):
        raise ValidationError(
            "{argument} must be a non-negative duration, got {value}", argument="older_than", value=shown(older_than)
        )
    check_now(now)
    check_bool("include_idle", include_idle)


def _list_tasks(client: ClientProtocol) -> list[Task]:
    """Every task of the app; MissingObjectError when the app does not exist."""
    try:
        return list(client.list_tasks())
    except NotFoundError:
        require_app(client)
        raise


def plan_cleanup(
    client: ClientProtocol, older_than: timedelta, *, now: datetime | None = None, include_idle: bool = True
) -> CleanupPlan:
    """List the app's tasks and decide which to delete; writes nothing."""
    check_client(client)
    _check_cleanup_arguments(older_than, now, include_idle)
    now = now or utcnow()
    rows = decide_cleanup(_list_tasks(client), older_than, now=now, include_idle=include_idle)
    return CleanupPlan(
        operation="tasks.cleanup", rows=rows, older_than_seconds=older_than.total_seconds(), now=now.isoformat()
    )


def recheck_cleanup(client: ClientProtocol, plan: CleanupPlan) -> dict[str, str]:
    """Planned deletions that must NOT happen now: ``task id -> reason``. A plan may be
    applied long after it was made; a task finished then may have been reopened or
    worked on since. Lists the tasks once and keeps any planned task whose status is
    no longer the planned one or whose ``modified_at`` moved. Read-only."""
    planned = {r["task_id"]: r for r in plan.rows if r["action"] == "delete"}
    if not planned:
        return {}
    current = {str(t.get("id")): t for t in _list_tasks(client)}
    skipped: dict[str, str] = {}
    for tid, row in planned.items():
        task = current.get(tid)
        if task is None:
            continue  # already gone: deleting it again is a no-op
        status = code_name(status_code_of(task))
        stamp = parse_time(task.get("modified_at")) or parse_time(task.get("created_at"))
        if status != row.get("status"):
            skipped[tid] = f"kept: now {status} (was {row.get('status')} when planned)"
        elif row.get("modified_at") and stamp is not None and stamp != parse_time(row["modified_at"]):
            skipped[tid] = f"kept: modified since the plan was made ({stamp.isoformat()})"
    return skipped


def apply_cleanup(
    client: ClientProtocol, plan: CleanupPlan, *, recheck: bool = True, progress: ProgressCallback | None = None
) -> OperationResult:
    """Delete the plan's tasks in batches ("not found" = deleted), then verify by
    listing again (VerificationError if one is still there). Idempotent.

    With ``recheck`` (the default) the tasks are listed first and a planned task that
    changed since the plan was made (reopened, worked on) is skipped, logged and listed
    in ``result.details["skipped"]``: a delayed apply never deletes live work.
    :func:`cleanup_tasks`, which applies right after planning, skips this read.
    Every argument and the plan's shape are checked first (ValidationError)."""
    check_client(client)
    check_type("plan", plan, CleanupPlan, "a CleanupPlan (CleanupPlan.from_json(text) rebuilds one)")
    check_bool("recheck", recheck)
    check_callback("progress", progress)
    CleanupPlan.check_fields({f.name: getattr(plan, f.name) for f in dataclasses.fields(plan)})
    if not recheck and plan.to_delete:
        require_app(client)  # a delete in a missing app would pass for "already gone"
    return _apply_cleanup(client, plan, recheck=recheck, progress=progress)


def _apply_cleanup(
    client: ClientProtocol, plan: CleanupPlan, *, recheck: bool, progress: ProgressCallback | None
) -> OperationResult:
    watch = Stopwatch(client)
    skipped = recheck_cleanup(client, plan) if recheck else {}
    if skipped:
        logger.warning(
            "tasks cleanup: %d planned deletion(s) skipped, changed since the plan was made: %s",
            len(skipped),
            ", ".join(sorted(skipped)[:10]),
        )
    ids = [t for t in plan.to_delete if t not in skipped]
    done = 0

    def deleted(chunk: list[str]) -> None:
        nonlocal done
        done += len(chunk)
        report(progress, "tasks", "delete" if plan.operation == "tasks.delete" else "cleanup", done, len(ids))

    run_batches(list(chunked(ids, 100)), client.delete_tasks, concurrency=write_concurrency(client), done=deleted)
    if ids:
        left = {str(t.get("id")) for t in client.list_tasks()} & set(ids)
        if left:
            raise VerificationError(f"tasks still listed after delete: {sorted(left)[:10]}; run cleanup again")
    return OperationResult(
        operation=plan.operation or "tasks.cleanup",
        counts={"considered": len(plan.rows), "deleted": len(ids), "skipped": len(skipped)},
        ids={"deleted": ids},
        elapsed=watch.elapsed,
        requests=watch.requests,
        details={"skipped": dict(sorted(skipped.items()))} if skipped else {},
    )


def cleanup_tasks(
    client: ClientProtocol,
    older_than: timedelta,
    *,
    dry_run: bool = False,
    include_idle: bool = True,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[CleanupPlan, OperationResult]:
    """Plan, then (unless ``dry_run``) delete and verify. Safe to rerun. Every argument
    is checked before the first request (ValidationError naming it)."""
    check_client(client)
    _check_cleanup_arguments(older_than, now, include_idle)
    check_bool("dry_run", dry_run)
    check_callback("progress", progress)
    watch = Stopwatch(client)
    plan = plan_cleanup(client, older_than, now=now, include_idle=include_idle)
    if dry_run:
        return plan, OperationResult(
            operation="tasks.cleanup",
            dry_run=True,
            counts={"considered": len(plan.rows), "would_delete": len(plan.to_delete)},
            ids={"would_delete": plan.to_delete},
            elapsed=watch.elapsed,
            requests=watch.requests,
        )
    # Planned just now: the listing that made the plan proved the app exists.
    result = _apply_cleanup(client, plan, recheck=False, progress=progress)
    result.elapsed, result.requests = watch.elapsed, watch.requests
    return plan, result


# -- delete and update as reviewable plans ------------------------------------------------


def plan_delete_tasks(
    client: ClientProtocol, task_ids: str | Sequence[str], *, now: datetime | None = None
) -> CleanupPlan:
    """Read each task and plan its deletion; writes nothing. A task that exists gets
    ``action`` ``delete``; one that does not, ``absent`` (nothing to delete: a delete
    would be a no-op). Apply it with :func:`apply_cleanup`, which lists the tasks again
    first and keeps any planned task changed since (reopened, worked on).
    ValidationError for an empty list or an invalid id; MissingObjectError when the app
    does not exist (every task would otherwise look "absent")."""
    check_client(client)
    ids = check_ids("task_ids", task_ids, "task id")
    check_now(now)
    require_app(client)
    now = now or utcnow()
    rows: list[dict[str, Any]] = []
    for tid in unique(ids):
        task = read_or_none(functools.partial(client.get_task, tid))
        if task is None:
            rows.append(
                {
                    "task_id": tid,
                    "name": "",
                    "status": None,
                    "modified_at": None,
                    "age_days": None,
                    "action": "absent",
                    "reason": "not found: nothing to delete",
                }
            )
            continue
        stamp = parse_time(task.get("modified_at")) or parse_time(task.get("created_at"))
        age = now - stamp if stamp else None
        rows.append(
            {
                "task_id": tid,
                "name": task.get("name") or "",
                "status": code_name(status_code_of(task)),
                "modified_at": stamp.isoformat() if stamp else None,
                "age_days": round(age / timedelta(days=1), 4) if age is not None else None,
                "action": "delete",
                "reason": "delete: asked for by id",
            }
        )
    return CleanupPlan(operation="tasks.delete", rows=rows, now=now.isoformat())


@dataclasses.dataclass
class TaskUpdatePlan(Plan):
    """A change to one task: one row per field asked about (``workers``,
    ``reviewers``, ``concepts``: sorted id lists; ``status``: a status name) with its
    value ``before`` and ``after`` and ``action`` ``change`` or ``unchanged``."""

    task_id: str = ""
    mode: str = "merge"

    OPERATIONS = ("tasks.update",)
    ACTIONS = frozenset({"change", "unchanged"})
    ROW_TYPES: ClassVar[Mapping[str, tuple[type, ...]]] = {"field": (str,)}

    @classmethod
    def check_fields(cls, values: Mapping[str, Any]) -> None:
        super().check_fields(values)
        problem = id_problem(values.get("task_id"))
        if problem:
            raise ValidationError(
                "plan field {argument} {value} is not a task id: it {problem}",
                argument="task_id",
                value=shown(values.get("task_id")),
                problem=problem,
            )
        if values.get("mode", "merge") not in UPDATE_MODES:
            raise ValidationError(
                "plan field {argument} must be one of {modes}, got {value}",
                argument="mode",
                modes=list(UPDATE_MODES),
                value=shown(values.get("mode")),
            )
        for n, row in enumerate(values["rows"]):
            if row.get("field") not in (*MEMBER_FIELDS, "status"):
                raise ValidationError(
                    "plan field {argument} must be one of {fields}, got {value}",
                    argument=f"rows[{n}].field",
                    fields=[*MEMBER_FIELDS, "status"],
                    value=shown(row.get("field")),
                )

    def columns(self) -> Sequence[str]:
        return ("task_id", "field", "before", "after", "action")

    @property
    def changes(self) -> dict[str, Any]:
        """Field -> value after, for the fields that change."""
        return {r["field"]: r["after"] for r in self.rows if r["action"] == "change"}


def plan_update_task(
    client: ClientProtocol,
    task_id: str,
    *,
    workers: Sequence[str] | None = None,
    reviewers: Sequence[str] | None = None,
    concepts: Sequence[str] | None = None,
    mode: str = "merge",
    done: bool = False,
) -> TaskUpdatePlan:
    """Read the task and plan :func:`update_task` (members by ``mode``) and, with
    ``done``, :func:`mark_done`; writes nothing. Every argument is checked as those
    functions check it (ValidationError); a missing task raises the client's
    NotFoundError (MissingObjectError when it is the app that is missing). Apply the
    plan with :func:`apply_update_task`."""
    check_client(client)
    check_id("task_id", task_id, "task id")
    mode = _update_mode(mode)
    check_bool("done", done)
    if workers is None and reviewers is None and concepts is None and not done:
        raise ValidationError(
            "nothing to update: give {workers}, {reviewers} or {concepts}, or {done}",
            argument="workers",
            spell={
                "workers": "workers=[...]",
                "reviewers": "reviewers=[...]",
                "concepts": "concepts=[...]",
                "done": "done=True",
            },
        )
    given = {
        "workers": _ids(workers, "worker user id", "workers") if workers is not None else None,
        "reviewers": _ids(reviewers, "reviewer user id", "reviewers") if reviewers is not None else None,
        "concepts": _ids(concepts, "concept id", "concepts") if concepts is not None else None,
    }
    task = _get_task(client, task_id)
    changes = _member_changes(task, task_id, given["workers"], given["reviewers"], given["concepts"], mode)
    rows: list[dict[str, Any]] = []
    for field, getter in MEMBER_FIELDS.items():
        if given[field] is None:
            continue
        before = getter(task)
        after = sorted(changes[field]) if field in changes else before
        rows.append(_update_row(task_id, field, before, after))
    if done:
        rows.append(_update_row(task_id, "status", code_name(status_code_of(task)), code_name(TASK_DONE)))
    return TaskUpdatePlan(operation="tasks.update", rows=rows, task_id=task_id, mode=mode)


def _update_row(task_id: str, field: str, before: Any, after: Any) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "field": field,
        "before": before,
        "after": after,
        "action": "change" if before != after else "unchanged",
    }


def apply_update_task(client: ClientProtocol, plan: TaskUpdatePlan, *, recheck: bool = True) -> OperationResult:
    """Make the plan's changes: member lists by one PatchTasks (overwrite), read back;
    then the status (as :func:`mark_done`). Idempotent: a field already at its planned
    value is not written again.

    With ``recheck`` (the default) a field whose current value is neither the planned
    ``before`` nor the planned ``after`` (someone changed it since the plan was made)
    is skipped, logged and listed in ``result.details["skipped"]``: a delayed apply
    never overwrites a change it did not review. ValidationError for a plan without a
    valid task id or a malformed plan (naming the field)."""
    check_client(client)
    check_type("plan", plan, TaskUpdatePlan, "a TaskUpdatePlan (TaskUpdatePlan.from_json(text) rebuilds one)")
    check_bool("recheck", recheck)
    TaskUpdatePlan.check_fields({f.name: getattr(plan, f.name) for f in dataclasses.fields(plan)})
    task_id = plan.task_id
    watch = Stopwatch(client)
    task = _get_task(client, task_id)
    current: dict[str, Any] = {field: getter(task) for field, getter in MEMBER_FIELDS.items()}
    current["status"] = code_name(status_code_of(task))
    wanted = plan.changes
    skipped: dict[str, str] = {}
    todo: dict[str, Any] = {}
    for row in plan.rows:
        field = row["field"]
        if field not in wanted or field not in current:
            continue
        now = current[field]
        if now == row["after"]:
            continue  # done already (a rerun, or someone made the same change)
        if recheck and now != row["before"]:
            skipped[field] = f"kept: {field} changed since the plan was made (now {now}, planned from {row['before']})"
            continue
        todo[field] = row["after"]
    if skipped:
        logger.warning("tasks update %s: %d field(s) skipped, changed since the plan was made", task_id, len(skipped))
    members = {k: v for k, v in todo.items() if k in MEMBER_FIELDS}
    if members:
        _patch_members(client, task, task_id, members)
    marked = False
    if todo.get("status") == code_name(TASK_DONE):
        mark_done(client, task_id)
        marked = True
    return OperationResult(
        operation="tasks.update",
        counts={"changed_fields": len(todo), "skipped": len(skipped)},
        ids={"task": [task_id]},
        elapsed=watch.elapsed,
        requests=watch.requests,
        details={
            "changes": todo,
            "before": {k: current[k] for k in todo},
            "marked_done": marked,
            **({"skipped": skipped} if skipped else {}),
        },
    )
