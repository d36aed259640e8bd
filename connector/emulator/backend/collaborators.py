"""Collaborators of the app: created all-or-nothing, identified by their user id."""

from __future__ import annotations

from connector.emulator.backend.objects import delete_by_ids, new_items_all_or_nothing, stamped
from connector.emulator.backend.store import AppData, Obj, Store

__all__ = ["create_collaborator", "create_collaborators", "delete_collaborators"]


def create_collaborator(app: AppData, item: Obj, t: float) -> Obj:
    """Store one collaborator added at ``t`` (``item`` carries its id)."""
    obj = stamped(dict(item), t)
    app.collaborators[obj["id"]] = obj
    return obj


def create_collaborators(store: Store, app: AppData, items: list[Obj]) -> list[Obj]:
    """Add collaborators all-or-nothing; one without an id takes its ``user.id``."""
    named = []
    for given in items:
        item = dict(given)
        if not item.get("id") and item.get("user", {}).get("id"):
            item["id"] = item["user"]["id"]
        named.append(item)
    checked = new_items_all_or_nothing(store, named, app.collaborators, "collaborator", "collab-")
    out = [create_collaborator(app, item, store.now()) for item in checked]
    store.changed()
    return out


def delete_collaborators(store: Store, app: AppData, ids: list[str], emails: list[str]) -> None:
    """Remove collaborators by id and by primary email (an email no collaborator has
    counts as a missing id)."""
    wanted = list(ids)
    for email in emails:
        found = [c["id"] for c in app.collaborators.values() if c.get("user", {}).get("primary_email") == email]
        wanted.extend(found or [email])
    delete_by_ids(store, wanted, app.collaborators.__contains__, lambda i: app.collaborators.pop(i), "collaborator")
