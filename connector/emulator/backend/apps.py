"""Apps of the emulated user."""

from __future__ import annotations

from connector.emulator.backend.clock import iso
from connector.emulator.backend.objects import new_items_all_or_nothing
from connector.emulator.backend.store import AppData, Obj, Store

__all__ = ["create_app", "create_apps"]


def create_app(store: Store, user_id: str, app: Obj) -> AppData:
    """Store an empty app ``app`` (it carries its ``id``) for ``user_id``; replaces an
    app of that id."""
    t = iso(store.now())
    body = {**app, "user_id": user_id, "created_at": t, "modified_at": t}
    data = AppData(user_id=user_id, app=body)
    store.apps[(user_id, app["id"])] = data
    return data


def create_apps(store: Store, user_id: str, items: list[Obj]) -> list[Obj]:
    """Create apps all-or-nothing (a duplicate id refuses the whole request)."""
    existing = {app_id: None for (user, app_id) in store.apps if user == user_id}
    checked = new_items_all_or_nothing(store, items, existing, "app", "app-")
    out = [create_app(store, user_id, item).app for item in checked]
    store.changed()
    return out
