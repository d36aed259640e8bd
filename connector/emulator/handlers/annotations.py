"""Handlers of annotations: List (by input, id, user, task, status), Post, Patch, Delete."""

from __future__ import annotations

from typing import Any

import connector.emulator.backend.annotations as stored
from connector.emulator.backend.statuses import code_of
from connector.emulator.handlers.common import Ctx, Handler, batch_result, newest_first, page_of

__all__ = ["HANDLERS"]


def list_annotations(ctx: Ctx) -> dict[str, Any]:
    a = ctx.app_data
    req = ctx.req
    if req.get("input_ids"):
        items: Any = (
            a.annotations[x] for i in req["input_ids"] for x in a.ann_by_input.get(i, ()) if x in a.annotations
        )
    elif req.get("ids"):
        items = (a.annotations[x] for x in req["ids"] if x in a.annotations)
    else:
        items = newest_first(a.annotations)
    if req.get("ids") and req.get("input_ids"):
        ids = set(req["ids"])
        items = (x for x in items if x["id"] in ids)
    if req.get("user_ids"):
        users = set(req["user_ids"])
        items = (x for x in items if x.get("user_id") in users)
    if req.get("task_id"):
        items = (x for x in items if x.get("task_id") == req["task_id"])
    if req.get("statuses"):
        codes = {code_of(s) for s in req["statuses"]}
        items = (x for x in items if x.get("status", {}).get("code") in codes)
    return {"annotations": page_of(req, items)}


def post_annotations(ctx: Ctx) -> dict[str, Any]:
    items = ctx.req.get("annotations", [])
    return batch_result("annotations", stored.add_annotations(ctx.store, ctx.app_data, items, ctx.user_id))


def patch_annotations(ctx: Ctx) -> dict[str, Any]:
    action = ctx.req.get("action") or "merge"
    return {"annotations": stored.patch_annotations(ctx.store, ctx.app_data, ctx.req.get("annotations", []), action)}


def delete_annotations(ctx: Ctx) -> dict[str, Any]:
    stored.delete_annotations(ctx.store, ctx.app_data, ctx.req.get("ids", []), ctx.req.get("input_ids", []))
    return {}


HANDLERS: dict[str, Handler] = {
    "ListAnnotations": list_annotations,
    "PostAnnotations": post_annotations,
    "PatchAnnotations": patch_annotations,
    "DeleteAnnotations": delete_annotations,
}
