"""“Did you mean …?” for ids the app does not have (datasets, tasks).

When a command fails because a dataset or a task it names does not exist, the ids the
app does have are listed once (after the failure, never before) and the ones close to
the id asked for are added to the error as a note, which the one-line error message
shows.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from connector.errors import ClarifaiError, MissingObjectError, NotFoundError

logger = logging.getLogger(__name__)

_PATTERNS: dict[str, re.Pattern[str]] = {
    "dataset": re.compile(r"/datasets/([^/?]+)"),
    "task": re.compile(r"/tasks/([^/?]+)"),
}


def did_you_mean(wanted: str, known: Iterable[str]) -> str | None:
    """``did you mean 'cats-dogs'?`` naming the ids of ``known`` close to ``wanted``
    (up to three), or None when none is close."""
    ids = sorted({k for k in known if k and k != wanted})
    close = difflib.get_close_matches(wanted, ids, n=3, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"


def _missing(exc: BaseException) -> tuple[str, str] | None:
    """``(kind, id)`` of the dataset or task a not-found error is about, read from the
    failed call's path (never from the message)."""
    api = exc if isinstance(exc, ClarifaiError) else exc.__cause__
    if not isinstance(api, NotFoundError) or not api.path:
        return None
    matches = [(m.start(), kind, m.group(1)) for kind, p in _PATTERNS.items() if (m := p.search(api.path))]
    if not matches:
        return None
    _, kind, wanted = max(matches)  # the innermost resource of the path
    return kind, wanted


def known_ids(client: Any, kind: str) -> list[str]:
    """Every id of one kind in the app (``dataset`` or ``task``); [] when listing fails."""
    lister: Callable[[], Iterable[dict[str, Any]]] = client.list_datasets if kind == "dataset" else client.list_tasks
    try:
        return [str(item.get("id")) for item in lister() if item.get("id")]
    except Exception as exc:  # a hint must never hide the error it is for
        logger.debug("no suggestions: listing %ss failed: %s", kind, exc)
        return []


@contextlib.contextmanager
def suggest_on_missing(client: Any) -> Iterator[None]:
    """Re-raise a not-found error for a dataset or task id with a "did you mean" note."""
    try:
        yield
    except (NotFoundError, MissingObjectError) as exc:
        missing = _missing(exc)
        if missing is not None:
            kind, wanted = missing
            hint = did_you_mean(wanted, known_ids(client, kind))
            if hint:
                exc.add_note(hint)
        raise


__all__ = ["did_you_mean", "known_ids", "suggest_on_missing"]
