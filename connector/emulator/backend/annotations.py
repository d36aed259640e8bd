"""Annotations: concept labels on inputs, indexed by input (``app.ann_by_input``)."""

from __future__ import annotations

from connector.emulator.backend.clock import iso
from connector.emulator.backend.errors import invalid_request
from connector.emulator.backend.objects import ItemResult, delete_by_ids, patch_all
from connector.emulator.backend.statuses import code_of, status
from connector.emulator.backend.store import AppData, Obj, Store
from connector.status_codes import StatusCode

__all__ = ["add_annotation", "add_annotations", "delete_annotations", "patch_annotations"]


def add_annotation(app: AppData, ann: Obj, t: float, default_user: str) -> Obj:
    """Store one annotation created at ``t`` (``ann`` carries its id and ``input_id``);
    it is ANNOTATION_SUCCESS and by ``default_user`` unless it says otherwise."""
    stamp = iso(t)
    obj = {"user_id": default_user, **ann, "created_at": stamp, "modified_at": stamp}
    obj.setdefault("status", status(StatusCode.ANNOTATION_SUCCESS))
    if obj.get("input_id") and obj.get("data", {}).get("concepts") and "input_level" not in obj:
        obj["input_level"] = True
    app.annotations[obj["id"]] = obj
    app.ann_by_input.setdefault(obj["input_id"], []).append(obj["id"])
    return obj


def add_annotations(store: Store, app: AppData, items: list[Obj], user_id: str) -> list[ItemResult]:
    """Create annotations, failing per item: an id that exists is
    DATABASE_DUPLICATE_KEY, an unknown input CONN_DOES_NOT_EXIST. No item at all is
    CONN_INVALID_REQUEST."""
    if not items:
        raise invalid_request("no annotations given")
    results: list[ItemResult] = []
    for given in items:
        item = dict(given)
        if not item.get("id"):
            item["id"] = store.new_id("ann-")
        if item["id"] in app.annotations:
            results.append((item, StatusCode.DATABASE_DUPLICATE_KEY, f"annotation {item['id']!r} already exists"))
        elif item.get("input_id") not in app.inputs:
            results.append((item, StatusCode.CONN_DOES_NOT_EXIST, f"input {item.get('input_id', '')!r} does not exist"))
        else:
            if "status" in item:
                item["status"] = {"code": code_of(item["status"]), "description": item["status"].get("description", "")}
            results.append((add_annotation(app, item, store.now(), user_id), None, ""))
            store.changed()
    return results


def patch_annotations(store: Store, app: AppData, items: list[Obj], action: str) -> list[Obj]:
    """Patch annotations by id (all or nothing); a given status is stored by number."""
    for item in items:
        if "status" in item:
            item["status"] = {"code": code_of(item["status"])}
    return patch_all(store, items, app.annotations, "annotation", action, ("input_id",))


def delete_annotations(store: Store, app: AppData, ids: list[str], input_ids: list[str]) -> None:
    """Delete annotations by id or, when no id is given, every annotation of
    ``input_ids`` (nothing to delete then is fine)."""
    if not ids and input_ids:
        ids = [ann_id for input_id in input_ids for ann_id in app.ann_by_input.get(input_id, ())]
        if not ids:
            return

    def delete(ann_id: str) -> None:
        ann = app.annotations.pop(ann_id)
        of_input = app.ann_by_input.get(ann.get("input_id", ""), [])
        if ann_id in of_input:
            of_input.remove(ann_id)

    delete_by_ids(store, ids, app.annotations.__contains__, delete, "annotation")
