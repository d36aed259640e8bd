"""Handlers of dataset versions: List (filtered by request origin), Get, Post, Patch,
Delete."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import dataset_versions
from connector.emulator.backend.errors import not_found
from connector.emulator.backend.objects import patch_all
from connector.emulator.handlers.common import Ctx, Handler, batch_result, dataset_of, newest_first, page_of

__all__ = ["HANDLERS"]


def list_dataset_versions(ctx: Ctx) -> dict[str, Any]:
    dataset_id, _ = dataset_of(ctx)
    items = newest_first(ctx.app_data.versions.get(dataset_id, {}))
    origins = ctx.req.get("request_origins")
    if origins:
        wanted = set(origins)
        items = (v for v in items if v.get("request_origin", "DATASET_VERSION_REQUEST_ORIGIN_NOT_SET") in wanted)
    return {"dataset_versions": page_of(ctx.req, items)}


def get_dataset_version(ctx: Ctx) -> dict[str, Any]:
    dataset_id, _ = dataset_of(ctx)
    version_id = ctx.req.get("dataset_version_id", "")
    version = ctx.app_data.versions.get(dataset_id, {}).get(version_id)
    if version is None:
        raise not_found("dataset version", f"{dataset_id}/{version_id}")
    return {"dataset_version": version}


def post_dataset_versions(ctx: Ctx) -> dict[str, Any]:
    dataset_id, _ = dataset_of(ctx)
    items = ctx.req.get("dataset_versions") or [{}]
    return batch_result(
        "dataset_versions", dataset_versions.create_versions(ctx.store, ctx.app_data, dataset_id, items)
    )


def patch_dataset_versions(ctx: Ctx) -> dict[str, Any]:
    dataset_id, _ = dataset_of(ctx)
    out = patch_all(
        ctx.store,
        ctx.req.get("dataset_versions", []),
        ctx.app_data.versions.get(dataset_id, {}),
        "dataset version",
        ctx.req.get("action") or "merge",
        dataset_versions.PATCH_PROTECTED,
    )
    return {"dataset_versions": out}


def delete_dataset_versions(ctx: Ctx) -> dict[str, Any]:
    dataset_id, _ = dataset_of(ctx)
    dataset_versions.delete_versions(ctx.store, ctx.app_data, dataset_id, ctx.req.get("dataset_version_ids", []))
    return {}


HANDLERS: dict[str, Handler] = {
    "ListDatasetVersions": list_dataset_versions,
    "GetDatasetVersion": get_dataset_version,
    "PostDatasetVersions": post_dataset_versions,
    "PatchDatasetVersions": patch_dataset_versions,
    "DeleteDatasetVersions": delete_dataset_versions,
}
