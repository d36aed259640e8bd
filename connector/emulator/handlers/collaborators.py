"""Handlers of the app's collaborators: Post, List, Delete (by id or email)."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import collaborators
from connector.emulator.handlers.common import Ctx, Handler, newest_first, page_of

__all__ = ["HANDLERS"]


def post_collaborators(ctx: Ctx) -> dict[str, Any]:
    created = collaborators.create_collaborators(ctx.store, ctx.app_data, ctx.req.get("collaborators", []))
    return {"collaborators": created, "app_owner": {"id": ctx.user_id}}


def list_collaborators(ctx: Ctx) -> dict[str, Any]:
    return {
        "collaborators": page_of(ctx.req, newest_first(ctx.app_data.collaborators)),
        "app_owner": {"id": ctx.user_id},
    }


def delete_collaborators(ctx: Ctx) -> dict[str, Any]:
    collaborators.delete_collaborators(
        ctx.store, ctx.app_data, ctx.req.get("collaborator_ids", []), ctx.req.get("user_emails", [])
    )
    return {}


HANDLERS: dict[str, Handler] = {
    "PostCollaborators": post_collaborators,
    "ListCollaborators": list_collaborators,
    "DeleteCollaborators": delete_collaborators,
}
