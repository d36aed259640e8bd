"""Handler plumbing shared by the emulator's resource handlers: the request context,
API errors, the handler registry, pagination and batch results.

A handler takes a :class:`Ctx` (parsed request as a dict with proto field names, the
app it addresses) and returns the response payload without ``status`` (or with a
``status`` for MIXED_STATUS). It raises :class:`ApiError` for a failed request.
Handlers never block: they run under the state lock, in the event loop.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from connector.emulator.state import AppData, EmulatorState, code, status

__all__ = [
    "DEFAULT_PER_PAGE",
    "HANDLERS",
    "MAX_PER_PAGE",
    "PROTECTED",
    "ApiError",
    "Ctx",
    "apply_patch",
    "batch_result",
    "get_or_404",
    "handler",
    "http_status_for",
    "page_of",
]

DEFAULT_PER_PAGE = 128
MAX_PER_PAGE = 1000

#: RPC method name -> handler.
HANDLERS: dict[str, Callable[[Ctx], dict[str, Any]]] = {}


def handler(*names: str) -> Callable[[Callable[[Ctx], dict[str, Any]]], Callable[[Ctx], dict[str, Any]]]:
    """Register a function as the handler of the named RPC methods."""

    def register(fn: Callable[[Ctx], dict[str, Any]]) -> Callable[[Ctx], dict[str, Any]]:
        for name in names:
            HANDLERS[name] = fn
        return fn

    return register


class ApiError(Exception):
    """A request failed with a Clarifai status; ``payload`` adds response fields
    (e.g. the failed items of a batch)."""

    def __init__(
        self,
        code_name: str,
        description: str,
        details: str = "",
        *,
        http_status: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code_name}: {description} {details}".strip())
        self.code_name = code_name
        self.description = description
        self.details = details
        self.http_status = http_status
        self.payload = payload or {}


def http_status_for(code_name: str) -> int:
    """The HTTP status the emulator answers for a Clarifai status code name."""
    if code_name in ("SUCCESS", "MIXED_STATUS"):
        return 200
    if code_name in ("CONN_INSUFFICIENT_SCOPES",) or code_name.endswith("_PERMISSION_DENIED"):
        return 403
    if code_name.startswith(("CONN_KEY", "CONN_TOKEN", "CONN_CREDENTIALS", "CONN_ACCOUNT")):
        return 401
    if code_name.endswith("_DOES_NOT_EXIST") or code_name in ("TASK_MISSING", "CONN_DOES_NOT_EXIST"):
        return 404
    if code_name in ("CONN_THROTTLED", "CONN_EXCEED_HOURLY_LIMIT", "CONN_EXCEED_MONTHLY_LIMIT", "CONN_EXCEEDS_LIMITS"):
        return 429
    if code_name == "RPC_SERVER_UNAVAILABLE":
        return 503
    if code_name in ("RPC_UNKNOWN_METHOD", "NOT_IMPLEMENTED"):
        return 501
    if code_name.startswith("INTERNAL_"):
        return 500
    return 400


@dataclasses.dataclass
class Ctx:
    """One request as a handler sees it."""

    state: EmulatorState
    method: str
    req: dict[str, Any]
    user_id: str
    app_id: str
    app: AppData | None
    #: App ids the caller's PAT may use (None: every app).
    allowed: frozenset[str] | None = None

    @property
    def a(self) -> AppData:
        """The addressed app (the API guarantees it exists for app-scoped methods)."""
        assert self.app is not None
        return self.app

    def changed(self) -> None:
        """Record that this request changed the state."""
        self.state.mutations += 1

    def now(self) -> float:
        return self.state.now()


def page_bounds(req: dict[str, Any]) -> tuple[int, int]:
    """(start, stop) of the requested page (the API refused a per_page out of range
    before parsing the request)."""
    per_page = int(req.get("per_page", 0) or 0) or DEFAULT_PER_PAGE
    page = max(int(req.get("page", 0) or 0), 1)
    start = (page - 1) * per_page
    return start, start + per_page


def page_of(req: dict[str, Any], items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One page of ``items`` (already in listing order)."""
    start, stop = page_bounds(req)
    return list(itertools.islice(items, start, stop))


