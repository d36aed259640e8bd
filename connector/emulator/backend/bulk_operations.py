"""Bulk operations: PENDING -> IN_PROGRESS -> SUCCESS over ``bulk_operation_seconds``;
the effect (add to / remove from a dataset, split into datasets, add metadata) is
applied exactly once, on completion. A cancelled operation never applies it."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend.clock import iso
from connector.emulator.backend.dataset_inputs import add_members, remove_members
from connector.emulator.backend.errors import ApiError
from connector.emulator.backend.objects import ItemResult, delete_by_ids
from connector.emulator.backend.statuses import checked_code, status
from connector.emulator.backend.store import AppData, Obj, Store
from connector.status_codes import StatusCode, status_code_of

__all__ = [
    "TERMINAL",
    "advance_bulk",
    "advance_bulk_operations",
    "apply_bulk",
    "cancel_bulk_operations",
    "create_bulk_operation",
    "create_bulk_operations",
    "delete_bulk_operations",
    "end_bulk_operation",
    "is_terminal",
]

#: Statuses after which an operation never changes (and may be deleted).
TERMINAL = frozenset(
    {
        StatusCode.BULK_OPERATION_SUCCESS,
        StatusCode.BULK_OPERATION_FAILED,
        StatusCode.BULK_OPERATION_CANCELLED,
        StatusCode.BULK_OPERATION_UNEXPECTED_ERROR,
        StatusCode.BULK_OPERATION_INVALID_REQUEST,
    }
)
#: Operations that need no check beyond their input source.
_UNCHECKED_OPERATIONS = (
    "add_concepts",
    "delete_concepts",
    "add_metadata",
    "delete_metadata",
    "overwrite_geo",
    "delete_geo",
    "delete_annotations",
)


def is_terminal(op: Obj) -> bool:
    """Whether the operation has ended (see :data:`TERMINAL`)."""
    return status_code_of(op) in TERMINAL


def _source_inputs(app: AppData, op: Obj) -> tuple[list[str] | None, str]:
    """The input ids an operation works on, or None and why not."""
    if "input_ids" in op:
        ids = list(op["input_ids"].get("input_ids", []))
        missing = [i for i in ids if i not in app.inputs]
        if missing:
            return None, f"inputs do not exist: {', '.join(missing[:20])}"
        return ids, ""
    if "dataset" in op:
        dataset_id = op["dataset"].get("id", "")
        if dataset_id not in app.datasets:
            return None, f"source dataset {dataset_id!r} does not exist"
        return list(app.dataset_inputs.get(dataset_id, {})), ""
    if "search" in op:
        return None, "the emulator does not resolve searches; use input_ids or dataset as input source"
    return None, "no input source (input_ids, search or dataset) given"


def _operation_problem(app: AppData, op: Obj) -> str | None:
    """Why an operation cannot run (a missing target dataset, a bad split), or None."""
    operation = op.get("operation", {})
    if "add_to_dataset" in operation or "delete_from_dataset" in operation:
        target = (operation.get("add_to_dataset") or operation.get("delete_from_dataset") or {}).get("dataset_id", "")
        if target not in app.datasets:
            return f"target dataset {target!r} does not exist"
        return None
    if "split_into_datasets" in operation:
        split = operation["split_into_datasets"]
        if split.get("method", "RANDOM_PERCENTAGE_SPLIT") != "RANDOM_PERCENTAGE_SPLIT":
            return f"split method {split.get('method')!r} is not supported; use RANDOM_PERCENTAGE_SPLIT"
        splits = split.get("dataset_splits", [])
        if len(splits) < 1:
            return "split_into_datasets needs dataset_splits"
        total = 0
        for s in splits:
            dataset_id = s.get("dataset", {}).get("id", "")
            if dataset_id not in app.datasets:
                return f"split dataset {dataset_id!r} does not exist"
            pct = int(s.get("percentage", 0))
            if pct <= 0 or pct > 100:
                return f"split percentage for {dataset_id!r} must be in 1..100, got {pct}"
            total += pct
        if total != 100:
            return f"split percentages must add up to 100, got {total}"
        return None
    if any(k in operation for k in _UNCHECKED_OPERATIONS):
        return None
    return "no operation given"


def create_bulk_operation(store: Store, app: AppData, item: Obj, input_ids: list[str], t: float) -> Obj:
    """Store a PENDING operation over ``input_ids`` created at ``t`` (``item`` carries
    its id), already advanced to ``t``."""
    stamp = iso(t)
    obj = {
        **item,
        "app_id": app.app_id,
        "created_by": app.user_id,
        "created_at": stamp,
        "last_modified_at": stamp,
        "status": status(StatusCode.BULK_OPERATION_PENDING),
    }
    obj.pop("progress", None)
    app.bulk_ops[obj["id"]] = obj
    meta = {"t0": t, "input_ids": input_ids, "applied": False, "done": False}
    app.bulk_meta[obj["id"]] = meta
    app.active_bulk.add(obj["id"])
    advance_bulk(store, app, obj["id"], meta, t)
    return obj


def create_bulk_operations(store: Store, app: AppData, items: list[Obj]) -> list[ItemResult]:
    """Create operations, failing per item: an id that exists is
    DATABASE_DUPLICATE_KEY, a bad source or operation BULK_OPERATION_INVALID_REQUEST.
    No item at all is BULK_OPERATION_INVALID_REQUEST."""
    if not items:
        raise ApiError(StatusCode.BULK_OPERATION_INVALID_REQUEST, "Invalid request", "no bulk_operations given")
    results: list[ItemResult] = []
    for given in items:
        item = dict(given)
        item.pop("status", None)
        if not item.get("id"):
            item["id"] = store.new_id("bulk-")
        if item["id"] in app.bulk_ops:
            results.append((item, StatusCode.DATABASE_DUPLICATE_KEY, f"bulk operation {item['id']!r} already exists"))
            continue
        ids, problem = _source_inputs(app, item)
        problem = problem or _operation_problem(app, item) or ""
        if problem or ids is None:
            results.append((item, StatusCode.BULK_OPERATION_INVALID_REQUEST, problem))
            continue
        results.append((create_bulk_operation(store, app, item, ids, store.now()), None, ""))
        store.changed()
    return results


def cancel_bulk_operations(store: Store, app: AppData, ids: list[str]) -> list[Obj]:
    """Cancel running operations (their effect is never applied); a finished one is
    returned unchanged. A missing id is CONN_DOES_NOT_EXIST and nothing is cancelled."""
    if not ids:
        raise ApiError(StatusCode.BULK_OPERATION_INVALID_REQUEST, "Invalid request", "no bulk operation ids given")
    missing = [i for i in ids if i not in app.bulk_ops]
    if missing:
        raise ApiError(
            StatusCode.CONN_DOES_NOT_EXIST,
            "Resource does not exist",
            f"bulk operation ids not found: {', '.join(missing[:50])}",
        )
    out = []
    for op_id in ids:
        op = app.bulk_ops[op_id]
        if not is_terminal(op):
            op["status"] = status(StatusCode.BULK_OPERATION_CANCELLED)
            op["last_modified_at"] = iso(store.now())
            app.bulk_meta[op_id]["done"] = True
            store.changed()
        out.append(op)
    return out


def end_bulk_operation(store: Store, app: AppData | None, op_id: str, status_name: object) -> Obj:
    """Settle an operation in terminal status ``status_name`` (a ``BULK_OPERATION_*`` name
    other than PENDING / IN_PROGRESS); its effect is never applied and time no longer
    moves it. Raises KeyError if it does not exist, ValueError for another name; changes
    nothing then."""
    op = app.bulk_ops.get(op_id) if app is not None else None
    if app is None or op is None:
        raise KeyError(f"bulk operation {op_id} does not exist")
    code = checked_code(status_name, "BULK_OPERATION_", "BULK_OPERATION_FAILED")
    if code in (StatusCode.BULK_OPERATION_PENDING, StatusCode.BULK_OPERATION_IN_PROGRESS):
        raise ValueError(f"status must be a terminal BULK_OPERATION_* status, got {status_name!r}")
    op["status"] = status(code)
    op["last_modified_at"] = iso(store.now())
    app.bulk_meta[op_id]["done"] = True
    store.changed()
    return op


def delete_bulk_operations(store: Store, app: AppData, ids: list[str]) -> None:
    """Delete ended operations by id; a running one is BULK_OPERATION_INVALID_REQUEST
    and nothing is deleted."""
    running = [i for i in ids if i in app.bulk_ops and not is_terminal(app.bulk_ops[i])]
    if running:
        raise ApiError(
            StatusCode.BULK_OPERATION_INVALID_REQUEST,
            "Invalid request",
            f"bulk operations still running (cancel them or wait): {', '.join(running[:50])}",
        )

    def delete(op_id: str) -> None:
        del app.bulk_ops[op_id]
        app.bulk_meta.pop(op_id, None)

    delete_by_ids(store, ids, app.bulk_ops.__contains__, delete, "bulk operation")


def advance_bulk(store: Store, app: AppData, op_id: str, meta: dict[str, Any], now: float) -> None:
    """Move an operation to where ``now`` puts it; its effect is applied exactly once,
    on completion."""
    op = app.bulk_ops[op_id]
    total = len(meta["input_ids"])
    seconds = store.options.bulk_operation_seconds
    frac = 1.0 if seconds <= 0 else (now - meta["t0"]) / seconds
    if frac >= 1.0:
        if not meta["applied"]:
            meta["applied"] = True
            apply_bulk(store, app, op, meta["input_ids"])
        op["status"] = status(StatusCode.BULK_OPERATION_SUCCESS)
        op["progress"] = {"processed": total}
        if total:
            op["progress"]["last_processed_id"] = meta["input_ids"][-1]
        op["last_modified_at"] = iso(meta["t0"] + max(seconds, 0))
        meta["done"] = True
    elif frac >= 0.25:
        op["status"] = status(StatusCode.BULK_OPERATION_IN_PROGRESS)
        processed = int(total * frac)
        op["progress"] = {"processed": processed} if processed else {}
        if processed:
            op["progress"]["last_processed_id"] = meta["input_ids"][processed - 1]


def advance_bulk_operations(store: Store, app: AppData, now: float) -> None:
    """Advance every unfinished operation of ``app`` to ``now``."""
    for op_id in list(app.active_bulk):
        meta = app.bulk_meta.get(op_id)
        if meta is None or meta["done"]:
            app.active_bulk.discard(op_id)
            continue
        advance_bulk(store, app, op_id, meta, now)


def apply_bulk(store: Store, app: AppData, op: Obj, input_ids: list[str]) -> None:
    """Apply a completed operation's effect to the inputs that still exist."""
    operation = op.get("operation", {})
    t = store.now()
    live = [i for i in input_ids if i in app.inputs]
    if "add_to_dataset" in operation:
        add_members(app, operation["add_to_dataset"]["dataset_id"], live, t)
    elif "delete_from_dataset" in operation:
        remove_members(app, operation["delete_from_dataset"]["dataset_id"], live)
    elif "split_into_datasets" in operation:
        splits = operation["split_into_datasets"].get("dataset_splits", [])
        shuffled = list(live)
        store.rng.shuffle(shuffled)
        start = 0
        for n, split in enumerate(splits):
            if n == len(splits) - 1:
                end = len(shuffled)
            else:
                end = start + (len(shuffled) * int(split.get("percentage", 0))) // 100
            add_members(app, split["dataset"]["id"], shuffled[start:end], t)
            start = end
    elif "add_metadata" in operation:
        metadata = operation["add_metadata"].get("metadata", {})
        for input_id in live:
            data = app.inputs[input_id].setdefault("data", {})
            data["metadata"] = {**data.get("metadata", {}), **metadata}
    store.changed()
