"""Dataset versions (a timeline per dataset, training lineage, a prune plan's verdicts)
and labeling tasks (progress, stale ones), from the small inventories.

The report never decides what pruning would delete: it shows a plan made by the
operations layer (``connector.operations.plan_prune(..., dry_run)``, or a plan's JSON
as ``PrunePlan.to_dict()`` writes it), so what a reviewer reads on the page is
exactly what ``apply_prune`` would be given.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from connector.errors import ValidationError
from connector.status_codes import (
    TASK_DONE,
    TASK_FAILED,
    VERSION_FAILED,
    VERSION_PENDING,
    VERSION_READY,
    code_name,
    parse_status_code,
)

READY, FAILED, PENDING, OTHER = "ready", "failed", "pending", "other"


def _code(value: Any) -> int | None:
    """A status code from a number or a name; None when it is neither (shown as such)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return parse_status_code(value)
    except ValueError:
        return None


def version_category(code: Any) -> str:
    """``ready`` / ``failed`` / ``pending`` / ``other`` for a dataset version status
    (a number or a name), with the groups the waits and pruning use."""
    number = _code(code)
    if number in VERSION_READY:
        return READY
    if number in VERSION_FAILED:
        return FAILED
    if number in VERSION_PENDING:
        return PENDING
    return OTHER


# -- prune plans -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PlanInfo:
    """A prune plan as the report shows it: the verdict of each version it covers."""

    verdicts: Mapping[tuple[str, str], tuple[str, str]]  # (dataset, version) -> (action, reason)
    policy: Mapping[str, Any]
    guard: str | None
    made_at: str | None

    @property
    def deletes(self) -> int:
        return sum(1 for action, _ in self.verdicts.values() if action == "delete")


def read_plan(plan: Any) -> PlanInfo:
    """Normalize a prune plan given as a ``PrunePlan`` (anything with ``rows``), its
    ``to_dict()`` mapping or JSON text, a DataFrame of its rows, or a list of row
    mappings. Each row needs ``dataset_id``, ``version_id`` and ``action`` (``reason``
    optional). Raises ValidationError otherwise."""
    meta: Mapping[str, Any] = {}
    rows: Any
    if isinstance(plan, (str, bytes)):
        try:
            plan = json.loads(plan)
        except ValueError as exc:
            raise ValidationError(f"the prune plan is not JSON: {exc}") from None
    if hasattr(plan, "rows") and not isinstance(plan, Mapping):
        rows = plan.rows
        meta = {k: getattr(plan, k, None) for k in ("policy", "guard", "now")}
    elif isinstance(plan, Mapping):
        if "rows" not in plan:
            raise ValidationError("the prune plan has no 'rows': pass PrunePlan.to_dict() (or the plan itself)")
        rows, meta = plan["rows"], plan
    elif hasattr(plan, "to_dict") and hasattr(plan, "columns"):  # a DataFrame of plan rows
        rows = plan.to_dict("records")
    else:
        rows = plan
    if not isinstance(rows, Sequence) or isinstance(rows, (str, bytes)):
        raise ValidationError(f"the prune plan's rows must be a list of rows, got {type(rows).__name__}")
    verdicts: dict[tuple[str, str], tuple[str, str]] = {}
    for n, row in enumerate(rows):
        if not isinstance(row, Mapping) or not all(row.get(k) for k in ("dataset_id", "version_id", "action")):
            raise ValidationError(
                f"prune plan row {n} needs dataset_id, version_id and action (as PrunePlan rows have), got {row!r}"
            )
        reason = row.get("reason")
        verdicts[(str(row["dataset_id"]), str(row["version_id"]))] = (
            str(row["action"]),
            "" if reason is None or (isinstance(reason, float) and math.isnan(reason)) else str(reason),
        )
    policy = meta.get("policy") or {}
    return PlanInfo(
        verdicts=verdicts,
        policy=dict(policy) if isinstance(policy, Mapping) else {},
        guard=str(meta["guard"]) if meta.get("guard") else None,
        made_at=str(meta["now"]) if meta.get("now") else None,
    )


