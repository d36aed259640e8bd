"""Pagination: the paging plan and iterators on their own, then listings against the
emulator over 0, 1, exactly-full and many pages, with and without prefetch."""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from urllib.parse import parse_qs

import pytest

from connector.aio import AsyncClarifaiClient
from connector.errors import ConfigurationError, TransientServerError
from connector.pagination import PagePlan, aiter_pages, iter_pages
from tests.support.contract import async_contract_hooks


class FakeListing:
    """``total`` numbered items served page by page; records which pages were asked."""

    def __init__(self, total: int, per_page: int, fail_page: int | None = None) -> None:
        self.total, self.per_page, self.fail_page = total, per_page, fail_page
        self.asked: list[int] = []
        self.lock = threading.Lock()

    def items(self, page: int) -> list[dict]:
        with self.lock:
            self.asked.append(page)
        if page == self.fail_page:
            raise TransientServerError("page failed")
        start = (page - 1) * self.per_page
        return [{"n": n} for n in range(start, min(self.total, start + self.per_page))]

    async def aitems(self, page: int) -> list[dict]:
        await asyncio.sleep(0)
        return self.items(page)


def _flat(pages) -> list[int]:
    return [item["n"] for page in pages for item in page]


@pytest.mark.parametrize("concurrency", [1, 3])
@pytest.mark.parametrize(("total", "per_page", "requests"), [(0, 5, 1), (3, 5, 1), (5, 5, 2), (23, 5, 5), (25, 5, 6)])
def test_iter_pages_in_order_and_complete(total: int, per_page: int, requests: int, concurrency: int) -> None:
    listing = FakeListing(total, per_page)
    assert _flat(iter_pages(listing.items, PagePlan(per_page, concurrency))) == list(range(total))
    if concurrency == 1:
        assert listing.asked == list(range(1, requests + 1))
    else:
        # prefetch may ask for at most `concurrency` pages past the last one
        assert set(range(1, requests + 1)) <= set(listing.asked)
        assert len(listing.asked) <= requests + concurrency - 1
        assert len(set(listing.asked)) == len(listing.asked)


@pytest.mark.parametrize("concurrency", [1, 4])
def test_max_pages(concurrency: int) -> None:
    listing = FakeListing(100, 10)
    assert _flat(iter_pages(listing.items, PagePlan(10, concurrency, max_pages=3))) == list(range(30))
    assert sorted(listing.asked) == [1, 2, 3]


def test_empty_pages_are_not_yielded() -> None:
    listing = FakeListing(10, 5)
    pages = list(iter_pages(listing.items, PagePlan(5, 1)))
    assert [len(p) for p in pages] == [5, 5]
    assert listing.asked == [1, 2, 3]


def test_early_close_stops_prefetch() -> None:
    """The consumer stops after page 2: nothing is requested beyond the pages fetched
    ahead by then (at most twice `concurrency`)."""
    listing = FakeListing(10_000, 10)
    gen = iter_pages(listing.items, PagePlan(10, 4))
    assert len(next(gen)) == 10
    assert len(next(gen)) == 10
    gen.close()
    asked = len(listing.asked)
    # the pages consumed, plus at most twice `concurrency` fetched ahead (in flight or done)
    assert asked <= 2 + 2 * 4


def test_early_close_waits_for_fetches_in_flight_and_starts_no_other() -> None:
    """Closing returns only once the fetches in flight have ended (their pages are
    dropped), and no fetch starts after the consumer stopped."""
    release = threading.Event()
    started: list[int] = []
    ended: list[int] = []

    def fetch(page: int) -> list[dict]:
        started.append(page)
        if page > 2:
            release.wait()
        ended.append(page)
        return [{"n": page}]

    gen = iter_pages(fetch, PagePlan(1, 3))
    assert [next(gen), next(gen)] == [[{"n": 1}], [{"n": 2}]]
    closer = threading.Thread(target=gen.close)
    closer.start()
    closer.join(0.2)
    assert closer.is_alive()  # the pages fetched ahead are still being fetched
    release.set()
    closer.join()
    # three requests in flight at most (pages 3-5 once page 2 was in), all awaited, none after
    assert sorted(started) == sorted(ended) and set(started) <= {1, 2, 3, 4, 5}


def test_error_on_a_page_propagates() -> None:
    listing = FakeListing(100, 10, fail_page=3)
    with pytest.raises(TransientServerError):
        _flat(iter_pages(listing.items, PagePlan(10, 2)))


