"""Handlers of bulk operations: Post, List, Get, Cancel, Delete."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import bulk_operations
from connector.emulator.backend.objects import lookup
from connector.emulator.handlers.common import Ctx, Handler, batch_result, newest_first, page_of

__all__ = ["HANDLERS"]


def post_bulk_operations(ctx: Ctx) -> dict[str, Any]:
    items = ctx.req.get("bulk_operations", [])
    return batch_result("bulk_operation", bulk_operations.create_bulk_operations(ctx.store, ctx.app_data, items))


def list_bulk_operations(ctx: Ctx) -> dict[str, Any]:
    return {"bulk_operation": page_of(ctx.req, newest_first(ctx.app_data.bulk_ops))}


def get_bulk_operation(ctx: Ctx) -> dict[str, Any]:
    return {"bulk_operation": lookup(ctx.app_data.bulk_ops, ctx.req.get("id", ""), "bulk operation")}


def cancel_bulk_operations(ctx: Ctx) -> dict[str, Any]:
    return {"bulk_operation": bulk_operations.cancel_bulk_operations(ctx.store, ctx.app_data, ctx.req.get("ids", []))}


def delete_bulk_operations(ctx: Ctx) -> dict[str, Any]:
    bulk_operations.delete_bulk_operations(ctx.store, ctx.app_data, ctx.req.get("ids", []))
    return {}


HANDLERS: dict[str, Handler] = {
    "PostBulkOperations": post_bulk_operations,
    "ListBulkOperations": list_bulk_operations,
    "GetBulkOperation": get_bulk_operation,
    "CancelBulkOperations": cancel_bulk_operations,
    "DeleteBulkOperations": delete_bulk_operations,
}
