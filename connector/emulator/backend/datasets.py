"""Datasets: created all-or-nothing; deleting one drops its memberships and versions."""

from __future__ import annotations

from connector.emulator.backend.dataset_inputs import remove_members
from connector.emulator.backend.objects import delete_by_ids, new_items_all_or_nothing, stamped
from connector.emulator.backend.store import AppData, Obj, Store

__all__ = ["create_dataset", "create_datasets", "delete_datasets"]


def create_dataset(app: AppData, item: Obj, t: float) -> Obj:
    """Store one dataset created at ``t`` (``item`` carries its id), with no inputs and
    no versions yet."""
    obj = stamped(item, t, app_id=app.app_id, user_id=app.user_id)
    app.datasets[obj["id"]] = obj
    app.dataset_inputs.setdefault(obj["id"], {})
    app.versions.setdefault(obj["id"], {})
    return obj


def create_datasets(store: Store, app: AppData, items: list[Obj]) -> list[Obj]:
    """Create datasets all-or-nothing (a duplicate id refuses the whole request)."""
    checked = new_items_all_or_nothing(store, items, app.datasets, "dataset", "ds-")
    out = [create_dataset(app, item, store.now()) for item in checked]
    store.changed()
    return out


def delete_datasets(store: Store, app: AppData, ids: list[str]) -> None:
    """Delete datasets by id (see :func:`~connector.emulator.backend.objects.delete_by_ids`);
    their inputs stay in the app."""

    def delete(dataset_id: str) -> None:
        remove_members(app, dataset_id, list(app.dataset_inputs.get(dataset_id, {})))
        app.dataset_inputs.pop(dataset_id, None)
        for version_id in app.versions.pop(dataset_id, {}):
            app.version_meta.pop((dataset_id, version_id), None)
        del app.datasets[dataset_id]

    delete_by_ids(store, ids, app.datasets.__contains__, delete, "dataset")