def test_plan_validation() -> None:
    for bad in (
        {"per_page": 0},
        {"per_page": 1001},
        {"per_page": 5, "concurrency": 0},
        {"per_page": 5, "max_pages": 0},
        {"per_page": 5, "expected_items": -1},
    ):
        with pytest.raises(ConfigurationError):
            PagePlan(**bad)


# -- a count known beforehand -------------------------------------------------------------


class GatedListing(FakeListing):
    """Page 1 is answered only once ``wanted`` other pages have been asked for (or after
    ``timeout``): a listing that waited for page 1 before asking for more would stall."""

    def __init__(self, total: int, per_page: int, wanted: int, timeout: float = 10.0, delay: float = 0.0) -> None:
        super().__init__(total, per_page)
        self.wanted, self.timeout, self.delay = wanted, timeout, delay
        self.others = threading.Semaphore(0)
        self.in_flight = 0
        self.most_in_flight = 0

    def items(self, page: int) -> list[dict]:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if page == 1:
                self.page_one_waited = all(self.others.acquire(timeout=self.timeout) for _ in range(self.wanted))
            else:
                self.others.release()
                time.sleep(self.delay)
            return super().items(page)
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.mark.parametrize(
    ("total", "per_page", "pages"),
    [
        (23, 5, [1, 2, 3, 4, 5]),  # the last page short: it shows the end, nothing more is asked
        (25, 5, [1, 2, 3, 4, 5, 6]),  # the last page exactly full: the empty page after it is asked too
    ],
)
def test_a_count_known_beforehand_asks_for_its_pages_with_page_1_and_for_none_past_the_end(
    total: int, per_page: int, pages: list[int]
) -> None:
    listing = GatedListing(total, per_page, wanted=len(pages) - 1, delay=0.05)
    plan = PagePlan(per_page, 4, expected_items=total)
    assert _flat(iter_pages(listing.items, plan)) == list(range(total))
    assert listing.page_one_waited  # pages 2.. were asked for while page 1 was still in flight
    assert sorted(listing.asked) == pages


def test_without_a_count_page_1_goes_alone() -> None:
    """The same gate without a count: page 1 would wait for pages nobody asks for yet,
    so the gate gives up (a short timeout) and the listing then goes on as usual."""
    listing = GatedListing(23, 5, wanted=1, timeout=0.3)
    assert _flat(iter_pages(listing.items, PagePlan(5, 4))) == list(range(23))
    assert not listing.page_one_waited
    assert listing.asked[0] == 1


@pytest.mark.parametrize("expected", [0, 3, 5])
def test_a_count_that_fits_in_one_page_lets_page_1_go_alone_and_ask_nothing_past_the_end(expected: int) -> None:
    """A count of one page or less: page 1 goes alone, as without a count (a one-page
    listing costs one request); an exactly full page 1 is followed by the empty page
    2 only, not by pages fetched ahead."""
    plan = PagePlan(5, 4, expected_items=expected)
    assert not plan.from_start
    listing = FakeListing(expected, 5)
    assert _flat(iter_pages(listing.items, plan)) == list(range(expected))
    assert listing.asked == ([1, 2] if expected == 5 else [1])


def test_a_count_of_zero_that_is_stale_still_reads_the_whole_listing() -> None:
    listing = FakeListing(12, 5)
    assert _flat(iter_pages(listing.items, PagePlan(5, 4, expected_items=0))) == list(range(12))
    assert listing.asked[0] == 1 and {1, 2, 3} <= set(listing.asked)


def test_with_a_count_twice_concurrency_in_flight_at_most() -> None:
    """A count of 40 pages with 4 in flight: up to 8 requests at once (none is a guess),
    never more, and the listing is whole and in order. (8 is more than a default thread
    pool holds on a small machine: the pool is sized for it.)"""
    listing = GatedListing(200, 5, wanted=7, delay=0.05)
    assert _flat(iter_pages(listing.items, PagePlan(5, 4, expected_items=200))) == list(range(200))
    assert listing.page_one_waited
    assert listing.most_in_flight == 8
    assert sorted(listing.asked) == list(range(1, 42))


def test_a_count_that_is_low_lets_the_listing_go_on_past_it() -> None:
    """The count says 12 items; 40 are there: every item comes, in order, the pages after
    the count's fetched as without one."""
    listing = FakeListing(40, 5)
    assert _flat(iter_pages(listing.items, PagePlan(5, 2, expected_items=12))) == list(range(40))
    # pages 1-9 (the ninth empty), and past the count as without one: at most 1 more ahead
    assert set(range(1, 10)) <= set(listing.asked) <= set(range(1, 11))


