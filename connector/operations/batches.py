"""Concurrent, order-independent write batches under the client's shared rate limiter.

Operations write in batches (inputs added to or removed from a dataset, versions
deleted, tasks deleted). Each batch is one request whose effect does not depend on any
other batch of the same phase, so batches may run in any order and at once. Running a
few at once keeps the rate limiter, not the round trip, as what bounds a long apply:
one request at a time with 100 ms of latency makes at most 10 requests/s.

Every request still goes through the client's call path: it takes a token from the
client's one rate limiter (shared by all threads) and follows the retry policy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from connector.operations.base import ProgressCallback, chunked, report
from connector.protocols import ClientProtocol

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Batches in flight when the client's configuration says nothing.
DEFAULT_CONCURRENCY = 4


def write_concurrency(client: ClientProtocol) -> int:
    """Batches in flight for ``client``: its ``config.page_concurrency`` (the same number
    of requests a listing keeps in flight), at least 1."""
    config = getattr(client, "config", None)
    value = getattr(config, "page_concurrency", DEFAULT_CONCURRENCY)
    return max(1, int(value or 1))


def run_batches(
    batches: Sequence[T],
    write: Callable[[T], object],
    *,
    concurrency: int,
    done: Callable[[T], None] | None = None,
) -> None:
    """Call ``write(batch)`` for every batch, at most ``concurrency`` at once (threads).

    The batches must be order-independent and each ``write`` idempotent: they may run
    in any order, and a run cut short is completed by running every batch again.
    ``done(batch)`` is called in the calling thread after each batch succeeds, in
    completion order (progress counts only go up).

    On the first failure (any exception, ``BaseException`` included) no further batch
    is started; batches already in flight are waited for (so no request outlives the
    call), and then the first failure is raised. Nothing is retried here: each
    request has the client's retry policy.
    """
    if concurrency <= 1 or len(batches) <= 1:
        for batch in batches:
            write(batch)
            if done is not None:
                done(batch)
        return
    pool = ThreadPoolExecutor(max_workers=min(concurrency, len(batches)), thread_name_prefix="clarifai-writes")
    # Submit lazily, keeping `concurrency` in flight: a failure stops batches not yet
    # submitted without relying on cancelling queued futures.
    todo = iter(batches)
    running: dict[Future[object], T] = {}
    failure: BaseException | None = None
    try:
        for batch in todo:
            running[pool.submit(write, batch)] = batch
            if len(running) >= concurrency:
                break
        while running:
            finished, _ = wait(running, return_when=FIRST_EXCEPTION)
            for future in finished:
                batch = running.pop(future)
                error = future.exception()
                if error is not None:
                    failure = failure or error
                elif done is not None and failure is None:
                    done(batch)
            if failure is not None:
                break
            for batch in todo:
                running[pool.submit(write, batch)] = batch
                if len(running) >= concurrency:
                    break
        if failure is not None:
            # Let the requests in flight end before raising: their outcome is whatever
            # the server did, and a rerun (idempotent) settles it.
            wait(running)
            logger.debug("write batches stopped at the first failure: %r", failure)
            raise failure
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def write_in_batches(
    client: ClientProtocol,
    ids: Mapping[str, Sequence[str]],
    write: Callable[[str, list[str]], object],
    *,
    batch_size: int,
    progress: ProgressCallback | None,
    operation: str,
    stage: str,
) -> int:
    """Write ``ids`` (container id -> ids in it: the inputs of a dataset, its versions)
    as ``write(container, batch)`` calls of at most ``batch_size`` ids each, run by
    :func:`run_batches` at the client's :func:`write_concurrency` (same promises: the
    batches must be order-independent and idempotent, the first failure is raised).
    After each batch a progress event ``(operation, stage, written so far, total,
    container)``. Returns the number of ids written."""
    batches = [(container, chunk) for container, some in ids.items() for chunk in chunked(some, batch_size)]
    total = sum(len(chunk) for _, chunk in batches)
    written = 0

    def one_written(batch: tuple[str, list[str]]) -> None:
        nonlocal written
        written += len(batch[1])
        report(progress, operation, stage, written, total, batch[0])

    run_batches(batches, lambda batch: write(*batch), concurrency=write_concurrency(client), done=one_written)
    return written
