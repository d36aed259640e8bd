"""Handlers of workflows: Post, List, Get."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import workflows
from connector.emulator.handlers.common import Ctx, Handler, newest_first, page_of

__all__ = ["HANDLERS"]


def post_workflows(ctx: Ctx) -> dict[str, Any]:
    return {"workflows": workflows.create_workflows(ctx.store, ctx.app_data, ctx.req.get("workflows", []))}


def list_workflows(ctx: Ctx) -> dict[str, Any]:
    return {"workflows": page_of(ctx.req, newest_first(ctx.app_data.workflows))}


def get_workflow(ctx: Ctx) -> dict[str, Any]:
    return {"workflow": workflows.get_workflow(ctx.app_data, ctx.req.get("workflow_id", ""))}


HANDLERS: dict[str, Handler] = {
    "PostWorkflows": post_workflows,
    "ListWorkflows": list_workflows,
    "GetWorkflow": get_workflow,
}
