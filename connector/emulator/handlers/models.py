"""Handlers of models and model versions: Post, List, Get of each."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import models
from connector.emulator.handlers.common import Ctx, Handler, newest_first, page_of

__all__ = ["HANDLERS"]


def post_models(ctx: Ctx) -> dict[str, Any]:
    items = list(ctx.req.get("models", []))
    if ctx.req.get("model"):
        items.insert(0, ctx.req["model"])
    return {"model": models.create_models(ctx.store, ctx.app_data, items)[0]}


def list_models(ctx: Ctx) -> dict[str, Any]:
    return {"models": page_of(ctx.req, newest_first(ctx.app_data.models))}


def get_model(ctx: Ctx) -> dict[str, Any]:
    return {"model": models.get_model(ctx.app_data, ctx.req.get("model_id", ""))}


def post_model_versions(ctx: Ctx) -> dict[str, Any]:
    model = models.get_model(ctx.app_data, ctx.req.get("model_id", ""))
    items = ctx.req.get("model_versions") or []
    models.create_model_versions(ctx.store, ctx.app_data, model, items, ctx.req.get("description", ""))
    return {"model": model}


def list_model_versions(ctx: Ctx) -> dict[str, Any]:
    model = models.get_model(ctx.app_data, ctx.req.get("model_id", ""))
    return {"model_versions": page_of(ctx.req, newest_first(ctx.app_data.model_versions.get(model["id"], {})))}


def get_model_version(ctx: Ctx) -> dict[str, Any]:
    model = models.get_model(ctx.app_data, ctx.req.get("model_id", ""))
    return {"model_version": models.get_model_version(ctx.app_data, model["id"], ctx.req.get("version_id", ""))}


HANDLERS: dict[str, Handler] = {
    "PostModels": post_models,
    "ListModels": list_models,
    "GetModel": get_model,
    "PostModelVersions": post_model_versions,
    "ListModelVersions": list_model_versions,
    "GetModelVersion": get_model_version,
}
