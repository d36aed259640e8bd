"""Handlers for labeling tasks, bulk operations, models and model versions, workflows
and collaborators.

Tasks, bulk operations carry a ``status`` and fail per item (MIXED_STATUS); models,
model versions, workflows and collaborators are created all-or-nothing.
"""

from __future__ import annotations

from typing import Any

from connector.emulator.handlers import (
    PROTECTED,
    ApiError,
    Ctx,
    apply_patch,
    batch_result,
    delete_ids,
    get_or_404,
    handler,
    newest_first,
    page_of,
)
from connector.emulator.handlers_data import new_items_all_or_nothing, status_code_of
from connector.emulator.state import AppData, code, iso, status

__all__ = ["create_bulk_operation", "create_model", "create_model_version", "create_task"]


# -- tasks --------------------------------------------------------------------------------


def _task_problem(a: AppData, task: dict) -> str | None:
    source = task.get("input_source", {})
    if source.get("type") == "DATASET" and source.get("id") not in a.datasets:
        return f"input_source dataset {source.get('id', '')!r} does not exist"
    if not task.get("concept_ids") and not task.get("concepts") and task.get("type") == "CONCEPTS_CLASSIFICATION":
        return "a CONCEPTS_CLASSIFICATION task needs concept_ids or concepts"
    return None


def create_task(state: Any, a: AppData, item: dict, t: float, status_name: str = "TASK_IN_PROGRESS") -> dict:
    """Store a task (shared with seeding)."""
    stamp = iso(t)
    obj = {
        **item,
        "app_id": a.app_id,
        "user_id": a.user_id,
        "created_at": stamp,
        "modified_at": stamp,
        "status": status(status_name),
    }
    obj.pop("metrics", None)
    a.tasks[obj["id"]] = obj
    a.task_meta[obj["id"]] = {"t0": t, "work": 0, "review": 0, "fixed": False}
    state.refresh_task(a, obj["id"])
    return obj


@handler("PostTasks")
def post_tasks(ctx: Ctx) -> dict:
    a = ctx.a
    items = ctx.req.get("tasks", [])
    if not items:
        raise ApiError("CONN_INVALID_REQUEST", "Invalid request", "no tasks given")
    results: list[tuple[dict, str | None, str]] = []
    for item in items:
        item = dict(item)
        if not item.get("id"):
            item["id"] = ctx.state.new_id("task-")
        if item["id"] in a.tasks:
            results.append((item, "DATABASE_DUPLICATE_KEY", f"task {item['id']!r} already exists"))
            continue
        problem = _task_problem(a, item)
        if problem:
            results.append((item, "CONN_INVALID_REQUEST", problem))
            continue
        item.pop("status", None)
        results.append((create_task(ctx.state, a, item, ctx.now()), None, ""))
        ctx.changed()
    return batch_result("tasks", results)


def _workers(task: dict) -> list[str]:
    worker = task.get("worker", {})
    users = list(worker.get("user_ids", []))
    for w in worker.get("workers", []):
        uid = w.get("user", {}).get("id")
        if uid and uid not in users:
            users.append(uid)
    return users


@handler("ListTasks")
def list_tasks(ctx: Ctx) -> dict:
    req = ctx.req
    items: Any = newest_first(ctx.a.tasks)
    if req.get("ids"):
        ids = set(req["ids"])
        items = (t for t in items if t["id"] in ids)
    if req.get("worker_user_ids"):
        users = set(req["worker_user_ids"])
        items = (t for t in items if users & set(_workers(t)))
    if req.get("review_user_ids"):
        users = set(req["review_user_ids"])
        items = (t for t in items if users & set(t.get("review", {}).get("user_ids", [])))
    if req.get("input_source_type"):
        items = (t for t in items if t.get("input_source", {}).get("type") == req["input_source_type"])
    if req.get("input_source_ids"):
        ids = set(req["input_source_ids"])
        items = (t for t in items if t.get("input_source", {}).get("id") in ids)
    return {"tasks": page_of(req, items)}


def _task(ctx: Ctx) -> dict:
    t = ctx.a.tasks.get(ctx.req.get("task_id", ""))
    if t is None:
        raise ApiError("TASK_MISSING", "Task does not exist", f"task {ctx.req.get('task_id', '')!r} does not exist")
    return t


