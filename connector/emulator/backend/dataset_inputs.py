"""Dataset membership: which inputs a dataset holds (``app.dataset_inputs``), kept in
step with each input's ``dataset_ids``."""

from __future__ import annotations

from connector.emulator.backend.clock import iso
from connector.emulator.backend.errors import invalid_request
from connector.emulator.backend.objects import ItemResult, delete_by_ids
from connector.emulator.backend.statuses import status
from connector.emulator.backend.store import AppData, Store
from connector.status_codes import StatusCode

__all__ = ["add_dataset_inputs", "add_members", "delete_dataset_inputs", "remove_members"]


def add_members(app: AppData, dataset_id: str, input_ids: list[str], t: float) -> list[str]:
    """Add existing inputs to a dataset at time ``t``; returns the ids that were not
    members yet (unknown input ids are skipped)."""
    members = app.dataset_inputs.setdefault(dataset_id, {})
    added = []
    stamp = iso(t)
    for input_id in input_ids:
        if input_id in members or input_id not in app.inputs:
            continue
        inp = app.inputs[input_id]
        members[input_id] = {"created_at": stamp, "input": inp}
        dataset_ids = inp.setdefault("dataset_ids", [])
        if dataset_id not in dataset_ids:
            dataset_ids.append(dataset_id)
        added.append(input_id)
    return added


def remove_members(app: AppData, dataset_id: str, input_ids: list[str]) -> list[str]:
    """Remove inputs from a dataset; returns the ids that were members."""
    members = app.dataset_inputs.get(dataset_id, {})
    removed = []
    for input_id in input_ids:
        if members.pop(input_id, None) is None:
            continue
        inp = app.inputs.get(input_id)
        if inp is not None and dataset_id in inp.get("dataset_ids", []):
            inp["dataset_ids"].remove(dataset_id)
            if not inp["dataset_ids"]:
                del inp["dataset_ids"]
        removed.append(input_id)
    return removed


def add_dataset_inputs(store: Store, app: AppData, dataset_id: str, input_ids: list[str]) -> list[ItemResult]:
    """Add inputs to an existing dataset, failing per item: an unknown input is
    CONN_DOES_NOT_EXIST, a member already DATASET_INPUT_DUPLICATE (the refused item
    carries its status in ``input.status``). No input id at all is CONN_INVALID_REQUEST."""
    if not input_ids:
        raise invalid_request("no dataset_inputs given")
    members = app.dataset_inputs.setdefault(dataset_id, {})
    results: list[ItemResult] = []
    t = store.now()
    for input_id in input_ids:
        if not input_id or input_id not in app.inputs:
            details = f"input {input_id!r} does not exist"
            refused = status(StatusCode.CONN_DOES_NOT_EXIST, "Resource does not exist", details)
            results.append(({"input": {"id": input_id, "status": refused}}, StatusCode.CONN_DOES_NOT_EXIST, details))
        elif input_id in members:
            details = f"input {input_id!r} is already in dataset {dataset_id!r}"
            refused = status(StatusCode.DATASET_INPUT_DUPLICATE, "Already exists", details)
            results.append(
                ({"input": {"id": input_id, "status": refused}}, StatusCode.DATASET_INPUT_DUPLICATE, details)
            )
        else:
            add_members(app, dataset_id, [input_id], t)
            store.changed()
            results.append((members[input_id], None, ""))
    return results


def delete_dataset_inputs(store: Store, app: AppData, dataset_id: str, input_ids: list[str]) -> None:
    """Take inputs out of a dataset by id (the inputs stay in the app)."""
    members = app.dataset_inputs.setdefault(dataset_id, {})
    delete_by_ids(
        store, input_ids, members.__contains__, lambda i: remove_members(app, dataset_id, [i]), "dataset input"
    )
