"""Handlers of datasets: List, Get, Post, Patch, Delete."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import datasets
from connector.emulator.backend.objects import patch_all
from connector.emulator.handlers.common import Ctx, Handler, dataset_of, newest_first, page_of

__all__ = ["HANDLERS"]


def list_datasets(ctx: Ctx) -> dict[str, Any]:
    stored = ctx.app_data.datasets
    items = newest_first(stored)
    if ctx.req.get("id"):
        items = (d for d in stored.values() if d["id"] == ctx.req["id"])
    return {"datasets": page_of(ctx.req, items)}


def get_dataset(ctx: Ctx) -> dict[str, Any]:
    return {"dataset": dataset_of(ctx)[1]}


def post_datasets(ctx: Ctx) -> dict[str, Any]:
    return {"datasets": datasets.create_datasets(ctx.store, ctx.app_data, ctx.req.get("datasets", []))}


def patch_datasets(ctx: Ctx) -> dict[str, Any]:
    action = ctx.req.get("action") or "merge"
    return {"datasets": patch_all(ctx.store, ctx.req.get("datasets", []), ctx.app_data.datasets, "dataset", action)}


def delete_datasets(ctx: Ctx) -> dict[str, Any]:
    datasets.delete_datasets(ctx.store, ctx.app_data, ctx.req.get("dataset_ids", []))
    return {}


HANDLERS: dict[str, Handler] = {
    "ListDatasets": list_datasets,
    "GetDataset": get_dataset,
    "PostDatasets": post_datasets,
    "PatchDatasets": patch_datasets,
    "DeleteDatasets": delete_datasets,
}
