"""Inputs: created per item (duplicates fail alone), with their dataset memberships,
their concepts as an annotation, and an inputs add job that downloads them."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend.annotations import add_annotation
from connector.emulator.backend.clock import iso
from connector.emulator.backend.dataset_inputs import add_members, remove_members
from connector.emulator.backend.errors import ApiError
from connector.emulator.backend.inputs_add_jobs import create_add_job
from connector.emulator.backend.objects import ItemResult, delete_by_ids
from connector.emulator.backend.statuses import status
from connector.emulator.backend.store import AppData, Obj, Store
from connector.status_codes import StatusCode

__all__ = ["PATCH_PROTECTED", "add_inputs", "create_input", "delete_inputs"]

#: Fields of an input a PATCH never changes (besides the common ones).
PATCH_PROTECTED = ("status", "dataset_ids")


def create_input(app: AppData, item: Obj, t: float, st: dict[str, Any]) -> Obj:
    """Store one input created at ``t`` with status ``st`` (``item`` carries its id;
    ``settings`` is a request option, not stored). Memberships are not touched."""
    stamp = iso(t)
    obj = {**item, "created_at": stamp, "modified_at": stamp, "status": st}
    obj.pop("settings", None)
    app.inputs[obj["id"]] = obj
    return obj


def add_inputs(
    store: Store, app: AppData, items: list[Obj], *, resolution: str, job_id: str, user_id: str
) -> tuple[list[ItemResult], Obj | None]:
    """Create inputs, failing per item, and the inputs add job for the ones created.

    An id that exists is INPUT_DUPLICATE unless ``resolution`` is ``SKIP`` (the stored
    input is answered) or ``SUFFIX`` (a ``-<n>`` suffix makes the id new); a dataset
    that does not exist is INPUT_INVALID_ARGUMENT. Returns the results and the job
    (``job_id``, a new id when empty; an existing job is answered as it is), None when
    nothing was created. No item at all is INPUT_INVALID_ARGUMENT.
    """
    if not items:
        raise ApiError(StatusCode.INPUT_INVALID_ARGUMENT, "Invalid argument", "no inputs given")
    pending = store.options.inputs_add_job_seconds > 0
    results: list[ItemResult] = []
    created_ids: list[str] = []
    seen: set[str] = set()
    for given in items:
        item = dict(given)
        if not item.get("id"):
            item["id"] = store.new_id("in-")
        if item["id"] in app.inputs or item["id"] in seen:
            if resolution == "SKIP" and item["id"] in app.inputs:
                results.append((app.inputs[item["id"]], None, ""))
                continue
            if resolution == "SUFFIX":
                n = 1
                while f"{item['id']}-{n}" in app.inputs or f"{item['id']}-{n}" in seen:
                    n += 1
                item["id"] = f"{item['id']}-{n}"
            else:
                results.append((item, StatusCode.INPUT_DUPLICATE, f"input id {item['id']!r} already exists"))
                continue
        bad = [d for d in item.get("dataset_ids", []) if d not in app.datasets]
        if bad:
            results.append((item, StatusCode.INPUT_INVALID_ARGUMENT, f"datasets do not exist: {', '.join(bad)}"))
            continue
        seen.add(item["id"])
        t = store.now()
        dataset_ids = item.pop("dataset_ids", [])
        obj = create_input(
            app, item, t, status(StatusCode.INPUT_DOWNLOAD_PENDING if pending else StatusCode.INPUT_DOWNLOAD_SUCCESS)
        )
        for dataset_id in dataset_ids:
            add_members(app, dataset_id, [obj["id"]], t)
        concepts = obj.get("data", {}).get("concepts")
        if concepts:
            ann = {"id": store.new_id("ann-"), "input_id": obj["id"], "data": {"concepts": concepts}}
            add_annotation(app, ann, t, user_id)
        created_ids.append(obj["id"])
        results.append((obj, None, ""))
    if not created_ids:
        return results, None
    store.changed()
    job_id = job_id or store.new_id("job-")
    if job_id not in app.add_jobs:
        create_add_job(store, app, job_id, created_ids, store.now())
    return results, app.add_jobs[job_id]


def delete_inputs(store: Store, app: AppData, ids: list[str]) -> None:
    """Delete inputs by id, with their memberships and annotations."""

    def delete(input_id: str) -> None:
        for dataset_id in list(app.inputs[input_id].get("dataset_ids", [])):
            remove_members(app, dataset_id, [input_id])
        for ann_id in app.ann_by_input.pop(input_id, []):
            app.annotations.pop(ann_id, None)
        del app.inputs[input_id]

    delete_by_ids(store, ids, app.inputs.__contains__, delete, "input")