# -- dataset versions --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class VersionRow:
    dataset_id: str
    version_id: str
    status: str
    category: str
    created_at: datetime | None
    origin: str
    description: str
    inputs: int | None
    pinned: bool
    #: ``model/model_version`` of every model version trained on it.
    trained_by: tuple[str, ...]
    action: str | None = None
    reason: str | None = None


@dataclasses.dataclass(frozen=True)
class DatasetVersions:
    """One dataset's versions, newest first (at most ``limit`` kept; ``more`` left out)."""

    dataset_id: str
    total: int
    counts: Mapping[str, int]  # category -> versions
    trained: int
    would_delete: int
    versions: tuple[VersionRow, ...]
    more: int


@dataclasses.dataclass(frozen=True)
class VersionsView:
    datasets: tuple[DatasetVersions, ...]
    more_datasets: int
    total: int
    counts: Mapping[str, int]
    plan: PlanInfo | None
    #: Plan rows naming a version the inventory does not list (the plan is older or newer).
    plan_unmatched: tuple[str, ...]


def _pinned(metadata: Any, key: str) -> bool:
    if not metadata:
        return False
    try:
        value = json.loads(metadata) if isinstance(metadata, str) else metadata
    except ValueError:
        return False
    return bool(isinstance(value, Mapping) and value.get(key))


def _trained(model_versions: pa.Table | None) -> tuple[dict[tuple[str, str], list[str]], dict[str, list[str]]]:
    """Lineage: (dataset, version) -> model versions, and version id -> model versions
    for lineage that names no dataset (it protects that id in every dataset, as pruning does)."""
    exact: dict[tuple[str, str], list[str]] = {}
    any_dataset: dict[str, list[str]] = {}
    if model_versions is None:
        return exact, any_dataset
    for row in model_versions.to_pylist():
        vid = row.get("train_dataset_version_id")
        if not vid:
            continue
        who = f"{row.get('model_id') or '?'}/{row.get('id') or '?'}"
        ds = row.get("train_dataset_id")
        if ds:
            exact.setdefault((str(ds), str(vid)), []).append(who)
        else:
            any_dataset.setdefault(str(vid), []).append(who)
    return exact, any_dataset


def versions_view(
    versions: pa.Table | None,
    model_versions: pa.Table | None,
    plan: PlanInfo | None = None,
    *,
    per_dataset: int = 40,
    max_datasets: int = 30,
) -> VersionsView:
    """Each dataset's versions (datasets with the most versions first), their status
    category, lineage, and the plan's verdict. Pure."""
    exact, any_dataset = _trained(model_versions)
    pinned_key = str((plan.policy.get("pinned_key") if plan else None) or "pinned")
    by_dataset: dict[str, list[VersionRow]] = {}
    for row in versions.to_pylist() if versions is not None else []:
        ds, vid = str(row.get("dataset_id") or ""), str(row.get("id") or "")
        code = row.get("status_code")
        code = code if code is not None else row.get("status_name")
        verdict = plan.verdicts.get((ds, vid)) if plan else None
        by_dataset.setdefault(ds, []).append(
            VersionRow(
                dataset_id=ds,
                version_id=vid,
                status=str(row.get("status_name") or code_name(_code(code))),
                category=version_category(code),
                created_at=row.get("created_at"),
                origin=str(row.get("request_origin") or ""),
                description=str(row.get("description") or ""),
                inputs=row.get("metrics_inputs_count"),
                pinned=_pinned(row.get("metadata"), pinned_key),
                trained_by=tuple(exact.get((ds, vid), []) + any_dataset.get(vid, [])),
                action=verdict[0] if verdict else None,
                reason=verdict[1] if verdict else None,
            )
        )
    oldest = datetime.min.replace(tzinfo=UTC)
    views = []
    for ds, rows in by_dataset.items():
        rows.sort(key=lambda r: (r.created_at or oldest, r.version_id), reverse=True)
        counts = {c: sum(1 for r in rows if r.category == c) for c in (READY, FAILED, PENDING, OTHER)}
        views.append(
            DatasetVersions(
                dataset_id=ds,
                total=len(rows),
                counts=counts,
                trained=sum(1 for r in rows if r.trained_by),
                would_delete=sum(1 for r in rows if r.action == "delete"),
                versions=tuple(rows[:per_dataset]),
                more=max(0, len(rows) - per_dataset),
            )
        )
    views.sort(key=lambda v: (-v.total, v.dataset_id))
    known = {(r.dataset_id, r.version_id) for rows in by_dataset.values() for r in rows}
    unmatched = tuple(sorted(f"{d}/{v}" for d, v in (plan.verdicts if plan else {}) if (d, v) not in known))
    all_rows = [r for rows in by_dataset.values() for r in rows]
    return VersionsView(
        datasets=tuple(views[:max_datasets]),
        more_datasets=max(0, len(views) - max_datasets),
        total=len(all_rows),
        counts={c: sum(1 for r in all_rows if r.category == c) for c in (READY, FAILED, PENDING, OTHER)},
        plan=plan,
        plan_unmatched=unmatched,
    )


