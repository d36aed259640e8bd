"""Labeling tasks: created per item, patched all-or-nothing; their estimated work and
review progress, the metrics derived from it, and the per-worker counts.

With ``task_work_seconds`` > 0 a task's work (then its review, for a MANUAL or
CONSENSUS review) goes 0 -> 100% over that time and the task ends TASK_DONE; the admin
API can set a task's status and percents instead, after which time leaves it alone.
"""

from __future__ import annotations

from typing import Any

from connector.emulator.backend.clock import iso
from connector.emulator.backend.errors import ApiError, invalid_request
from connector.emulator.backend.objects import PROTECTED, ItemResult, apply_patch, delete_by_ids
from connector.emulator.backend.statuses import checked_code, code_of, status
from connector.emulator.backend.store import AppData, Obj, Store
from connector.status_codes import StatusCode, status_code_of

__all__ = [
    "advance_task",
    "advance_tasks",
    "annotation_counts",
    "create_task",
    "create_tasks",
    "delete_tasks",
    "get_task",
    "input_counts",
    "patch_tasks",
    "refresh_task",
    "set_task_progress",
    "task_input_total",
    "task_problem",
    "workers",
]

#: Annotation status -> the per-worker count it adds to.
_ANN_BUCKETS: dict[int, str] = {
    StatusCode.ANNOTATION_PENDING: "pending",
    StatusCode.ANNOTATION_AWAITING_REVIEW: "awaiting_review",
    StatusCode.ANNOTATION_SUCCESS: "success",
    StatusCode.ANNOTATION_REVIEW_DENIED: "review_denied",
    StatusCode.ANNOTATION_AWAITING_CONSENSUS_REVIEW: "awaiting_consensus_review",
}
_REVIEWED = ("MANUAL", "CONSENSUS")


def get_task(app: AppData, task_id: str) -> Obj:
    """The task, else ApiError TASK_MISSING."""
    task = app.tasks.get(task_id)
    if task is None:
        raise ApiError(StatusCode.TASK_MISSING, "Task does not exist", f"task {task_id!r} does not exist")
    return task


def task_problem(app: AppData, task: Obj) -> str | None:
    """Why ``task`` cannot be stored as it is (a missing source dataset, no concepts for
    a classification task), or None."""
    source = task.get("input_source", {})
    if source.get("type") == "DATASET" and source.get("id") not in app.datasets:
        return f"input_source dataset {source.get('id', '')!r} does not exist"
    if not task.get("concept_ids") and not task.get("concepts") and task.get("type") == "CONCEPTS_CLASSIFICATION":
        return "a CONCEPTS_CLASSIFICATION task needs concept_ids or concepts"
    return None


def create_task(app: AppData, item: Obj, t: float, code: StatusCode = StatusCode.TASK_IN_PROGRESS) -> Obj:
    """Store one task created at ``t`` in status ``code`` (``item`` carries its id), at
    0% work and review."""
    stamp = iso(t)
    obj = {
        **item,
        "app_id": app.app_id,
        "user_id": app.user_id,
        "created_at": stamp,
        "modified_at": stamp,
        "status": status(code),
    }
    obj.pop("metrics", None)
    app.tasks[obj["id"]] = obj
    app.task_meta[obj["id"]] = {"t0": t, "work": 0, "review": 0, "fixed": False}
    refresh_task(app, obj["id"])
    return obj


def create_tasks(store: Store, app: AppData, items: list[Obj]) -> list[ItemResult]:
    """Create tasks, failing per item: an id that exists is DATABASE_DUPLICATE_KEY, a
    task :func:`task_problem` refuses CONN_INVALID_REQUEST. A given status is ignored
    (a new task is TASK_IN_PROGRESS). No item at all is CONN_INVALID_REQUEST."""
    if not items:
        raise invalid_request("no tasks given")
    results: list[ItemResult] = []
    for given in items:
        item = dict(given)
        if not item.get("id"):
            item["id"] = store.new_id("task-")
        if item["id"] in app.tasks:
            results.append((item, StatusCode.DATABASE_DUPLICATE_KEY, f"task {item['id']!r} already exists"))
            continue
        problem = task_problem(app, item)
        if problem:
            results.append((item, StatusCode.CONN_INVALID_REQUEST, problem))
            continue
        item.pop("status", None)
        results.append((create_task(app, item, store.now()), None, ""))
        store.changed()
    return results