@handler("GetTask")
def get_task(ctx: Ctx) -> dict:
    return {"task": _task(ctx)}


@handler("PatchTasks")
def patch_tasks(ctx: Ctx) -> dict:
    a = ctx.a
    items = ctx.req.get("tasks", [])
    if not items:
        raise ApiError("CONN_INVALID_REQUEST", "Invalid request", "no tasks given")
    missing = [i.get("id", "") for i in items if i.get("id") not in a.tasks]
    if missing:
        raise ApiError("TASK_MISSING", "Task does not exist", f"task ids not found: {', '.join(missing[:50])}")
    action = ctx.req.get("action") or "overwrite"
    patches = []
    for item in items:
        item = dict(item)
        if "status" in item:
            item["status"] = {
                "code": status_code_of(item["status"]),
                "description": item["status"].get("description", ""),
            }
        problem = _task_problem(a, {**a.tasks[item["id"]], **item}) if action != "remove" else None
        if problem:
            raise ApiError("CONN_INVALID_REQUEST", "Invalid request", f"task {item['id']!r}: {problem}")
        patches.append(item)
    t = iso(ctx.now())
    out = []
    for item in patches:
        obj = a.tasks[item["id"]]
        apply_patch(obj, item, action, protected=(*PROTECTED, "metrics"))
        obj["modified_at"] = t
        ctx.state.refresh_task(a, obj["id"])
        out.append(obj)
    ctx.changed()
    return {"tasks": out}


@handler("DeleteTasks")
def delete_tasks(ctx: Ctx) -> dict:
    a = ctx.a

    def delete(i: str) -> None:
        del a.tasks[i]
        a.task_meta.pop(i, None)

    return delete_ids(ctx, ctx.req.get("ids", []), a.tasks.__contains__, delete, "task")


_ANN_BUCKETS = {
    "ANNOTATION_PENDING": "pending",
    "ANNOTATION_AWAITING_REVIEW": "awaiting_review",
    "ANNOTATION_SUCCESS": "success",
    "ANNOTATION_REVIEW_DENIED": "review_denied",
    "ANNOTATION_AWAITING_CONSENSUS_REVIEW": "awaiting_consensus_review",
}


def _count_row(user_id: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "pending": 0,
        "awaiting_review": 0,
        "success": 0,
        "review_denied": 0,
        "awaiting_consensus_review": 0,
    }


@handler("GetTaskAnnotationCount")
def task_annotation_count(ctx: Ctx) -> dict:
    """Per worker: the task's annotations (``task_id`` set) by annotation status."""
    task = _task(ctx)
    rows = {u: _count_row(u) for u in _workers(task)}
    buckets = {code(k): v for k, v in _ANN_BUCKETS.items()}
    for ann in ctx.a.annotations.values():
        if ann.get("task_id") != task["id"]:
            continue
        user = ann.get("user_id", "")
        row = rows.setdefault(user, _count_row(user))
        bucket = buckets.get(ann.get("status", {}).get("code"))
        if bucket:
            row[bucket] += 1
    wanted = set(ctx.req.get("user_ids", []))
    counts = [r for u, r in rows.items() if not wanted or u in wanted]
    return {"app_id": ctx.app_id, "task_id": task["id"], "counts": counts}


@handler("GetTaskInputCount")
def task_input_count(ctx: Ctx) -> dict:
    """Per worker: inputs assigned (all of them for FULL, an even share for PARTITIONED)
    split by the task's estimated work and review percents."""
    task = _task(ctx)
    meta = ctx.a.task_meta[task["id"]]
    total = ctx.state.task_input_total(ctx.a, task)
    workers = _workers(task) or [ctx.user_id]
    partitioned = task.get("worker", {}).get("strategy") == "PARTITIONED"
    reviewed_task = task.get("review", {}).get("strategy") in ("MANUAL", "CONSENSUS")
    wanted = set(ctx.req.get("user_ids", []))
    counts = []
    for n, user in enumerate(workers):
        assigned = total // len(workers) + (1 if n < total % len(workers) else 0) if partitioned else total
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
    return {"app_id": ctx.app_id, "task_id": task["id"], "counts": counts}


# -- bulk operations ---------------------------------------------------------------------------


