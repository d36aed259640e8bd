"""The counts read before a listing (connector.counts) and the names the command line
offers without pyarrow (connector.catalog), against the emulator and the inventories."""

from __future__ import annotations

import pytest

from connector.catalog import FORMAT_NAMES, INVENTORY_NAMES
from connector.counts import COUNTED, input_total, read_count
from connector.inventory import FORMATS, INVENTORIES


def test_the_catalog_names_every_inventory_and_format_and_no_other():
    assert INVENTORY_NAMES == tuple(sorted(INVENTORIES))
    assert FORMAT_NAMES == tuple(sorted(FORMATS))
    assert set(COUNTED) <= set(INVENTORY_NAMES)


def test_input_total_adds_the_processing_states_not_the_reindex_ones():
    answer = {
        "counts": {"processed": 5, "to_process": 2, "errors": 1, "processing": 3, "reindexed": 4, "to_reindex": 9}
    }
    assert input_total(answer) == 11
    assert input_total({"counts": {}}) == 0
    assert input_total({}) == 0


@pytest.fixture
def demo(emulator):
    emulator.admin.reset(seed="demo", seed_inputs=30)
    emulator.admin.clear_requests()
    return emulator


def test_read_count_is_the_apps_input_count(demo, client):
    assert read_count(client, "inputs") == 30
    assert [e["rpc"] for e in demo.admin.requests()] == ["GetInputCount"]


@pytest.mark.parametrize(
    ("inventory", "kwargs"),
    [
        ("datasets", {}),  # no count kept
        ("inputs", {"params": {"status.code": "30000"}}),  # a filter: the count is the whole app's
        ("inputs", {"concurrency": 1}),  # one page at a time: a count changes nothing
    ],
)
def test_read_count_sends_nothing_where_a_count_would_not_help(demo, client, inventory, kwargs):
    assert read_count(client, inventory, **kwargs) is None
    assert demo.admin.requests() == []


def test_read_count_follows_the_clients_pages_in_flight(demo, client):
    one_at_a_time = client.__class__(client.config.replace(page_concurrency=1))
    with one_at_a_time:
        assert read_count(one_at_a_time, "inputs") is None
        assert read_count(one_at_a_time, "inputs", concurrency=2) == 30
    assert len(demo.admin.requests()) == 1


def test_a_count_that_cannot_be_read_is_none(demo, client, caplog):
    demo.admin.script_fault("http_500_internal", count=100, rpc="GetInputCount")
    with caplog.at_level("DEBUG", logger="connector.counts"):
        assert read_count(client, "inputs") is None
    assert "inputs: no count of the listing" in caplog.text
