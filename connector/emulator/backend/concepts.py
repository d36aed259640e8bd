"""Concepts: created all-or-nothing, named after their id unless given a name."""

from __future__ import annotations

from connector.emulator.backend.clock import iso
from connector.emulator.backend.objects import new_items_all_or_nothing
from connector.emulator.backend.store import AppData, Obj, Store

__all__ = ["create_concept", "create_concepts"]


def create_concept(app: AppData, item: Obj, t: float) -> Obj:
    """Store one concept created at ``t`` (``item`` carries its id)."""
    obj = {"name": item["id"], **item}
    obj.pop("modified_at", None)
    obj["created_at"] = iso(t)
    obj["app_id"] = app.app_id
    obj["user_id"] = app.user_id
    app.concepts[obj["id"]] = obj
    return obj


def create_concepts(store: Store, app: AppData, items: list[Obj]) -> list[Obj]:
    """Create concepts all-or-nothing (a duplicate id refuses the whole request)."""
    checked = new_items_all_or_nothing(store, items, app.concepts, "concept", "c-")
    out = [create_concept(app, item, store.now()) for item in checked]
    store.changed()
    return out
