"""A listing narrowed by the caller's query parameters reads no count before it: the
API's count is the whole app's, which would say pages exist that the narrowed listing
does not have."""

from __future__ import annotations

import pytest

from connector.inventory import to_table


@pytest.fixture
def demo(emulator):
    emulator.admin.reset(seed="demo", seed_inputs=30)
    emulator.admin.clear_requests()
    return emulator


def test_a_narrowed_listing_reads_no_count(demo, client) -> None:
    table = to_table(client, "inputs", per_page=10, concurrency=4, params={"status.code": "30000"})
    rpcs = [e["rpc"] for e in demo.admin.requests()]
    assert "GetInputCount" not in rpcs
    assert rpcs and set(rpcs) == {"ListInputs"}
    assert table.num_rows <= 30


def test_the_whole_listing_reads_the_count_once(demo, client) -> None:
    assert to_table(client, "inputs", per_page=10, concurrency=4).num_rows == 30
    assert [e["rpc"] for e in demo.admin.requests()].count("GetInputCount") == 1