# -- labeling tasks ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TaskRow:
    task_id: str
    name: str
    type: str
    status: str
    state: str  # "done" | "failed" | "open"
    work_percent: float | None
    review_percent: float | None
    inputs_estimated: int | None
    source: str
    concepts: int
    workers: int
    review: str
    created_at: datetime | None
    modified_at: datetime | None
    #: Days since the task last changed (``modified_at``, else ``created_at``), at the snapshot.
    idle_days: float | None
    stale: bool


@dataclasses.dataclass(frozen=True)
class TasksView:
    rows: tuple[TaskRow, ...]
    more: int
    total: int
    counts: Mapping[str, int]  # state -> tasks
    stale: int
    stale_after: timedelta


def task_state(code: Any) -> str:
    """``done`` / ``failed`` (failed or won't do) / ``open`` for a task status."""
    number = _code(code)
    if number in TASK_DONE:
        return "done"
    if number in TASK_FAILED:
        return "failed"
    return "open"


def tasks_view(tasks: pa.Table | None, *, now: datetime, stale_after: timedelta, limit: int = 60) -> TasksView:
    """Every task's progress; an open task (neither done nor failed) that has not
    changed for ``stale_after`` at ``now`` is stale. Stale first, then open, then
    the rest, each by id. Pure."""
    rows: list[TaskRow] = []
    for row in tasks.to_pylist() if tasks is not None else []:
        code = row.get("status_code")
        code = code if code is not None else row.get("status_name")
        state = task_state(code)
        changed = row.get("modified_at") or row.get("created_at")
        idle = (now - changed) if changed is not None else None
        source_type = str(row.get("input_source_type") or "")
        source_id = str(row.get("input_source_id") or "")
        rows.append(
            TaskRow(
                task_id=str(row.get("id") or ""),
                name=str(row.get("name") or ""),
                type=str(row.get("type") or ""),
                status=str(row.get("status_name") or code_name(_code(code))),
                state=state,
                work_percent=_number(row.get("metrics_work_inputs_percent_estimated")),
                review_percent=_number(row.get("metrics_review_inputs_percent_estimated")),
                inputs_estimated=row.get("metrics_work_inputs_count_estimated"),
                source=f"{source_type} {source_id}".strip(),
                concepts=len(row.get("concept_ids") or []),
                workers=len(row.get("worker_user_ids") or []),
                review=str(row.get("review_strategy") or ""),
                created_at=row.get("created_at"),
                modified_at=row.get("modified_at"),
                idle_days=idle / timedelta(days=1) if idle is not None else None,
                stale=state == "open" and idle is not None and idle >= stale_after,
            )
        )
    rank = {"open": 1, "failed": 2, "done": 3}
    rows.sort(key=lambda r: (0 if r.stale else rank[r.state], r.task_id))
    return TasksView(
        rows=tuple(rows[:limit]),
        more=max(0, len(rows) - limit),
        total=len(rows),
        counts={s: sum(1 for r in rows if r.state == s) for s in ("open", "done", "failed")},
        stale=sum(1 for r in rows if r.stale),
        stale_after=stale_after,
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


__all__ = [
    "FAILED",
    "OTHER",
    "PENDING",
    "READY",
    "DatasetVersions",
    "PlanInfo",
    "TaskRow",
    "TasksView",
    "VersionRow",
    "VersionsView",
    "read_plan",
    "task_state",
    "tasks_view",
    "version_category",
    "versions_view",
]
