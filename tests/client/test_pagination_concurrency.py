"""How many pages are fetched at once, and where: the paging plan's decisions, fetches
that must all be in flight together (they wait for each other, so fewer in flight never
finishes), a sequential listing that starts no thread, and the plan's argument checks."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from connector.errors import ConfigurationError
from connector.pagination import PagePlan, aiter_pages, iter_pages

#: A guard, not a measure: fetches that are all in flight meet at once; this only ends a
#: test that would otherwise wait for a fetch that is never started.
MEET_TIMEOUT = 30.0


def test_the_plan_starts_at_page_one_and_keeps_at_most_concurrency_in_flight() -> None:
    plan = PagePlan(10, concurrency=3)
    assert plan.take() == 1
    assert plan.to_submit(0) == [2, 3, 4]
    assert plan.to_submit(3) == []
    assert plan.to_submit(2) == [5]
    assert plan.to_submit(0) == [6, 7, 8]


def test_the_plan_stops_at_max_pages() -> None:
    plan = PagePlan(10, concurrency=4, max_pages=3)
    assert plan.take() == 1 and plan.more()
    assert plan.to_submit(0) == [2, 3]
    assert not plan.more() and plan.to_submit(0) == []
    assert plan.is_last([{"n": 1}] * 10)  # a full page is the last one once max_pages are taken


def test_a_short_page_is_the_last_and_a_full_one_is_not() -> None:
    plan = PagePlan(3, concurrency=1)
    assert plan.is_last([]) and plan.is_last([{}, {}])
    assert not plan.is_last([{}, {}, {}])
    single = PagePlan(1, concurrency=1, max_pages=1)
    assert single.take() == 1 and single.is_last([{}])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"per_page": 0}, "per_page must be between 1 and 1000, got 0"),
        ({"per_page": 1001}, "per_page must be between 1 and 1000, got 1001"),
        ({"per_page": 5, "concurrency": 0}, "concurrency must be at least 1, got 0"),
        ({"per_page": 5, "max_pages": 0}, "max_pages must be at least 1, got 0"),
    ],
)
def test_the_plan_refuses_bad_arguments_with_a_message(kwargs, message) -> None:
    with pytest.raises(ConfigurationError) as info:
        PagePlan(**kwargs)
    assert str(info.value) == message


def test_the_smallest_plan_is_accepted() -> None:
    plan = PagePlan(1, concurrency=1, max_pages=1)
    assert (plan.per_page, plan.concurrency, plan.max_pages) == (1, 1, 1)
    assert PagePlan(1000, 1).per_page == 1000
    default = PagePlan(5)
    assert (default.concurrency, default.max_pages) == (1, None)  # sequential and unbounded unless told


@pytest.mark.parametrize("concurrency", [2, 3])
def test_pages_fetched_ahead_are_in_flight_together(concurrency: int) -> None:
    """Pages 2 .. concurrency+1 wait for each other: the listing finishes only if all of
    them are requested before any has answered."""
    meet = threading.Barrier(concurrency, timeout=MEET_TIMEOUT)
    ahead = set(range(2, concurrency + 2))
    threads: set[str] = set()

    def fetch(page: int) -> list[dict]:
        threads.add(threading.current_thread().name)
        if page in ahead:
            meet.wait()
        return [{"n": page}] if page <= concurrency + 1 else []

    pages = list(iter_pages(fetch, PagePlan(1, concurrency)))
    assert [p[0]["n"] for p in pages] == list(range(1, concurrency + 2))
    assert threading.current_thread().name in threads  # page 1 is read by the caller
    workers = threads - {threading.current_thread().name}
    assert workers and all(name.startswith("clarifai-pages") for name in workers)


def test_a_sequential_listing_reads_every_page_in_the_callers_thread() -> None:
    seen: list[tuple[int, threading.Thread]] = []

    def fetch(page: int) -> list[dict]:
        seen.append((page, threading.current_thread()))
        return [{"n": page}] if page < 4 else []

    assert [p[0]["n"] for p in iter_pages(fetch, PagePlan(1, 1))] == [1, 2, 3]
    assert [page for page, _ in seen] == [1, 2, 3, 4]
    assert {thread for _, thread in seen} == {threading.current_thread()}


@pytest.mark.parametrize("concurrency", [2, 3])
def test_async_pages_fetched_ahead_are_in_flight_together(concurrency: int) -> None:
    async def main() -> list[int]:
        meet = asyncio.Barrier(concurrency)
        ahead = set(range(2, concurrency + 2))

        async def fetch(page: int) -> list[dict]:
            if page in ahead:
                await asyncio.wait_for(meet.wait(), MEET_TIMEOUT)
            return [{"n": page}] if page <= concurrency + 1 else []

        return [page[0]["n"] async for page in aiter_pages(fetch, PagePlan(1, concurrency))]

    assert asyncio.run(main()) == list(range(1, concurrency + 2))


def test_async_pages_are_yielded_in_order_whatever_order_they_answer_in() -> None:
    async def main() -> list[int]:
        answered: list[int] = []
        turn = {4: asyncio.Event(), 3: asyncio.Event(), 2: asyncio.Event()}

        async def fetch(page: int) -> list[dict]:
            if page in turn:  # page 4 answers first, then 3, then 2
                if page != 4:
                    await asyncio.wait_for(turn[page].wait(), MEET_TIMEOUT)
                answered.append(page)
                if page - 1 in turn:
                    turn[page - 1].set()
            return [{"n": page}] if page <= 4 else []

        got = [page[0]["n"] async for page in aiter_pages(fetch, PagePlan(1, 3))]
        assert answered == [4, 3, 2]
        return got

    assert asyncio.run(main()) == [1, 2, 3, 4]


def test_a_clients_listing_fetches_ahead_as_many_pages_as_its_config_says() -> None:
    """``page_concurrency`` in the config, no argument: pages 2-4 of a listing at three
    pages at once meet each other in flight (a sequential listing never gets past page
    2). Over HTTP, through the client, with a transport that answers one item a page."""
    import httpx

    from connector.client import ClarifaiClient
    from connector.config import ClarifaiConfig, RetryPolicy

    meet = threading.Barrier(3, timeout=MEET_TIMEOUT)

    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        if 2 <= page <= 4:
            meet.wait()
        items = [{"id": f"d{page}"}] if page <= 4 else []
        return httpx.Response(200, json={"status": {"code": 10000}, "datasets": items})

    config = ClarifaiConfig(
        pat="p",
        user_id="u",
        app_id="a",
        base_url="http://127.0.0.1:9",
        rate_limit=0,
        per_page=1,
        page_concurrency=3,
        retry=RetryPolicy(max_attempts=1),
    )
    with ClarifaiClient(config, transport=httpx.MockTransport(answer)) as client:
        assert [d["id"] for d in client.list_datasets()] == ["d1", "d2", "d3", "d4"]


def _callback_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the thread pool logged about a done callback that raised."""
    return [r.getMessage() for r in caplog.records if r.name == "concurrent.futures"]


