"""Page and item iterators over the API's ``page``/``per_page`` listings.

Pages are 1-based; a listing ends at the first page shorter than ``per_page`` (an
exactly-full last page therefore costs one more request, which comes back empty) or
after ``max_pages`` pages. Page 1 is always fetched alone; when it is full, up to
``concurrency`` further pages are fetched ahead (threads for sync, tasks for async),
and pages are still yielded strictly in order. Every fetch goes through the client's
call path, so it takes a rate-limiter token and follows the retry policy. When the
consumer stops early (closes the generator), fetches not started are cancelled and
fetches in flight are awaited and dropped. Empty pages are never yielded.
"""

from __future__ import annotations

import asyncio
import collections
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
        self._finished = False

    def running(self) -> bool:
        """False once the listing has ended (its last page read, or the consumer
        stopped): a page fetched ahead whose request is not sent yet need not be."""
        return not self._finished

    def finish(self) -> None:
        self._finished = True

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
    """Pages from ``fetch(page_number)`` in order, following ``plan``."""
    first = fetch(plan.take())
    if first:
        yield first
    if plan.is_last(first):
        return
    if plan.concurrency == 1:
        while True:
            items = fetch(plan.take())
            if items:
                yield items
            if plan.is_last(items):
                return
    pending: collections.deque[Future[Page]] = collections.deque()
    with ThreadPoolExecutor(max_workers=plan.concurrency, thread_name_prefix="clarifai-pages") as pool:
        try:
            pending.extend(pool.submit(fetch, p) for p in plan.to_submit(0))
            while pending:
                items = pending.popleft().result()
                if items:
                    yield items
                if len(items) < plan.per_page:
                    return
                pending.extend(pool.submit(fetch, p) for p in plan.to_submit(len(pending)))
        finally:
            plan.finish()  # fetches still waiting for their turn send nothing
            for future in pending:
                future.cancel()


async def aiter_pages(fetch: Callable[[int], Awaitable[Page]], plan: PagePlan) -> AsyncIterator[Page]:
    """The async twin of :func:`iter_pages`: prefetch runs as asyncio tasks."""
    first = await fetch(plan.take())
    if first:
        yield first
    if plan.is_last(first):
        return
    pending: collections.deque[asyncio.Task[Page]] = collections.deque()
    try:
        pending.extend(asyncio.ensure_future(fetch(p)) for p in plan.to_submit(0))
        while pending:
            items = await pending.popleft()
            if items:
                yield items
            if len(items) < plan.per_page:
                return
            pending.extend(asyncio.ensure_future(fetch(p)) for p in plan.to_submit(len(pending)))
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
