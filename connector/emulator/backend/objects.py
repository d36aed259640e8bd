"""What every resource does alike: give ids and stamps to new objects, create
all-or-nothing, patch by id, delete by id, look up one object.

Each function that changes data records the change on the store (``store.changed()``),
so the API can report whether a request mutated anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from connector.emulator.backend.clock import iso
from connector.emulator.backend.errors import ApiError, invalid_request, not_found
from connector.emulator.backend.store import Obj, Store
from connector.status_codes import StatusCode

__all__ = [
    "PATCH_ACTIONS",
    "PROTECTED",
    "ItemResult",
    "apply_patch",
    "delete_by_ids",
    "lookup",
    "new_items_all_or_nothing",
    "patch_all",
    "stamped",
]

#: One item of a batch as created or refused: (the item, the failure's status code or
#: None, details of the failure).
ItemResult = tuple[Obj, StatusCode | None, str]

#: Fields a PATCH never changes.
PROTECTED = ("id", "created_at", "modified_at", "user_id", "app_id")

#: The actions a PATCH request may name.
PATCH_ACTIONS = ("merge", "overwrite", "remove")


def lookup(objects: Mapping[str, Obj], ident: str, what: str) -> Obj:
    """``objects[ident]``, else ApiError CONN_DOES_NOT_EXIST naming the ``what``."""
    obj = objects.get(ident)
    if obj is None:
        raise not_found(what, ident)
    return obj


def stamped(obj: Obj, t: float, *, user_id: str | None = None, app_id: str | None = None) -> Obj:
    """``obj`` with ``created_at`` and ``modified_at`` set to ``t`` (and its owner ids,
    when given), changed in place."""
    stamp = iso(t)
    obj["created_at"] = stamp
    obj["modified_at"] = stamp
    if app_id is not None:
        obj["app_id"] = app_id
    if user_id is not None:
        obj["user_id"] = user_id
    return obj


def new_items_all_or_nothing(
    store: Store,
    items: list[Obj],
    existing: Mapping[str, Any],
    what: str,
    prefix: str,
    dup_code: StatusCode = StatusCode.DATABASE_DUPLICATE_KEY,
) -> list[Obj]:
    """Copies of ``items``, each with an id (a new one where missing). Raises ApiError
    (``dup_code``) if any id exists or repeats, CONN_INVALID_REQUEST if there are none:
    the whole request is refused before anything is written."""
    if not items:
        raise invalid_request(f"no {what}s given")
    seen: set[str] = set()
    dups = []
    out = []
    for given in items:
        item = dict(given)
        if not item.get("id"):
            item["id"] = store.new_id(prefix)
        if item["id"] in existing or item["id"] in seen:
            dups.append(item["id"])
        seen.add(item["id"])
        out.append(item)
    if dups:
        raise ApiError(dup_code, "Already exists", f"{what} ids already exist: {', '.join(dups[:50])}")
    return out


def apply_patch(existing: Obj, patch: Obj, action: str, *, protected: Iterable[str] = PROTECTED) -> Obj:
    """Apply a PATCH body to a stored object, in place.

    ``merge``: nested objects are merged, lists are extended with new elements.
    ``overwrite``: every given top-level field replaces the stored one.
    ``remove``: given object keys / list elements are removed.
    Raises ApiError for another action (before any change).
    """
    kept = set(protected)
    if action not in PATCH_ACTIONS:
        raise invalid_request(f"action must be one of merge, overwrite, remove; got {action!r}")
    for key, value in patch.items():
        if key in kept:
            continue
        if action == "overwrite":
            existing[key] = value
        elif action == "merge":
            existing[key] = _merge(existing.get(key), value)
        else:
            current = existing.get(key)
            if isinstance(current, dict) and isinstance(value, dict):
                _remove(current, value)
            elif isinstance(current, list) and isinstance(value, list):
                existing[key] = [v for v in current if v not in value]
                if not existing[key]:
                    del existing[key]
            elif key in existing:
                del existing[key]
    return existing


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for k, v in new.items():
            out[k] = _merge(old.get(k), v)
        return out
    if isinstance(old, list) and isinstance(new, list):
        return old + [v for v in new if v not in old]
    return new


def _remove(target: Obj, spec: Obj) -> None:
    for k, v in spec.items():
        if k not in target:
            continue
        if isinstance(v, dict) and v and isinstance(target[k], dict):
            _remove(target[k], v)
        else:
            del target[k]


def patch_all(
    store: Store,
    items: list[Obj],
    objects: Mapping[str, Obj],
    what: str,
    action: str,
    extra_protected: tuple[str, ...] = (),
) -> list[Obj]:
    """Patch every object ``items`` name by id with ``action``, all or nothing: no item,
    a missing id or an unknown action raises ApiError before anything changes. Each
    patched object gets a new ``modified_at``; returns them in the order given."""
    if not items:
        raise invalid_request(f"no {what}s given")
    missing = [i.get("id", "") for i in items if i.get("id") not in objects]
    if missing:
        raise ApiError(
            StatusCode.CONN_DOES_NOT_EXIST,
            "Resource does not exist",
            f"{what} ids not found: {', '.join(missing[:50])}",
        )
    out = []
    t = iso(store.now())
    for item in items:
        obj = objects[item["id"]]
        apply_patch(obj, item, action, protected=(*PROTECTED, *extra_protected))
        obj["modified_at"] = t
        out.append(obj)
    store.changed()
    return out


def delete_by_ids(
    store: Store, ids: list[str], exists: Callable[[str], bool], delete: Callable[[str], object], what: str
) -> None:
    """Delete by ids: the existing ones go; if some were missing, ApiError
    CONN_DOES_NOT_EXIST names them (the others are still deleted). No id at all is
    CONN_INVALID_REQUEST."""
    if not ids:
        raise invalid_request(f"no {what} ids given")
    missing = []
    for i in ids:
        if exists(i):
            delete(i)
            store.changed()
        else:
            missing.append(i)
    if missing:
        raise ApiError(
            StatusCode.CONN_DOES_NOT_EXIST,
            "Resource does not exist",
            f"{what} ids not found: {', '.join(missing[:50])}",
        )
