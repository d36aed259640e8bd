"""What every resource handler shares: the request context, listing order and pages,
and batch responses.

A handler takes a :class:`Ctx` (the parsed request as a dict with proto field names,
the app it addresses) and returns the response payload without ``status`` (or with a
``status`` for MIXED_STATUS). It reads the app's data directly but changes it only
through the backend, and raises :class:`~connector.emulator.backend.errors.ApiError`
for a refused request. Handlers never block: they run under the state lock, in the
event loop.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from connector.emulator.backend.errors import ApiError
from connector.emulator.backend.objects import ItemResult, lookup
from connector.emulator.backend.statuses import status
from connector.emulator.backend.store import AppData, Obj, Store
from connector.status_codes import StatusCode

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE",
    "Ctx",
    "Handler",
    "batch_result",
    "dataset_of",
    "newest_first",
    "page_of",
]

DEFAULT_PER_PAGE = 128
MAX_PER_PAGE = 1000


@dataclasses.dataclass
class Ctx:
    """One request as a handler sees it."""

    store: Store
    #: The official method name (``ListDatasets``).
    method: str
    #: The request message as a dict (proto field names; enums by name).
    req: dict[str, Any]
    user_id: str
    app_id: str
    #: The addressed app (None only for the user-scoped methods).
    app: AppData | None
    #: App ids the caller's PAT may use (None: every app).
    allowed: frozenset[str] | None = None

    @property
    def app_data(self) -> AppData:
        """The addressed app (the API guarantees it exists for app-scoped methods)."""
        if self.app is None:
            raise RuntimeError(f"{self.method} addresses no app")
        return self.app


#: A handler: the request in, the response payload out.
Handler = Callable[[Ctx], dict[str, Any]]


def dataset_of(ctx: Ctx) -> tuple[str, Obj]:
    """The request's ``dataset_id`` and its dataset, else ApiError CONN_DOES_NOT_EXIST."""
    dataset_id = str(ctx.req.get("dataset_id", ""))
    return dataset_id, lookup(ctx.app_data.datasets, dataset_id, "dataset")


def page_bounds(req: dict[str, Any]) -> tuple[int, int]:
    """(start, stop) of the requested page (the API refused a per_page out of range
    before parsing the request)."""
    per_page = int(req.get("per_page", 0) or 0) or DEFAULT_PER_PAGE
    page = max(int(req.get("page", 0) or 0), 1)
    start = (page - 1) * per_page
    return start, start + per_page


def page_of(req: dict[str, Any], items: Iterable[Obj]) -> list[Obj]:
    """One page of ``items`` (already in listing order)."""
    start, stop = page_bounds(req)
    return list(itertools.islice(items, start, stop))


def newest_first(objects: dict[str, Obj]) -> Iterator[Obj]:
    """The listing order of the API: newest first (creation order reversed; creation
    times are strictly increasing, so this is created_at descending, stable)."""
    return reversed(objects.values())


def batch_result(
    key: str,
    results: list[ItemResult],
    *,
    extra: dict[str, Any] | None = None,
    status_on_item: bool = True,
) -> dict[str, Any]:
    """Build a batch response from the backend's per-item results.

    All ok: SUCCESS. Some failed: MIXED_STATUS (200) with each failed item carrying its
    ``status`` (unless ``status_on_item`` is False: the item already carries it where
    its message has room). All failed: raises ApiError with the items' common code (else
    FAILURE), the items still listed.
    """
    failed = [(item, code, details) for item, code, details in results if code is not None]
    items = []
    for item, code, details in results:
        if code is not None and status_on_item:
            item = {**item, "status": status(code, details=details)}
        items.append(item)
    payload = {key: items, **(extra or {})}
    if not failed:
        return payload
    if len(failed) == len(results):
        codes = {code for _, code, _ in failed}
        common = codes.pop() if len(codes) == 1 else StatusCode.FAILURE
        details = "; ".join(
            f"{item.get('id', f'#{i}') if isinstance(item, dict) else i}: {d}"
            for i, (item, _, d) in enumerate(failed[:20])
        )
        raise ApiError(common, "All items failed", details, payload=payload)
    payload["status"] = {
        "code": int(StatusCode.MIXED_STATUS),
        "description": "Mixed status",
        "details": f"{len(failed)} of {len(results)} items failed",
    }
    return payload
