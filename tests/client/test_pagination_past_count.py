"""A count that was too low: when the last page it covers comes back full, the pages
past it are requested as soon as that page is in, before the consumer takes it."""

from __future__ import annotations

import threading

from connector.pagination import PagePlan, iter_pages

PER_PAGE = 2
ITEMS = list(range(10))  # five full pages, then an empty one: more than the count says


def test_a_full_last_counted_page_asks_for_the_next_before_it_is_taken() -> None:
    released = {page: threading.Event() for page in range(1, 8)}
    requested = {page: threading.Event() for page in range(1, 8)}
    for page in (1, 2):
        released[page].set()

    def fetch(page: int) -> list[int]:
        requested[page].set()
        assert released[page].wait(30), f"page {page} never released"
        return ITEMS[(page - 1) * PER_PAGE : page * PER_PAGE]

    # A count of 4 items: pages 1 and 2, and the empty page 3 that would show the end.
    plan = PagePlan(PER_PAGE, 2, expected_items=4)
    pages = iter_pages(fetch, plan)
    try:
        assert next(pages) == [0, 1]
        assert next(pages) == [2, 3]
        assert requested[3].wait(30)
        assert not requested[4].is_set()  # a right count would end at page 3
        released[3].set()  # page 3 comes back full: the count was low
        assert requested[4].wait(30), "page 4 not asked for while page 3 waited for the consumer"
        for event in released.values():
            event.set()
        assert [item for page in pages for item in page] == ITEMS[4:]
    finally:
        for event in released.values():
            event.set()
        pages.close()
