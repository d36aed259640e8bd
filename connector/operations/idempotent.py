"""Idempotent creates: make an object with a client-chosen id, or adopt the one an earlier
(possibly interrupted) run made.

The operations choose every id themselves, deterministically, so a rerun finds its own
earlier work. :func:`create_or_adopt` resolves the answers that make a plain create unsafe to
repeat: "already exists" (also inside a batch answer) and "outcome unknown" (the request may
have been applied before its answer was lost) are settled by reading the object back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from connector.errors import (
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    PartialFailureError,
)
from connector.status_codes import ALREADY_EXISTS

logger = logging.getLogger(__name__)

#: The API object created or read (a :mod:`connector.objects` type, e.g. ``Task``).
Obj = TypeVar("Obj", bound=Mapping[str, Any])


def create_or_adopt(
    create: Callable[[], Obj],
    read: Callable[[], Obj | None],
    *,
    what: str,
    same: Callable[[Obj], bool] | None = None,
    attempts: int = 3,
) -> tuple[Obj, bool]:
    """Create an object with a client-chosen id, or adopt the existing one.

    ``create()`` makes the object and returns it; ``read()`` returns it, or None when it
    does not exist (see :func:`read_or_none`); both return the same type of object
    (``lambda: client.post_tasks([body])[0]`` and ``lambda: read_or_none(lambda:
    client.get_task(task_id))`` both give a ``Task``). Returns ``(object, created)``. "Already
    exists" and "outcome unknown" are resolved by ``read()``: an existing object for which
    ``same`` is true (or any, without ``same``) is adopted, a different one raises
    :class:`~connector.errors.ConflictError`; an absent one after an ambiguous failure is
    created again (at most ``attempts`` tries in all). Other errors propagate.
    """
    last: Exception | None = None
    for _ in range(max(1, attempts)):
        try:
            created = create()
        except (AlreadyExistsError, OutcomeUnknownError, PartialFailureError) as exc:
            if isinstance(exc, PartialFailureError) and not _all_already_exist(exc):
                raise
            last = exc
            existing = read()
            if existing is None:
                if isinstance(exc, AlreadyExistsError):
                    raise
                logger.info("%s: outcome unknown and not found on read-back; creating again", what)
                continue
            if same is not None and not same(existing):
                raise ConflictError(
                    f"{what} already exists and differs from the requested one; "
                    "use another name/run key or delete the existing object"
                ) from exc
            logger.info("%s: adopted the existing object after %s", what, type(exc).__name__)
            return existing, False
        return created, True
    assert last is not None
    raise last


def _all_already_exist(exc: PartialFailureError) -> bool:
    return bool(exc.items) and all(i.code in ALREADY_EXISTS for i in exc.items)


def read_or_none(read: Callable[[], Obj]) -> Obj | None:
    """``read()``, or None when the object does not exist (NotFoundError)."""
    try:
        return read()
    except NotFoundError:
        return None