def patch_tasks(store: Store, app: AppData, items: list[Obj], action: str) -> list[Obj]:
    """Patch tasks by id, all or nothing: a missing id is TASK_MISSING, a patched task
    :func:`task_problem` refuses CONN_INVALID_REQUEST, checked for every item before
    the first change. Metrics follow the patched input source."""
    if not items:
        raise invalid_request("no tasks given")
    missing = [i.get("id", "") for i in items if i.get("id") not in app.tasks]
    if missing:
        raise ApiError(StatusCode.TASK_MISSING, "Task does not exist", f"task ids not found: {', '.join(missing[:50])}")
    patches = []
    for given in items:
        item = dict(given)
        if "status" in item:
            item["status"] = {"code": code_of(item["status"]), "description": item["status"].get("description", "")}
        problem = task_problem(app, {**app.tasks[item["id"]], **item}) if action != "remove" else None
        if problem:
            raise invalid_request(f"task {item['id']!r}: {problem}")
        patches.append(item)
    t = iso(store.now())
    out = []
    for item in patches:
        obj = app.tasks[item["id"]]
        apply_patch(obj, item, action, protected=(*PROTECTED, "metrics"))
        obj["modified_at"] = t
        refresh_task(app, obj["id"])
        out.append(obj)
    store.changed()
    return out


def delete_tasks(store: Store, app: AppData, ids: list[str]) -> None:
    """Delete tasks by id."""

    def delete(task_id: str) -> None:
        del app.tasks[task_id]
        app.task_meta.pop(task_id, None)

    delete_by_ids(store, ids, app.tasks.__contains__, delete, "task")


def workers(task: Obj) -> list[str]:
    """The user ids working on a task (``worker.user_ids``, then ``worker.workers``)."""
    worker = task.get("worker", {})
    users = list(worker.get("user_ids", []))
    for w in worker.get("workers", []):
        user_id = w.get("user", {}).get("id")
        if user_id and user_id not in users:
            users.append(user_id)
    return users


def task_input_total(app: AppData, task: Obj) -> int:
    """How many inputs a task covers (from its input source)."""
    source = task.get("input_source", {})
    kind = source.get("type", "ALL_INPUTS")
    if kind == "DATASET":
        return len(app.dataset_inputs.get(source.get("id", ""), {}))
    if kind == "INPUT":
        return 1 if source.get("id") in app.inputs else 0
    if kind in ("ALL_INPUTS", "INPUT_SOURCE_TYPE_NOT_SET"):
        return len(app.inputs)
    return 0


def refresh_task(app: AppData, task_id: str) -> None:
    """Recompute a task's metrics from its input source and progress."""
    task = app.tasks[task_id]
    meta = app.task_meta[task_id]
    count = task_input_total(app, task)
    work: dict[str, Any] = {}
    if count:
        work["inputs_count_estimated"] = str(count)
    if meta["work"]:
        work["inputs_percent_estimated"] = meta["work"]
    review: dict[str, Any] = {}
    reviewed = count * meta["review"] // 100
    if reviewed:
        review["inputs_count_estimated"] = str(reviewed)
    if meta["review"]:
        review["inputs_percent_estimated"] = meta["review"]
    task["metrics"] = {"work": work, "review": review}


def advance_task(app: AppData, task_id: str, meta: dict[str, Any], now: float, seconds: float) -> None:
    """Move a task's estimated work (then review, for a task with a MANUAL or CONSENSUS
    review) from 0 to 100% over ``seconds`` each, counted from its creation; at the end
    the task is TASK_DONE. A task whose status is no longer TASK_IN_PROGRESS (changed by
    PatchTasks or the admin API), or whose percents the admin API set, is left alone."""
    task = app.tasks.get(task_id)
    if task is None or meta.get("fixed") or status_code_of(task) != StatusCode.TASK_IN_PROGRESS:
        return
    elapsed = max(0.0, now - meta["t0"])
    reviewed = task.get("review", {}).get("strategy") in _REVIEWED
    work = min(100, int(100 * elapsed / seconds))
    review = min(100, max(0, int(100 * (elapsed - seconds) / seconds))) if reviewed else 0
    if (work, review) == (meta["work"], meta["review"]):
        return
    meta["work"], meta["review"] = work, review
    if work >= 100 and (review >= 100 or not reviewed):
        task["status"] = status(StatusCode.TASK_DONE)
        task["modified_at"] = iso(meta["t0"] + seconds * (2 if reviewed else 1))
        meta["fixed"] = True
    refresh_task(app, task_id)