def _bulk_inputs(a: AppData, op: dict) -> tuple[list[str] | None, str]:
    if "input_ids" in op:
        ids = list(op["input_ids"].get("input_ids", []))
        missing = [i for i in ids if i not in a.inputs]
        if missing:
            return None, f"inputs do not exist: {', '.join(missing[:20])}"
        return ids, ""
    if "dataset" in op:
        ds = op["dataset"].get("id", "")
        if ds not in a.datasets:
            return None, f"source dataset {ds!r} does not exist"
        return list(a.dataset_inputs.get(ds, {})), ""
    if "search" in op:
        return None, "the emulator does not resolve searches; use input_ids or dataset as input source"
    return None, "no input source (input_ids, search or dataset) given"


def _bulk_problem(a: AppData, op: dict) -> str | None:
    operation = op.get("operation", {})
    if "add_to_dataset" in operation or "delete_from_dataset" in operation:
        target = (operation.get("add_to_dataset") or operation.get("delete_from_dataset") or {}).get("dataset_id", "")
        if target not in a.datasets:
            return f"target dataset {target!r} does not exist"
        return None
    if "split_into_datasets" in operation:
        split = operation["split_into_datasets"]
        if split.get("method", "RANDOM_PERCENTAGE_SPLIT") != "RANDOM_PERCENTAGE_SPLIT":
            return f"split method {split.get('method')!r} is not supported; use RANDOM_PERCENTAGE_SPLIT"
        splits = split.get("dataset_splits", [])
        if len(splits) < 1:
            return "split_into_datasets needs dataset_splits"
        total = 0
        for s in splits:
            ds = s.get("dataset", {}).get("id", "")
            if ds not in a.datasets:
                return f"split dataset {ds!r} does not exist"
            pct = int(s.get("percentage", 0))
            if pct <= 0 or pct > 100:
                return f"split percentage for {ds!r} must be in 1..100, got {pct}"
            total += pct
        if total != 100:
            return f"split percentages must add up to 100, got {total}"
        return None
    if any(
        k in operation
        for k in (
            "add_concepts",
            "delete_concepts",
            "add_metadata",
            "delete_metadata",
            "overwrite_geo",
            "delete_geo",
            "delete_annotations",
        )
    ):
        return None
    return "no operation given"


def create_bulk_operation(state: Any, a: AppData, item: dict, input_ids: list[str], t: float) -> dict:
    """Store a PENDING bulk operation over ``input_ids`` (shared with seeding)."""
    stamp = iso(t)
    obj = {
        **item,
        "app_id": a.app_id,
        "created_by": a.user_id,
        "created_at": stamp,
        "last_modified_at": stamp,
        "status": status("BULK_OPERATION_PENDING"),
    }
    obj.pop("progress", None)
    a.bulk_ops[obj["id"]] = obj
    meta = {"t0": t, "input_ids": input_ids, "applied": False, "done": False}
    a.bulk_meta[obj["id"]] = meta
    a.active_bulk.add(obj["id"])
    state.advance_bulk(a, obj["id"], meta, t)
    return obj


@handler("PostBulkOperations")
def post_bulk_operations(ctx: Ctx) -> dict:
    a = ctx.a
    items = ctx.req.get("bulk_operations", [])
    if not items:
        raise ApiError("BULK_OPERATION_INVALID_REQUEST", "Invalid request", "no bulk_operations given")
    results: list[tuple[dict, str | None, str]] = []
    for item in items:
        item = dict(item)
        item.pop("status", None)
        if not item.get("id"):
            item["id"] = ctx.state.new_id("bulk-")
        if item["id"] in a.bulk_ops:
            results.append((item, "DATABASE_DUPLICATE_KEY", f"bulk operation {item['id']!r} already exists"))
            continue
        ids, problem = _bulk_inputs(a, item)
        problem = problem or _bulk_problem(a, item) or ""
        if problem or ids is None:
            results.append((item, "BULK_OPERATION_INVALID_REQUEST", problem))
            continue
        results.append((create_bulk_operation(ctx.state, a, item, ids, ctx.now()), None, ""))
        ctx.changed()
    return batch_result("bulk_operation", results)


