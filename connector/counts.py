"""Counts the API keeps of what a listing holds, read before the listing so that its
pages can be asked for from the start (see :mod:`connector.pagination`).

One inventory has one: ``inputs``, the whole app's inputs, counted by GetInputCount.
Nothing here imports pyarrow: the command line reads a count while it imports the
Arrow side of an export.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from connector.errors import ClarifaiError

if TYPE_CHECKING:  # pragma: no cover
    from connector.objects import InputCounts
    from connector.protocols import ClientProtocol

__all__ = ["COUNTED", "INPUT_STATES", "input_total", "read_count"]

logger = logging.getLogger(__name__)

#: The processing states GetInputCount counts an input in, one each (``reindex*`` counts
#: are of inputs counted in these already).
INPUT_STATES = ("processed", "to_process", "errors", "processing")


def input_total(answer: InputCounts) -> int:
    """How many inputs a GetInputCount answer counts, every processing state together:
    what a listing of all the app's inputs returns."""
    counts: Mapping[str, Any] = answer.get("counts") or {}
    return sum(int(counts.get(state) or 0) for state in INPUT_STATES)


#: The inventories whose whole listing a count covers, and how to read it.
COUNTED: dict[str, Callable[[ClientProtocol], int]] = {
    "inputs": lambda client: input_total(client.get_input_count()),
}


def read_count(
    client: ClientProtocol,
    inventory: str,
    *,
    params: Mapping[str, Any] | None = None,
    concurrency: int | None = None,
) -> int | None:
    """What the API's own count says a whole listing of ``inventory`` holds, or None:
    for an inventory without one, for a listing narrowed by query ``params`` (the count
    is the whole app's), for one page at a time (``concurrency`` or the client's
    ``page_concurrency`` below 2: a count would change nothing), and when the count
    cannot be read (logged at DEBUG; the listing then goes as without one and reports
    its own errors). One request, retried by the client's policy."""
    count = COUNTED.get(inventory)
    if count is None or params or (concurrency or client.config.page_concurrency) < 2:
        return None
    try:
        return count(client)
    except ClarifaiError as exc:
        logger.debug("%s: no count of the listing (%s); its pages are requested as it goes", inventory, exc)
        return None
