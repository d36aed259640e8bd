"""Handlers of apps: ListApps, GetApp, PostApps (the user-scoped methods)."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import apps
from connector.emulator.handlers.common import Ctx, Handler, page_of

__all__ = ["HANDLERS"]


def list_apps(ctx: Ctx) -> dict[str, Any]:
    found = [
        a.app
        for (user_id, _), a in ctx.store.apps.items()
        if user_id == ctx.user_id and (ctx.allowed is None or a.app_id in ctx.allowed)
    ]
    found.reverse()
    return {"apps": page_of(ctx.req, found)}


def get_app(ctx: Ctx) -> dict[str, Any]:
    return {"app": ctx.app_data.app}


def post_apps(ctx: Ctx) -> dict[str, Any]:
    return {"apps": apps.create_apps(ctx.store, ctx.user_id, ctx.req.get("apps", []))}


HANDLERS: dict[str, Handler] = {"ListApps": list_apps, "GetApp": get_app, "PostApps": post_apps}
