"""Handlers of labeling tasks: Post, List (by ids, workers, reviewers, input source),
Get, Patch, Delete, and the per-worker annotation and input counts."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import tasks
from connector.emulator.handlers.common import Ctx, Handler, batch_result, newest_first, page_of

__all__ = ["HANDLERS"]


def post_tasks(ctx: Ctx) -> dict[str, Any]:
    return batch_result("tasks", tasks.create_tasks(ctx.store, ctx.app_data, ctx.req.get("tasks", [])))


def list_tasks(ctx: Ctx) -> dict[str, Any]:
    req = ctx.req
    items: Any = newest_first(ctx.app_data.tasks)
    if req.get("ids"):
        ids = set(req["ids"])
        items = (t for t in items if t["id"] in ids)
    if req.get("worker_user_ids"):
        workers = set(req["worker_user_ids"])
        items = (t for t in items if workers & set(tasks.workers(t)))
    if req.get("review_user_ids"):
        reviewers = set(req["review_user_ids"])
        items = (t for t in items if reviewers & set(t.get("review", {}).get("user_ids", [])))
    if req.get("input_source_type"):
        items = (t for t in items if t.get("input_source", {}).get("type") == req["input_source_type"])
    if req.get("input_source_ids"):
        source_ids = set(req["input_source_ids"])
        items = (t for t in items if t.get("input_source", {}).get("id") in source_ids)
    return {"tasks": page_of(req, items)}


def get_task(ctx: Ctx) -> dict[str, Any]:
    return {"task": tasks.get_task(ctx.app_data, ctx.req.get("task_id", ""))}


def patch_tasks(ctx: Ctx) -> dict[str, Any]:
    action = ctx.req.get("action") or "overwrite"
    return {"tasks": tasks.patch_tasks(ctx.store, ctx.app_data, ctx.req.get("tasks", []), action)}


def delete_tasks(ctx: Ctx) -> dict[str, Any]:
    tasks.delete_tasks(ctx.store, ctx.app_data, ctx.req.get("ids", []))
    return {}


def task_annotation_count(ctx: Ctx) -> dict[str, Any]:
    task = tasks.get_task(ctx.app_data, ctx.req.get("task_id", ""))
    counts = tasks.annotation_counts(ctx.app_data, task, ctx.req.get("user_ids", []))
    return {"app_id": ctx.app_id, "task_id": task["id"], "counts": counts}


def task_input_count(ctx: Ctx) -> dict[str, Any]:
    task = tasks.get_task(ctx.app_data, ctx.req.get("task_id", ""))
    counts = tasks.input_counts(ctx.app_data, task, ctx.req.get("user_ids", []), ctx.user_id)
    return {"app_id": ctx.app_id, "task_id": task["id"], "counts": counts}


HANDLERS: dict[str, Handler] = {
    "PostTasks": post_tasks,
    "ListTasks": list_tasks,
    "GetTask": get_task,
    "PatchTasks": patch_tasks,
    "DeleteTasks": delete_tasks,
    "GetTaskAnnotationCount": task_annotation_count,
    "GetTaskInputCount": task_input_count,
}
