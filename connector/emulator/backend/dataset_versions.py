"""Dataset versions: a snapshot of a dataset's inputs and metrics, moving PENDING ->
IN_PROGRESS -> READY with time (``version_pending_seconds``,
``version_in_progress_seconds``) unless the admin API settles it first."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend.clock import iso
from connector.emulator.backend.objects import ItemResult, delete_by_ids
from connector.emulator.backend.statuses import checked_code, status
from connector.emulator.backend.store import AppData, Obj, Store
from connector.emulator.options import EmulatorOptions
from connector.status_codes import StatusCode

__all__ = [
    "PATCH_PROTECTED",
    "Snapshot",
    "advance_versions",
    "create_version",
    "create_versions",
    "delete_versions",
    "set_version_status",
    "version_metrics",
]

#: Fields of a version a PATCH never changes (besides the common ones).
PATCH_PROTECTED = ("dataset_id", "status", "metrics", "request_origin")

#: A dataset's metrics as a version records them, and the ids of its inputs.
Snapshot = tuple[Obj, tuple[str, ...]]


def version_metrics(app: AppData, dataset_id: str) -> Snapshot:
    """Metrics of a dataset as a new version would record them, and its input ids."""
    members = tuple(app.dataset_inputs.get(dataset_id, {}))
    unlabeled = with_meta = tags = 0
    for input_id in members:
        inp = app.inputs[input_id]
        if inp.get("data", {}).get("metadata"):
            with_meta += 1
        ann_ids = app.ann_by_input.get(input_id)
        n = 0
        if ann_ids:
            for ann_id in ann_ids:
                concepts = app.annotations[ann_id].get("data", {}).get("concepts", ())
                n += sum(1 for c in concepts if c.get("value", 1) > 0)
        if n == 0:
            unlabeled += 1
        tags += n
    metrics = {
        "inputs_count": str(len(members)),
        "unlabeled_inputs_count": str(unlabeled),
        "inputs_with_metadata_count": str(with_meta),
        "positive_input_tags_count": str(tags),
    }
    return {"/": metrics}, members


def create_version(app: AppData, dataset_id: str, item: Obj, t: float, snapshot: Snapshot | None = None) -> Obj:
    """Store a new PENDING version of dataset ``dataset_id`` created at ``t`` (``item``
    carries its id). ``snapshot`` is the dataset's :func:`version_metrics`, computed
    here unless given (the demo seed computes it once per dataset)."""
    metrics, members = snapshot or version_metrics(app, dataset_id)
    stamp = iso(t)
    obj = {
        **item,
        "dataset_id": dataset_id,
        "app_id": app.app_id,
        "user_id": app.user_id,
        "created_at": stamp,
        "modified_at": stamp,
        "status": status(StatusCode.DATASET_VERSION_PENDING),
        "metrics": metrics,
    }
    obj.setdefault("request_origin", "MANUAL")
    app.versions.setdefault(dataset_id, {})[obj["id"]] = obj
    app.version_meta[(dataset_id, obj["id"])] = {"t0": t, "input_ids": members, "settled": False}
    app.active_versions.add((dataset_id, obj["id"]))
    return obj


def create_versions(store: Store, app: AppData, dataset_id: str, items: list[Obj]) -> list[ItemResult]:
    """Create versions of an existing dataset, failing per item: an id that exists is
    DATABASE_DUPLICATE_KEY (the stored version is listed with that status)."""
    existing = app.versions.setdefault(dataset_id, {})
    results: list[ItemResult] = []
    for given in items:
        item = dict(given)
        if not item.get("id"):
            item["id"] = store.new_id("v-")
        if item["id"] in existing:
            details = f"dataset version {item['id']!r} already exists in dataset {dataset_id!r}"
            results.append((existing[item["id"]], StatusCode.DATABASE_DUPLICATE_KEY, details))
            continue
        results.append((create_version(app, dataset_id, item, store.now()), None, ""))
        store.changed()
    return results


def delete_versions(store: Store, app: AppData, dataset_id: str, ids: list[str]) -> None:
    """Delete versions of an existing dataset by id."""
    versions = app.versions.setdefault(dataset_id, {})

    def delete(version_id: str) -> None:
        del versions[version_id]
        app.version_meta.pop((dataset_id, version_id), None)

    delete_by_ids(store, ids, versions.__contains__, delete, "dataset version")


def advance_versions(app: AppData, now: float, options: EmulatorOptions) -> None:
    """Move every unsettled version of ``app`` to the status its age gives it."""
    for key in list(app.active_versions):
        meta = app.version_meta.get(key)
        version = app.versions.get(key[0], {}).get(key[1])
        if meta is None or version is None or meta.get("settled"):
            app.active_versions.discard(key)
            continue
        elapsed = now - meta["t0"]
        if elapsed >= options.version_pending_seconds + options.version_in_progress_seconds:
            version["status"] = status(StatusCode.DATASET_VERSION_READY)
            meta["settled"] = True
            app.active_versions.discard(key)
        elif elapsed >= options.version_pending_seconds:
            version["status"] = status(StatusCode.DATASET_VERSION_IN_PROGRESS)


def set_version_status(
    store: Store, app: AppData | None, dataset_id: str, version_id: str, status_name: object
) -> dict[str, Any]:
    """Settle a version in status ``status_name`` (a ``DATASET_VERSION_*`` name; time no longer
    moves it). Raises KeyError if the version does not exist, ValueError for another
    name; changes nothing then."""
    version = app.versions.get(dataset_id, {}).get(version_id) if app is not None else None
    if app is None or version is None:
        raise KeyError(f"dataset version {dataset_id}/{version_id} does not exist")
    version["status"] = status(checked_code(status_name, "DATASET_VERSION_", "DATASET_VERSION_FAILURE"))
    app.version_meta[(dataset_id, version_id)]["settled"] = True
    store.changed()
    return version
