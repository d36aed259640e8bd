"""Page and item iterators over the API's ``page``/``per_page`` listings.

Pages are 1-based; a listing ends at the first page shorter than ``per_page`` (an
exactly-full last page therefore costs one more request, which comes back empty) or
after ``max_pages`` pages. Page 1 is always fetched alone; when it is full, further
pages are fetched ahead, at most ``concurrency`` requests in flight (threads for sync,
tasks for async), requested before the page in hand is yielded (the consumer's work
overlaps them; the sync iterator also requests the next page as soon as a request
ends, up to twice ``concurrency`` pages ahead of the consumer), and pages are still
yielded strictly in order. Every fetch goes through the client's
call path, so it takes a rate-limiter token and follows the retry policy. When the
consumer stops early (closes the generator), fetches not started are cancelled and
fetches in flight are awaited and dropped. Empty pages are never yielded.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from connector.config import MAX_PER_PAGE
from connector.errors import ConfigurationError

Page = list[dict[str, Any]]


class PagePlan:
    """Which pages to request next and when a listing is finished (shared by the sync
    and the async iterators)."""

    def __init__(self, per_page: int, concurrency: int = 1, max_pages: int | None = None) -> None:
        if not 1 <= int(per_page) <= MAX_PER_PAGE:
            raise ConfigurationError(f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page}")
        if int(concurrency) < 1:
            raise ConfigurationError(f"concurrency must be at least 1, got {concurrency}")
        if max_pages is not None and int(max_pages) < 1:
            raise ConfigurationError(f"max_pages must be at least 1, got {max_pages}")
        self.per_page = int(per_page)
        self.concurrency = int(concurrency)
        self.max_pages = None if max_pages is None else int(max_pages)
        self._next = 1
        #: Set once the listing has ended: fetches waiting for their turn wake up then.
        self.stopped = threading.Event()

    def running(self) -> bool:
        """False once the listing has ended (its last page read, or the consumer
        stopped): a page fetched ahead whose request is not sent yet need not be."""
        return not self.stopped.is_set()

    def finish(self) -> None:
        self.stopped.set()

    def more(self) -> bool:
        return self.max_pages is None or self._next <= self.max_pages

    def take(self) -> int:
        page = self._next
        self._next += 1
        return page

    def to_submit(self, in_flight: int) -> list[int]:
        """Page numbers to start now so that at most ``concurrency`` are in flight."""
        pages: list[int] = []
        while in_flight + len(pages) < self.concurrency and self.more():
            pages.append(self.take())
        return pages

    def is_last(self, items: Page) -> bool:
        return len(items) < self.per_page or not self.more()


def iter_pages(fetch: Callable[[int], Page], plan: PagePlan) -> Iterator[Page]:
    """Pages from ``fetch(page_number)`` in order, following ``plan``.

    With prefetch, a new page is requested as soon as a request in flight ends with a
    full page, whether or not the consumer has taken the pages before it: at most
    ``concurrency`` requests in flight and ``2 x concurrency`` pages fetched but not
    yet consumed, so a slow consumer never lets the requests stall and never lets the
    pages pile up."""
    first = fetch(plan.take())
    if plan.is_last(first):
        if first:
            yield first
        return
    if plan.concurrency == 1:
        yield first
        while True:
            items = fetch(plan.take())
            if items:
                yield items
            if plan.is_last(items):
                return
    prefetch = _Prefetch(fetch, plan)
    with ThreadPoolExecutor(max_workers=plan.concurrency, thread_name_prefix="clarifai-pages") as pool:
        try:
            prefetch.start(pool)
            yield first
            page = 2
            while True:
                items = prefetch.take(page)
                if len(items) < plan.per_page:
                    if items:
                        yield items
                    return
                yield items
                page += 1
        finally:
            plan.finish()  # fetches still waiting for their turn send nothing
            prefetch.cancel()


class _Prefetch:
    """The pages requested ahead of a sync listing's consumer (see :func:`iter_pages`)."""

    def __init__(self, fetch: Callable[[int], Page], plan: PagePlan) -> None:
        self.fetch, self.plan = fetch, plan
        self.lock = threading.RLock()  # a done callback may run in the thread that submits
        self.futures: dict[int, Future[Page]] = {}
        self.running = 0
        self.stop = False  # a short page or a failure was seen: request no more
        self.pool: ThreadPoolExecutor | None = None

    def start(self, pool: ThreadPoolExecutor) -> None:
        self.pool = pool
        self.top_up()

    def top_up(self) -> None:
        with self.lock:
            assert self.pool is not None
            while (
                not self.stop
                and self.running < self.plan.concurrency
                and len(self.futures) < 2 * self.plan.concurrency
                and self.plan.more()
            ):
                page = self.plan.take()
                future = self.pool.submit(self.fetch, page)
                self.futures[page] = future
                self.running += 1
                future.add_done_callback(self.done)

    def done(self, future: Future[Page]) -> None:
        with self.lock:
            self.running -= 1
            if future.cancelled() or future.exception() is not None or len(future.result()) < self.plan.per_page:
                self.stop = True
                return
        self.top_up()

    def take(self, page: int) -> Page:
        """Page ``page`` (waited for); the next pages are requested meanwhile."""
        with self.lock:
            future = self.futures.get(page)
        if future is None:  # not requested: past max_pages, or the listing was cut short
            return []
        items = future.result()
        with self.lock:
            del self.futures[page]
        self.top_up()
        return items

    def cancel(self) -> None:
        with self.lock:
            self.stop = True
            for future in self.futures.values():
                future.cancel()


async def aiter_pages(fetch: Callable[[int], Awaitable[Page]], plan: PagePlan) -> AsyncIterator[Page]:
    """The async twin of :func:`iter_pages`: prefetch runs as asyncio tasks, started
    before a page is handed to the consumer."""
    first = await fetch(plan.take())
    if plan.is_last(first):
        if first:
            yield first
        return
    pending: collections.deque[asyncio.Task[Page]] = collections.deque()
    try:
        pending.extend(asyncio.ensure_future(fetch(p)) for p in plan.to_submit(0))
        yield first
        while pending:
            items = await pending.popleft()
            if len(items) < plan.per_page:
                if items:
                    yield items
                return
            pending.extend(asyncio.ensure_future(fetch(p)) for p in plan.to_submit(len(pending)))
            yield items
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