def test_a_count_that_is_high_costs_only_the_pages_it_overstates() -> None:
    """The count says 40 items; 12 are there (pages 1-3, the third short): the listing
    ends there with the 12 items; what it asked for past them is within the count."""
    listing = FakeListing(12, 5)
    assert _flat(iter_pages(listing.items, PagePlan(5, 4, expected_items=40))) == list(range(12))
    assert {1, 2, 3} <= set(listing.asked) <= set(range(1, 10))


def test_a_count_with_concurrency_1_reads_one_page_at_a_time() -> None:
    listing = FakeListing(23, 5)
    plan = PagePlan(5, 1, expected_items=23)
    assert not plan.from_start and plan.known_pages == 0
    assert _flat(iter_pages(listing.items, plan)) == list(range(23))
    assert listing.asked == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(("total", "expected"), [(23, 23), (25, 25), (40, 12), (12, 40), (40, 0), (40, 5)])
def test_aiter_pages_with_a_count(total: int, expected: int) -> None:
    """The async iterator: with a count of two pages or more, pages 2.. are asked for
    while page 1 is in flight; every item comes, in order, whatever the count says; a
    right count asks for no page past the end (a page counts as asked for when its
    fetch is created, whether or not it ran)."""
    asked: list[int] = []
    together = PagePlan(5, 3, expected_items=expected).from_start

    async def main() -> list[int]:
        others = asyncio.Event()

        async def answer(page: int) -> list[dict]:
            if page == 1 and together:
                await asyncio.wait_for(others.wait(), timeout=10)
            elif page > 1:
                others.set()
            await asyncio.sleep(0)
            start = (page - 1) * 5
            return [{"n": n} for n in range(start, min(total, start + 5))]

        def fetch(page: int):
            asked.append(page)
            return answer(page)

        return [
            item["n"] async for page in aiter_pages(fetch, PagePlan(5, 3, expected_items=expected)) for item in page
        ]

    assert asyncio.run(main()) == list(range(total))
    assert together == (expected >= 6)
    if total == expected:
        assert sorted(asked) == list(range(1, total // 5 + 2))


def test_the_plan_allows_twice_concurrency_up_to_the_last_page_a_count_covers() -> None:
    """15 items at 5 a page, 2 in flight: pages 1-3 and the empty page 4 are known, each
    requestable with up to 4 in flight; page 5 only once page 4 came back full, and then
    with 2 in flight."""
    plan = PagePlan(5, 2, expected_items=15)
    assert (plan.known_pages, plan.from_start) == (4, True)
    limits = []
    for _ in range(4):
        limits.append(plan.in_flight_limit())
        assert plan.more()
        plan.take()
    assert limits == [4, 4, 4, 4]
    assert not plan.more() and plan.in_flight_limit() == 2
    plan.returned(3, [{}] * 5)  # not the last known page: changes nothing
    assert not plan.more()
    plan.returned(4, [{}] * 4)  # short: the count was right
    assert not plan.more()
    plan.returned(4, [{}] * 5)  # full: the listing is longer than the count said
    assert plan.more() and plan.in_flight_limit() == 2


@pytest.mark.parametrize(("expected", "together"), [(5, False), (6, True), (10, True), (11, True), (0, False)])
def test_a_count_of_two_pages_or_more_sends_page_1_with_the_others(expected: int, together: bool) -> None:
    """At 5 a page: 6 items need two pages (page 1 goes with page 2), 5 fit in one."""
    assert PagePlan(5, 2, expected_items=expected).from_start is together
    assert PagePlan(5, 2).from_start is False and PagePlan(5, 2).past_count is False


def test_max_pages_is_the_last_page_asked_for() -> None:
    plan = PagePlan(5, 1, max_pages=2)
    assert plan.within_max_pages() and not plan.is_last([{}] * 5)
    plan.take()
    assert plan.within_max_pages() and not plan.is_last([{}] * 5)
    plan.take()
    assert not plan.within_max_pages() and plan.is_last([{}] * 5) and not plan.more()


@pytest.mark.parametrize("concurrency", [1, 3])
@pytest.mark.parametrize(("total", "per_page"), [(0, 5), (5, 5), (23, 5)])
def test_aiter_pages_in_order(total: int, per_page: int, concurrency: int) -> None:
    listing = FakeListing(total, per_page)

    async def collect() -> list[int]:
        return [
            item["n"] async for page in aiter_pages(listing.aitems, PagePlan(per_page, concurrency)) for item in page
        ]

    assert asyncio.run(collect()) == list(range(total))


def test_aiter_early_close_cancels_tasks() -> None:
    """Pages 3-5 (and any fetched further ahead) are in flight when the consumer stops
    after page 2; they would never end by themselves, so closing returns only because
    they are cancelled."""
    started: list[int] = []
    cancelled: list[int] = []

    async def fetch(page: int) -> list[dict]:
        started.append(page)
        if page > 2:
            try:
                await asyncio.Event().wait()  # never set
            except asyncio.CancelledError:
                cancelled.append(page)
                raise
        return [{"n": page}]

    async def main() -> list[int]:
        gen = aiter_pages(fetch, PagePlan(1, 4))
        assert await gen.__anext__() == [{"n": 1}]
        assert await gen.__anext__() == [{"n": 2}]

        async def close() -> list[int]:
            await gen.aclose()
            return sorted(cancelled)  # as they are when closing returns, before anything else runs

        ended = await asyncio.wait_for(close(), timeout=60)  # a guard: without cancelling, it would hang
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert pending == []
        return ended

    ended = asyncio.run(main())
    assert {1, 2, 3, 4, 5} <= set(started)  # pages 3-5 were in flight when the consumer stopped
    assert ended == sorted(set(started) - {1, 2})  # each cancelled, and awaited before closing returned


# -- against the emulator ----------------------------------------------------------------


def _seed_datasets(client, n: int) -> list[str]:
    ids = [f"ds-{i:04d}" for i in range(n)]
    for start in range(0, n, 100):
        client.post_datasets([{"id": i} for i in ids[start : start + 100]])
    return ids


def _list_requests(emulator, rpc: str) -> list[dict]:
    return [r for r in emulator.admin.requests() if r["rpc"] == rpc]


@pytest.mark.parametrize(("total", "per_page", "pages_requested"), [(0, 10, 1), (7, 10, 1), (10, 10, 2), (47, 10, 5)])
def test_listing_sequential_against_emulator(client, emulator, total: int, per_page: int, pages_requested: int) -> None:
    ids = _seed_datasets(client, total)
    emulator.admin.clear_requests()
    got = [d["id"] for d in client.list_datasets(per_page=per_page, concurrency=1)]
    assert sorted(got) == sorted(ids) and len(got) == len(set(got))
    requests = _list_requests(emulator, "ListDatasets")
    assert len(requests) == pages_requested
    pages = [parse_qs(r["query"]) for r in requests]
    assert [p["page"] for p in pages] == [[str(i)] for i in range(1, pages_requested + 1)]
    assert all(p["per_page"] == [str(per_page)] for p in pages)


def test_listing_with_prefetch_against_emulator(client, emulator) -> None:
    ids = _seed_datasets(client, 95)
    sequential = [d["id"] for d in client.list_datasets(per_page=10, concurrency=1)]
    emulator.admin.clear_requests()
    prefetched = [d["id"] for d in client.list_datasets(per_page=10, concurrency=4)]
    assert prefetched == sequential  # same order
    assert sorted(prefetched) == sorted(ids)
    requests = _list_requests(emulator, "ListDatasets")
    asked = sorted(int(parse_qs(r["query"])["page"][0]) for r in requests)
    assert asked[:10] == list(range(1, 11))
    assert len(asked) <= 10 + 4 - 1 and len(asked) == len(set(asked))


def test_iter_pages_and_max_pages_against_emulator(client, emulator) -> None:
    _seed_datasets(client, 30)
    pages = list(client.iter_pages("ListDatasets", "datasets", per_page=7, concurrency=2, max_pages=2))
    assert [len(p) for p in pages] == [7, 7]


def test_async_listing_against_emulator(client_config, emulator, client) -> None:
    ids = _seed_datasets(client, 33)

    async def main() -> list[str]:
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as aclient:
            return [d["id"] async for d in aclient.list_datasets(per_page=5, concurrency=3)]

    got = asyncio.run(main())
    assert sorted(got) == sorted(ids) and len(got) == 33


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_count_passed_to_the_clients_asks_for_its_pages_and_none_past_the_end(
    client_config, emulator, client, asynchronous
) -> None:
    """Both clients pass ``expected_items`` to the plan: 33 datasets at 5 a page with
    their count, pages 1-7 and nothing past them (without it, 3 in flight ask ahead)."""
    _seed_datasets(client, 33)
    emulator.admin.clear_requests()

    async def alist() -> list[list[dict]]:
        async with AsyncClarifaiClient(client_config, event_hooks=async_contract_hooks()) as aclient:
            return [
                p
                async for p in aclient.iter_pages(
                    "ListDatasets", "datasets", per_page=5, concurrency=3, expected_items=33
                )
            ]

    if asynchronous:
        pages = asyncio.run(alist())
    else:
        pages = list(client.iter_pages("ListDatasets", "datasets", per_page=5, concurrency=3, expected_items=33))
    assert sum(len(p) for p in pages) == 33
    asked = sorted(int(parse_qs(r["query"])["page"][0]) for r in _list_requests(emulator, "ListDatasets"))
    assert asked == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize("asynchronous", [False, True])
def test_pages_fetched_ahead_past_the_end_send_nothing_once_it_is_read(client_config, emulator, client, asynchronous):
    """An exactly-full listing: the empty page that ends it is read while the pages
    fetched ahead of it still wait for their limiter token (2 requests/s, a burst of 2:
    pages 1 and 2 go at once, the next token comes half a second later); those are never
    sent."""
    from connector.client import ClarifaiClient

    ids = _seed_datasets(client, 5)
    config = client_config.replace(rate_limit=2.0)
    emulator.admin.clear_requests()
    if asynchronous:

        async def main() -> list[str]:
            async with AsyncClarifaiClient(config, event_hooks=async_contract_hooks()) as aclient:
                return [d["id"] async for d in aclient.list_datasets(per_page=5, concurrency=4)]

        got = asyncio.run(main())
    else:
        with ClarifaiClient(config) as c:
            got = [d["id"] for d in c.list_datasets(per_page=5, concurrency=4)]
    assert sorted(got) == sorted(ids)
    asked = sorted(int(parse_qs(r["query"])["page"][0]) for r in _list_requests(emulator, "ListDatasets"))
    assert asked == [1, 2]


def test_a_slow_consumer_does_not_stall_the_requests() -> None:
    """While the consumer still holds page 1, each fetch that ends lets the next page be
    requested, until the concurrency's worth of fetched pages wait for the consumer;
    never more than the concurrency in flight. Pages 2-5 go first; each is answered in
    turn, and the pages it lets go are counted before the next answer."""
    listing = FakeListing(1000, 10)
    lock = threading.Lock()
    in_flight = peak = 0
    gates: dict[int, threading.Event] = collections.defaultdict(threading.Event)
    requested: list[int] = []

    def fetch(page: int) -> list[dict]:
        nonlocal in_flight, peak
        with lock:
            requested.append(page)
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            if 2 <= page <= 8:
                assert gates[page].wait(10)
            return listing.items(page)
        finally:
            with lock:
                in_flight -= 1

    def asked_after(page: int) -> list[int]:
        gates[page].set()
        time.sleep(0.05)  # the answer's callback requests what it lets go
        with lock:
            return sorted(requested)

    gen = iter_pages(fetch, PagePlan(10, 4))
    assert len(next(gen)) == 10  # page 1 in hand; pages 2-5 in flight
    time.sleep(0.05)
    assert sorted(requested) == [1, 2, 3, 4, 5]
    assert asked_after(2) == [1, 2, 3, 4, 5, 6]  # page 2 fetched, one waiting: page 6 goes
    assert asked_after(3) == [1, 2, 3, 4, 5, 6, 7]
    assert asked_after(4) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert asked_after(5) == [1, 2, 3, 4, 5, 6, 7, 8]  # four fetched pages wait: no more
    for page in (6, 7, 8):
        asked_after(page)
    assert peak <= 4
    assert _flat(gen) == list(range(10, 1000))


def test_pages_fetched_ahead_past_the_end_neither_hold_the_listing_nor_the_next_requests(client_config, emulator):
    """Two requests a second: pages 1 and 2 (the short one) go at once, pages 3-5
    fetched ahead wait for turns a second and two seconds away. The listing ends when
    page 2 is read, without waiting for those turns (its fetches wake up and give their
    tokens back), so the next listing starts on the turn after pages 1 and 2, not
    behind three requests that were never sent."""
    import time

    from connector.client import ClarifaiClient

    config = client_config.replace(rate_limit=2.0, per_page=10, page_concurrency=4)
    with ClarifaiClient(config) as c:
        _seed_datasets(c, 15)
        time.sleep(1.1)  # the seeding's tokens and window are spent
        emulator.admin.clear_requests()
        start = time.monotonic()
        assert len(list(c.list_datasets())) == 15
        ended = time.monotonic() - start
        assert len(list(c.list_datasets(per_page=1, max_pages=1))) == 1
        next_started = time.monotonic() - start
    asked = [int(parse_qs(r["query"])["page"][0]) for r in _list_requests(emulator, "ListDatasets")]
    assert sorted(asked) == [1, 1, 2]
    # Held, the listing would end at page 5's turn (two seconds on); with the three
    # tokens kept, the next request would wait for that turn too. Released, it comes a
    # second after pages 1 and 2.
    assert ended < 1.0, ended
    assert next_started < 1.8, next_started