@handler("ListBulkOperations")
def list_bulk_operations(ctx: Ctx) -> dict:
    return {"bulk_operation": page_of(ctx.req, newest_first(ctx.a.bulk_ops))}


@handler("GetBulkOperation")
def get_bulk_operation(ctx: Ctx) -> dict:
    return {"bulk_operation": get_or_404(ctx.a.bulk_ops, ctx.req.get("id", ""), "bulk operation")}


@handler("CancelBulkOperations")
def cancel_bulk_operations(ctx: Ctx) -> dict:
    """Cancel running operations (their effect is never applied); a finished one is
    returned unchanged. Missing ids: 404 naming them, nothing cancelled."""
    a = ctx.a
    ids = ctx.req.get("ids", [])
    if not ids:
        raise ApiError("BULK_OPERATION_INVALID_REQUEST", "Invalid request", "no bulk operation ids given")
    missing = [i for i in ids if i not in a.bulk_ops]
    if missing:
        raise ApiError(
            "CONN_DOES_NOT_EXIST", "Resource does not exist", f"bulk operation ids not found: {', '.join(missing[:50])}"
        )
    out = []
    for i in ids:
        op = a.bulk_ops[i]
        if not ctx.state.is_terminal_bulk(op):
            op["status"] = status("BULK_OPERATION_CANCELLED")
            op["last_modified_at"] = iso(ctx.now())
            a.bulk_meta[i]["done"] = True
            ctx.changed()
        out.append(op)
    return {"bulk_operation": out}


@handler("DeleteBulkOperations")
def delete_bulk_operations(ctx: Ctx) -> dict:
    """Delete finished operations; a running one is an error (nothing deleted)."""
    a = ctx.a
    ids = ctx.req.get("ids", [])
    running = [i for i in ids if i in a.bulk_ops and not ctx.state.is_terminal_bulk(a.bulk_ops[i])]
    if running:
        raise ApiError(
            "BULK_OPERATION_INVALID_REQUEST",
            "Invalid request",
            f"bulk operations still running (cancel them or wait): {', '.join(running[:50])}",
        )

    def delete(i: str) -> None:
        del a.bulk_ops[i]
        a.bulk_meta.pop(i, None)

    return delete_ids(ctx, ids, a.bulk_ops.__contains__, delete, "bulk operation")


# -- models -----------------------------------------------------------------------------------


def create_model(a: AppData, item: dict, t: float) -> dict:
    stamp = iso(t)
    obj = {
        "name": item["id"],
        **item,
        "app_id": a.app_id,
        "user_id": a.user_id,
        "created_at": stamp,
        "modified_at": stamp,
    }
    obj.pop("model_version", None)
    a.models[obj["id"]] = obj
    a.model_versions.setdefault(obj["id"], {})
    return obj


def create_model_version(a: AppData, model_id: str, item: dict, t: float) -> dict:
    stamp = iso(t)
    obj = {
        **item,
        "app_id": a.app_id,
        "user_id": a.user_id,
        "created_at": stamp,
        "modified_at": stamp,
        "completed_at": stamp,
        "status": status("MODEL_TRAINED"),
    }
    a.model_versions.setdefault(model_id, {})[obj["id"]] = obj
    a.models[model_id]["model_version"] = obj
    a.models[model_id]["modified_at"] = stamp
    return obj


def _model(ctx: Ctx) -> dict:
    m = ctx.a.models.get(ctx.req.get("model_id", ""))
    if m is None:
        raise ApiError(
            "MODEL_DOES_NOT_EXIST", "Model does not exist", f"model {ctx.req.get('model_id', '')!r} does not exist"
        )
    return m


@handler("PostModels")
def post_models(ctx: Ctx) -> dict:
    items = list(ctx.req.get("models", []))
    if ctx.req.get("model"):
        items.insert(0, ctx.req["model"])
    items = new_items_all_or_nothing(ctx, items, ctx.a.models, "model", "model-")
    out = []
    for item in items:
        version = item.pop("model_version", None)
        obj = create_model(ctx.a, item, ctx.now())
        if version:
            version = dict(version)
            version.setdefault("id", ctx.state.new_id("mv-"))
            create_model_version(ctx.a, obj["id"], version, ctx.now())
        out.append(obj)
    ctx.changed()
    return {"model": out[0]}


