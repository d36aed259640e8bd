"""Workflows: created all-or-nothing (a duplicate id is WORKFLOW_DUPLICATE)."""

from __future__ import annotations

from connector.emulator.backend.errors import ApiError
from connector.emulator.backend.objects import new_items_all_or_nothing, stamped
from connector.emulator.backend.store import AppData, Obj, Store
from connector.status_codes import StatusCode

__all__ = ["create_workflow", "create_workflows", "get_workflow"]


def get_workflow(app: AppData, workflow_id: str) -> Obj:
    """The workflow, else ApiError WORKFLOW_DOES_NOT_EXIST."""
    workflow = app.workflows.get(workflow_id)
    if workflow is None:
        raise ApiError(
            StatusCode.WORKFLOW_DOES_NOT_EXIST, "Workflow does not exist", f"workflow {workflow_id!r} does not exist"
        )
    return workflow


def create_workflow(app: AppData, item: Obj, t: float) -> Obj:
    """Store one workflow created at ``t`` (``item`` carries its id)."""
    obj = stamped({**item, "app_id": app.app_id, "user_id": app.user_id}, t)
    app.workflows[obj["id"]] = obj
    return obj


def create_workflows(store: Store, app: AppData, items: list[Obj]) -> list[Obj]:
    """Create workflows all-or-nothing."""
    checked = new_items_all_or_nothing(
        store, items, app.workflows, "workflow", "wf-", dup_code=StatusCode.WORKFLOW_DUPLICATE
    )
    out = [create_workflow(app, item, store.now()) for item in checked]
    store.changed()
    return out
