"""Page and item iterators over the API's ``page``/``per_page`` listings.

Pages are 1-based; a listing ends at the first page shorter than ``per_page`` (an
exactly-full last page therefore costs one more request, which comes back empty) or
after ``max_pages`` pages. Page 1 is fetched alone; when it is full, further
pages are fetched ahead, at most ``concurrency`` requests in flight (threads for sync,
tasks for async), requested before the page in hand is yielded (the consumer's work
overlaps them; the sync iterator also requests the next page as soon as a request
ends, while fewer than ``concurrency`` fetched pages wait for the consumer), and pages
are still yielded strictly in order. Every fetch goes through the client's call path, so it
takes a rate-limiter token and follows the retry policy. When the consumer stops
early (closes the generator), fetches not started are cancelled and fetches in flight
are awaited and dropped. Empty pages are never yielded.

A listing whose length is known beforehand (``expected_items``, e.g. from a count the
API keeps) does not wait for page 1 when the count needs two pages or more: the pages
it covers (and, when it fills its last page exactly, the empty one after it that shows
the end) are requested from the start, up to twice ``concurrency`` in flight, since
none of them is a guess (no more pages are fetched ahead of the consumer than without
a count). Past them the listing goes on as without a count. The count decides only which pages are requested when: the listing
still ends at its first short page, so a stale count costs at most the pages it
overstates, never an item.
"""

from __future__ import annotations

import asyncio
import collections
import functools
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

    def __init__(
        self, per_page: int, concurrency: int = 1, max_pages: int | None = None, expected_items: int | None = None
    ) -> None:
        if not 1 <= int(per_page) <= MAX_PER_PAGE:
            raise ConfigurationError(f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page}")
        if int(concurrency) < 1:
            raise ConfigurationError(f"concurrency must be at least 1, got {concurrency}")
        if max_pages is not None and int(max_pages) < 1:
            raise ConfigurationError(f"max_pages must be at least 1, got {max_pages}")
        if expected_items is not None and int(expected_items) < 0:
            raise ConfigurationError(f"expected_items must be 0 or more, got {expected_items}")
        self.per_page = int(per_page)
        self.concurrency = int(concurrency)
        self.max_pages = None if max_pages is None else int(max_pages)
        #: The pages a count known beforehand says exist, and, when the count fills its
        #: last page exactly, the empty one after it that shows the end (0 without a
        #: count): pages past them are requested only once the last came back full.
        self.known_pages = 0
        #: Whether the count needs two pages or more: page 1 then goes with the others.
        self.from_start = False
        if expected_items is not None and int(concurrency) > 1:
            full, rest = divmod(int(expected_items), self.per_page)
            self.known_pages = full + 1
            self.from_start = full + (rest > 0) >= 2
        self.past_count = False
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
        """Whether a next page may be requested now: within ``max_pages``, and, past the
        pages a count covers, only once the last of them came back full (the count was
        low), so that a right count asks for no page past the end."""
        if not self.within_max_pages():
            return False
        return self._next <= self.known_pages or not self.known_pages or self.past_count

    def within_max_pages(self) -> bool:
        return self.max_pages is None or self._next <= self.max_pages

    def returned(self, page: int, items: Page) -> None:
        """Note page ``page``'s answer: the last page a count covers coming back full
        means the listing is longer than the count said."""
        if page == self.known_pages and len(items) >= self.per_page:
            self.past_count = True

    def take(self) -> int:
        page = self._next
        self._next += 1
        return page

    def in_flight_limit(self) -> int:
        """How many requests may be in flight before the next page is requested:
        ``concurrency``, or twice that while the next page is one a count says exists
        (requesting it wastes nothing; the pages fetched ahead stay capped)."""
        if self._next <= self.known_pages:
            return 2 * self.concurrency
        return self.concurrency

    def to_submit(self, in_flight: int) -> list[int]:
        """Page numbers to start now so that at most :meth:`in_flight_limit` are in
        flight."""
        pages: list[int] = []
        while self.more() and in_flight + len(pages) < self.in_flight_limit():
            pages.append(self.take())
        return pages

    def is_last(self, items: Page) -> bool:
        return len(items) < self.per_page or not self.within_max_pages()