def advance_tasks(app: AppData, now: float, seconds: float) -> None:
    """Advance every task of ``app`` that time still moves (``seconds`` > 0)."""
    for task_id, meta in app.task_meta.items():
        if not meta.get("fixed"):
            advance_task(app, task_id, meta, now, seconds)


def _percent(what: str, value: object) -> int:
    """A percentage 0..100 (a number), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise ValueError(f"{what} must be a number from 0 to 100, got {value!r}")
    return int(value)


def set_task_progress(
    store: Store,
    app: AppData | None,
    task_id: str,
    status_name: object = None,
    work_percent: object = None,
    review_percent: object = None,
) -> Obj:
    """Set a task's status (a ``TASK_*`` name) and/or its estimated work and review
    percents; time no longer moves a task whose percents were set. Raises KeyError if
    the task does not exist, ValueError for a bad value; changes nothing then."""
    if app is None or task_id not in app.tasks:
        raise KeyError(f"task {task_id!r} does not exist")
    meta = app.task_meta[task_id]
    checked = {
        name: _percent(name, value)
        for name, value in (("work_percent", work_percent), ("review_percent", review_percent))
        if value is not None
    }
    new_status = status(checked_code(status_name, "TASK_", "TASK_DONE")) if status_name is not None else None
    if "work_percent" in checked:
        meta["work"] = checked["work_percent"]
        meta["fixed"] = True
    if "review_percent" in checked:
        meta["review"] = checked["review_percent"]
        meta["fixed"] = True
    task = app.tasks[task_id]
    if new_status is not None:
        task["status"] = new_status
    refresh_task(app, task_id)
    store.changed()
    return task


def _count_row(user_id: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "pending": 0,
        "awaiting_review": 0,
        "success": 0,
        "review_denied": 0,
        "awaiting_consensus_review": 0,
    }


def annotation_counts(app: AppData, task: Obj, user_ids: list[str]) -> list[dict[str, Any]]:
    """Per worker (only ``user_ids`` when given): the task's annotations (those with its
    ``task_id``) by annotation status."""
    rows = {user: _count_row(user) for user in workers(task)}
    for ann in app.annotations.values():
        if ann.get("task_id") != task["id"]:
            continue
        user = ann.get("user_id", "")
        row = rows.setdefault(user, _count_row(user))
        bucket = _ANN_BUCKETS.get(status_code_of(ann) or 0)
        if bucket:
            row[bucket] += 1
    wanted = set(user_ids)
    return [row for user, row in rows.items() if not wanted or user in wanted]


def input_counts(app: AppData, task: Obj, user_ids: list[str], default_user: str) -> list[dict[str, Any]]:
    """Per worker (only ``user_ids`` when given; ``default_user`` when the task names
    none): inputs assigned (all of them for FULL, an even share for PARTITIONED) split
    by the task's estimated work and review percents."""
    meta = app.task_meta[task["id"]]
    total = task_input_total(app, task)
    users = workers(task) or [default_user]
    partitioned = task.get("worker", {}).get("strategy") == "PARTITIONED"
    reviewed_task = task.get("review", {}).get("strategy") in _REVIEWED
    wanted = set(user_ids)
    counts = []
    for n, user in enumerate(users):
        assigned = total // len(users) + (1 if n < total % len(users) else 0) if partitioned else total
        done = assigned * meta["work"] // 100
        row = _count_row(user)
        row["pending"] = assigned - done
        if reviewed_task:
            reviewed = done * meta["review"] // 100
            row["success"] = reviewed
            row["awaiting_review"] = done - reviewed
        else:
            row["success"] = done
        if not wanted or user in wanted:
            counts.append(row)
    return counts
