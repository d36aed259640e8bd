"""Handlers of inputs: Post (with its inputs add job), List (by ids, by status), Get,
Patch, Delete, and their count by processing state."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import inputs
from connector.emulator.backend.objects import lookup, patch_all
from connector.emulator.backend.statuses import code_of
from connector.emulator.handlers.common import Ctx, Handler, batch_result, newest_first, page_of
from connector.status_codes import StatusCode

__all__ = ["HANDLERS"]


def post_inputs(ctx: Ctx) -> dict[str, Any]:
    results, job = inputs.add_inputs(
        ctx.store,
        ctx.app_data,
        ctx.req.get("inputs", []),
        resolution=ctx.req.get("input_id_conflict_resolution", ""),
        job_id=ctx.req.get("inputs_add_job_id", ""),
        user_id=ctx.user_id,
    )
    return batch_result("inputs", results, extra={"inputs_add_job": job} if job is not None else None)


def list_inputs(ctx: Ctx) -> dict[str, Any]:
    stored = ctx.app_data.inputs
    ids = ctx.req.get("ids")
    if ids:
        items: Any = (stored[i] for i in ids if i in stored)
    else:
        items = newest_first(stored)
    st = ctx.req.get("status")
    if st and st.get("code"):
        wanted = code_of(st)
        items = (i for i in items if i.get("status", {}).get("code") == wanted)
    return {"inputs": page_of(ctx.req, items)}


#: The count each input status goes to in GetInputCount's answer.
_COUNTED = {
    int(StatusCode.INPUT_SUCCESS): "processed",
    int(StatusCode.INPUT_PENDING): "to_process",
    int(StatusCode.INPUT_FAILED): "errors",
    int(StatusCode.INPUT_IN_PROGRESS): "processing",
}


def get_input_count(ctx: Ctx) -> dict[str, Any]:
    """The app's inputs by processing state; like the API's JSON, states at zero are
    left out (an app without inputs answers ``"counts": {}``)."""
    counts: dict[str, int] = {}
    for item in ctx.app_data.inputs.values():
        name = _COUNTED.get(item.get("status", {}).get("code"))
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
    return {"counts": counts}


def get_input(ctx: Ctx) -> dict[str, Any]:
    return {"input": lookup(ctx.app_data.inputs, ctx.req.get("input_id", ""), "input")}


def patch_inputs(ctx: Ctx) -> dict[str, Any]:
    action = ctx.req.get("action") or "merge"
    out = patch_all(ctx.store, ctx.req.get("inputs", []), ctx.app_data.inputs, "input", action, inputs.PATCH_PROTECTED)
    return {"inputs": out}


def delete_inputs(ctx: Ctx) -> dict[str, Any]:
    inputs.delete_inputs(ctx.store, ctx.app_data, ctx.req.get("ids", []))
    return {}


HANDLERS: dict[str, Handler] = {
    "PostInputs": post_inputs,
    "ListInputs": list_inputs,
    "GetInput": get_input,
    "GetInputCount": get_input_count,
    "PatchInputs": patch_inputs,
    "DeleteInputs": delete_inputs,
}