def iter_pages(fetch: Callable[[int], Page], plan: PagePlan) -> Iterator[Page]:
    """Pages from ``fetch(page_number)`` in order, following ``plan``.

    With prefetch, a new page is requested as soon as a request in flight ends with a
    full page, whether or not the consumer has taken the pages before it, while fewer
    than ``concurrency`` fetched pages wait for the consumer: at most ``concurrency``
    requests in flight and fewer than ``2 x concurrency`` pages ahead of the consumer
    (in flight or fetched), so a slow consumer never lets the requests stall and never
    lets the decoded pages pile up. With a count of two pages or more known beforehand
    (``plan.from_start``), page 1 is requested with the pages after it."""
    if plan.from_start:
        yield from _prefetched(fetch, plan, None)
        return
    first = fetch(plan.take())
    plan.returned(1, first)
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
    yield from _prefetched(fetch, plan, first)


def _prefetched(fetch: Callable[[int], Page], plan: PagePlan, first: Page | None) -> Iterator[Page]:
    """The pages after ``first`` (page 1, already read), or every page from page 1 when
    ``first`` is None, fetched ahead by a thread pool (see :func:`iter_pages`)."""
    prefetch = _Prefetch(fetch, plan)
    with ThreadPoolExecutor(max_workers=2 * plan.concurrency, thread_name_prefix="clarifai-pages") as pool:
        try:
            prefetch.start(pool)
            if first is not None:
                yield first
            page = 1 if first is None else 2
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
        #: The pages requested and not consumed yet, in flight or fetched.
        self.futures: dict[int, Future[Page]] = {}
        self.stop = False  # a short page or a failure was seen: request no more
        self.pool: ThreadPoolExecutor | None = None

    def start(self, pool: ThreadPoolExecutor) -> None:
        self.pool = pool
        self.top_up()

    def top_up(self) -> None:
        """Request the next pages while the plan allows one more in flight, fewer than
        ``concurrency`` fetched pages wait for the consumer, and fewer than twice that
        are ahead of it. The counts come from the futures themselves, not from the done
        callbacks, which may run after the consumer has woken up and moved on: the
        consumer's own top-up, after it takes a page, must see the page it needs next
        as requestable."""
        with self.lock:
            assert self.pool is not None
            while not self.stop and self.plan.more():
                running = sum(1 for future in self.futures.values() if not future.done())
                fetched = len(self.futures) - running
                if (
                    running >= self.plan.in_flight_limit()
                    or fetched >= self.plan.concurrency
                    or len(self.futures) >= 2 * self.plan.concurrency
                ):
                    return
                page = self.plan.take()
                future = self.pool.submit(self.fetch, page)
                self.futures[page] = future
                future.add_done_callback(functools.partial(self.done, page))

    def done(self, page: int, future: Future[Page]) -> None:
        with self.lock:
            if future.cancelled() or future.exception() is not None or len(future.result()) < self.plan.per_page:
                self.stop = True
                return
            self.plan.returned(page, future.result())
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
            # also noted here: the done callback may run after the consumer woke up
            self.plan.returned(page, items)
        self.top_up()
        return items

    def cancel(self) -> None:
        with self.lock:
            self.stop = True
            for future in self.futures.values():
                future.cancel()


async def aiter_pages(fetch: Callable[[int], Awaitable[Page]], plan: PagePlan) -> AsyncIterator[Page]:
    """The async twin of :func:`iter_pages`: prefetch runs as asyncio tasks, started
    before a page is handed to the consumer (with a count known beforehand, from
    page 1 on)."""
    pending: collections.deque[asyncio.Task[Page]] = collections.deque()
    first: Page | None = None
    if not plan.from_start:
        first = await fetch(plan.take())
        plan.returned(1, first)
        if plan.is_last(first):
            if first:
                yield first
            return
    try:
        pending.extend(asyncio.ensure_future(fetch(p)) for p in plan.to_submit(0))
        if first is not None:
            yield first
        page = 1 if first is None else 2
        while pending:
            items = await pending.popleft()
            plan.returned(page, items)
            page += 1
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
