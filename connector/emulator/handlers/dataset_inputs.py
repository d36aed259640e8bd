"""Handlers of dataset inputs (a dataset's members): List, Get, Post, Delete."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import dataset_inputs
from connector.emulator.backend.errors import ApiError, not_found
from connector.emulator.handlers.common import Ctx, Handler, batch_result, dataset_of, newest_first, page_of
from connector.status_codes import StatusCode

__all__ = ["HANDLERS"]


def list_dataset_inputs(ctx: Ctx) -> dict[str, Any]:
    dataset_id, _ = dataset_of(ctx)
    return {"dataset_inputs": page_of(ctx.req, newest_first(ctx.app_data.dataset_inputs.get(dataset_id, {})))}


def get_dataset_input(ctx: Ctx) -> dict[str, Any]:
    dataset_id, _ = dataset_of(ctx)
    input_id = ctx.req.get("input_id", "")
    member = ctx.app_data.dataset_inputs.get(dataset_id, {}).get(input_id)
    if member is None:
        raise not_found("dataset input", f"{dataset_id}/{input_id}")
    return {"dataset_input": member}


def post_dataset_inputs(ctx: Ctx) -> dict[str, Any]:
    dataset_id, _ = dataset_of(ctx)
    if ctx.req.get("search"):
        raise ApiError(
            StatusCode.NOT_IMPLEMENTED,
            "Not implemented",
            "the emulator does not add dataset inputs by search; give dataset_inputs with input ids",
        )
    input_ids = [item.get("input", {}).get("id", "") for item in ctx.req.get("dataset_inputs", [])]
    results = dataset_inputs.add_dataset_inputs(ctx.store, ctx.app_data, dataset_id, input_ids)
    return batch_result("dataset_inputs", results, status_on_item=False)


def delete_dataset_inputs(ctx: Ctx) -> dict[str, Any]:
    dataset_id, _ = dataset_of(ctx)
    dataset_inputs.delete_dataset_inputs(ctx.store, ctx.app_data, dataset_id, ctx.req.get("input_ids", []))
    return {}


HANDLERS: dict[str, Handler] = {
    "ListDatasetInputs": list_dataset_inputs,
    "GetDatasetInput": get_dataset_input,
    "PostDatasetInputs": post_dataset_inputs,
    "DeleteDatasetInputs": delete_dataset_inputs,
}