def newest_first(d: dict[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The listing order of the API: newest first (creation order reversed; creation
    times are strictly increasing, so this is created_at descending, stable)."""
    return reversed(d.values())


def batch_result(
    key: str,
    results: list[tuple[dict[str, Any], str | None, str]],
    *,
    extra: dict[str, Any] | None = None,
    status_on_item: bool = True,
) -> dict[str, Any]:
    """Build a batch response from ``(item, failure code name or None, details)`` tuples.

    All ok: SUCCESS. Some failed: MIXED_STATUS (200) with each failed item carrying its
    ``status`` (unless ``status_on_item`` is False: the item already carries it where
    its message has room). All failed: raises ApiError with the items' common code (else FAILURE),
    the items still listed.
    """
    failed = [(item, name, details) for item, name, details in results if name]
    items = []
    for item, name, details in results:
        if name and status_on_item:
            item = {**item, "status": status(name, details=details)}
        items.append(item)
    payload = {key: items, **(extra or {})}
    if not failed:
        return payload
    if len(failed) == len(results):
        names = {name for _, name, _ in failed}
        common = names.pop() if len(names) == 1 else "FAILURE"
        details = "; ".join(
            f"{item.get('id', f'#{i}') if isinstance(item, dict) else i}: {d}"
            for i, (item, _, d) in enumerate(failed[:20])
        )
        raise ApiError(common, "All items failed", details, payload=payload)
    payload["status"] = {
        "code": code("MIXED_STATUS"),
        "description": "Mixed status",
        "details": f"{len(failed)} of {len(results)} items failed",
    }
    return payload


#: Fields a PATCH never changes.
PROTECTED = ("id", "created_at", "modified_at", "user_id", "app_id")


def apply_patch(
    existing: dict[str, Any], patch: dict[str, Any], action: str, *, protected: Iterable[str] = PROTECTED
) -> dict[str, Any]:
    """Apply a PATCH body to a stored object, in place.

    ``merge``: nested objects are merged, lists are extended with new elements.
    ``overwrite``: every given top-level field replaces the stored one.
    ``remove``: given object keys / list elements are removed.
    Raises ApiError for another action.
    """
    protected = set(protected)
    if action not in ("merge", "overwrite", "remove"):
        raise ApiError(
            "CONN_INVALID_REQUEST", "Invalid request", f"action must be one of merge, overwrite, remove; got {action!r}"
        )
    for key, value in patch.items():
        if key in protected:
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


def _remove(target: dict[str, Any], spec: dict[str, Any]) -> None:
    for k, v in spec.items():
        if k not in target:
            continue
        if isinstance(v, dict) and v and isinstance(target[k], dict):
            _remove(target[k], v)
        else:
            del target[k]


def require_ids(items: list[dict[str, Any]], what: str) -> None:
    """ApiError if an item lacks an ``id`` or ids repeat within the request."""
    seen: set[str] = set()
    for n, item in enumerate(items):
        i = item.get("id")
        if not i:
            raise ApiError("CONN_INVALID_REQUEST", "Invalid request", f"{what} #{n} has no id")
        if i in seen:
            raise ApiError("CONN_INVALID_REQUEST", "Invalid request", f"{what} id {i!r} is given twice in one request")
        seen.add(i)


def not_found(what: str, ident: str) -> ApiError:
    return ApiError("CONN_DOES_NOT_EXIST", "Resource does not exist", f"{what} {ident!r} does not exist")


def get_or_404(store: dict[str, dict[str, Any]], ident: str, what: str) -> dict[str, Any]:
    """``store[ident]``, else ApiError 404 CONN_DOES_NOT_EXIST naming the ``what``."""
    obj = store.get(ident)
    if obj is None:
        raise not_found(what, ident)
    return obj


def delete_ids(
    ctx: Ctx, ids: list[str], exists: Callable[[str], bool], delete: Callable[[str], None], what: str
) -> dict[str, Any]:
    """Delete by ids: existing ones go; if some were missing, 404 CONN_DOES_NOT_EXIST
    naming them (the others are still deleted)."""
    if not ids:
        raise ApiError("CONN_INVALID_REQUEST", "Invalid request", f"no {what} ids given")
    missing = []
    for i in ids:
        if exists(i):
            delete(i)
            ctx.changed()
        else:
            missing.append(i)
    if missing:
        raise ApiError(
            "CONN_DOES_NOT_EXIST", "Resource does not exist", f"{what} ids not found: {', '.join(missing[:50])}"
        )
    return {}