def test_a_page_fetched_ahead_that_fails_raises_to_the_consumer_and_nothing_else(caplog) -> None:
    """Page 3 fails while the consumer still reads page 1: the listing raises that error
    when the consumer reaches it, and the prefetch stops quietly (no error logged by
    the thread pool about its own bookkeeping)."""

    def fetch(page: int) -> list[dict]:
        if page == 3:
            raise RuntimeError("page 3 failed")
        return [{"n": page}]

    caplog.set_level(logging.DEBUG)
    pages = iter_pages(fetch, PagePlan(1, 2, max_pages=6))
    with pytest.raises(RuntimeError, match="page 3 failed"):
        for _ in pages:
            pass
    assert _callback_errors(caplog) == []


def test_closing_a_listing_while_pages_are_in_flight_logs_nothing(caplog) -> None:
    """The consumer stops after page 1 while pages 2 and 3 are still being fetched (they
    end only once the listing has ended): the fetches that end after the close leave no
    error behind (the prefetch asks the closed pool for nothing more)."""
    plan = PagePlan(1, 2)

    def fetch(page: int) -> list[dict]:
        if page > 1:
            assert plan.stopped.wait(MEET_TIMEOUT)
        return [{"n": page}]

    caplog.set_level(logging.DEBUG)
    pages = iter_pages(fetch, plan)
    assert next(pages) == [{"n": 1}]
    pages.close()
    assert _callback_errors(caplog) == []