@handler("ListModels")
def list_models(ctx: Ctx) -> dict:
    return {"models": page_of(ctx.req, newest_first(ctx.a.models))}


@handler("GetModel")
def get_model(ctx: Ctx) -> dict:
    return {"model": _model(ctx)}


@handler("PostModelVersions")
def post_model_versions(ctx: Ctx) -> dict:
    model = _model(ctx)
    store = ctx.a.model_versions.setdefault(model["id"], {})
    items = new_items_all_or_nothing(ctx, ctx.req.get("model_versions") or [{}], store, "model version", "mv-")
    for item in items:
        if ctx.req.get("description") and "description" not in item:
            item["description"] = ctx.req["description"]
        create_model_version(ctx.a, model["id"], item, ctx.now())
    ctx.changed()
    return {"model": model}


@handler("ListModelVersions")
def list_model_versions(ctx: Ctx) -> dict:
    model = _model(ctx)
    return {"model_versions": page_of(ctx.req, newest_first(ctx.a.model_versions.get(model["id"], {})))}


@handler("GetModelVersion")
def get_model_version(ctx: Ctx) -> dict:
    model = _model(ctx)
    v = ctx.a.model_versions.get(model["id"], {}).get(ctx.req.get("version_id", ""))
    if v is None:
        raise ApiError(
            "MODEL_DOES_NOT_EXIST",
            "Model version does not exist",
            f"model version {model['id']}/{ctx.req.get('version_id', '')} does not exist",
        )
    return {"model_version": v}


# -- workflows -------------------------------------------------------------------------------


@handler("PostWorkflows")
def post_workflows(ctx: Ctx) -> dict:
    items = new_items_all_or_nothing(
        ctx, ctx.req.get("workflows", []), ctx.a.workflows, "workflow", "wf-", dup_code="WORKFLOW_DUPLICATE"
    )
    out = []
    for item in items:
        stamp = iso(ctx.now())
        obj = {**item, "app_id": ctx.app_id, "user_id": ctx.user_id, "created_at": stamp, "modified_at": stamp}
        ctx.a.workflows[obj["id"]] = obj
        out.append(obj)
    ctx.changed()
    return {"workflows": out}


@handler("ListWorkflows")
def list_workflows(ctx: Ctx) -> dict:
    return {"workflows": page_of(ctx.req, newest_first(ctx.a.workflows))}


@handler("GetWorkflow")
def get_workflow(ctx: Ctx) -> dict:
    w = ctx.a.workflows.get(ctx.req.get("workflow_id", ""))
    if w is None:
        raise ApiError(
            "WORKFLOW_DOES_NOT_EXIST",
            "Workflow does not exist",
            f"workflow {ctx.req.get('workflow_id', '')!r} does not exist",
        )
    return {"workflow": w}


# -- collaborators ---------------------------------------------------------------------------


@handler("PostCollaborators")
def post_collaborators(ctx: Ctx) -> dict:
    items = []
    for item in ctx.req.get("collaborators", []):
        item = dict(item)
        if not item.get("id") and item.get("user", {}).get("id"):
            item["id"] = item["user"]["id"]
        items.append(item)
    items = new_items_all_or_nothing(ctx, items, ctx.a.collaborators, "collaborator", "collab-")
    out = []
    for item in items:
        stamp = iso(ctx.now())
        obj = {**item, "created_at": stamp, "modified_at": stamp}
        ctx.a.collaborators[obj["id"]] = obj
        out.append(obj)
    ctx.changed()
    return {"collaborators": out, "app_owner": {"id": ctx.user_id}}


@handler("ListCollaborators")
def list_collaborators(ctx: Ctx) -> dict:
    return {"collaborators": page_of(ctx.req, newest_first(ctx.a.collaborators)), "app_owner": {"id": ctx.user_id}}


@handler("DeleteCollaborators")
def delete_collaborators(ctx: Ctx) -> dict:
    a = ctx.a
    ids = list(ctx.req.get("collaborator_ids", []))
    for email in ctx.req.get("user_emails", []):
        found = [c["id"] for c in a.collaborators.values() if c.get("user", {}).get("primary_email") == email]
        ids.extend(found or [email])
    return delete_ids(ctx, ids, a.collaborators.__contains__, lambda i: a.collaborators.pop(i), "collaborator")
