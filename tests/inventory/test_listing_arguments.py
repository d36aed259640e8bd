"""What an inventory asks the API for: its own query parameters merged with the caller's,
the pages in flight the caller chose, and the dataset or model ids it refuses before any
request. Against the emulator, read in its request log."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from connector.errors import ValidationError
from connector.inventory import iter_batches, to_table


@pytest.fixture
def demo(emulator):
    emulator.admin.reset(seed="demo", seed_inputs=30)
    emulator.admin.clear_requests()
    return emulator


def _queries(emulator, rpc: str) -> list[dict[str, list[str]]]:
    return [parse_qs(e["query"]) for e in emulator.admin.requests() if e["rpc"] == rpc]


def test_the_inventorys_own_parameters_go_with_the_callers(demo, client):
    to_table(client, "annotations", per_page=5, params={"input_ids": "nope"})
    queries = _queries(demo, "ListAnnotations")
    assert queries and all(q.get("list_all_annotations") == ["true"] for q in queries)
    assert all(q.get("input_ids") == ["nope"] for q in queries)
    to_table(client, "inputs", per_page=7)
    assert all("list_all_annotations" not in q for q in _queries(demo, "ListInputs"))


def test_the_caller_chooses_how_many_pages_are_in_flight(demo, client):
    """30 inputs at 7 a page: 5 pages. One in flight asks for exactly those 5 (the last one
    short ends the listing); more in flight ask ahead past the end, unless a count says
    where the end is (next test). A query filter makes the app's input count useless, so
    none is read."""
    status = {"status.code": "30000"}
    rows = to_table(client, "inputs", per_page=7, concurrency=1, params=status).num_rows
    assert len(_queries(demo, "ListInputs")) == (rows + 7) // 7
    assert _queries(demo, "GetInputCount") == []
    demo.admin.clear_requests()
    assert to_table(client, "inputs", per_page=7, concurrency=8, params=status).num_rows == rows
    assert len(_queries(demo, "ListInputs")) > (rows + 7) // 7
    assert _queries(demo, "GetInputCount") == []


@pytest.mark.parametrize(("per_page", "pages", "together"), [(7, 5, True), (10, 4, True), (30, 2, False)])
def test_the_inputs_count_asks_for_every_page_at_once_and_none_past_the_end(demo, client, per_page, pages, together):
    """The whole app's inputs with pages in flight: the app's input count is read first
    (one GetInputCount), then exactly the pages it covers, and the empty one after an
    exactly full last page. With 300 ms on every answer, pages that go together arrive
    well within one answer's time of page 1; a count of one page lets page 1 go alone."""
    demo.admin.set_options(latency_ms=300)
    try:
        assert to_table(client, "inputs", per_page=per_page, concurrency=8).num_rows == 30
    finally:
        demo.admin.set_options(latency_ms=0)
    log = demo.admin.requests()
    assert log[0]["rpc"] == "GetInputCount" and len(log) == pages + 1
    listed = sorted(log[1:], key=lambda e: int(parse_qs(e["query"])["page"][0]))
    assert [e["rpc"] for e in listed] == ["ListInputs"] * pages
    assert [int(parse_qs(e["query"])["page"][0]) for e in listed] == list(range(1, pages + 1))
    spread = max(e["time"] for e in listed) - listed[0]["time"]
    assert spread < 0.15 if together else spread >= 0.3


def test_the_inputs_count_is_not_read_for_one_page_at_a_time(demo, client):
    assert to_table(client, "inputs", per_page=7, concurrency=1).num_rows == 30
    assert _queries(demo, "GetInputCount") == []
    assert len(_queries(demo, "ListInputs")) == 5


@pytest.mark.parametrize(
    ("datasets", "message"),
    [
        ([""], r"^datasets: dataset ids must be non-empty strings, got ''$"),
        (["train", 7], r"^datasets: dataset ids must be non-empty strings, got 7$"),
        ([], r"^an empty list of dataset ids was given in datasets; pass None for all datasets$"),
    ],
)
def test_bad_dataset_ids_are_refused_before_any_request(demo, client, datasets, message):
    with pytest.raises(ValidationError, match=message):
        list(iter_batches(client, "dataset_inputs", datasets=datasets))
    assert demo.admin.requests() == []


def test_an_export_passes_the_listing_arguments_on_and_says_what_it_wrote(demo, client, tmp_path):
    from connector.inventory import export, get_spec

    seen: list[int] = []
    result = export(
        client,
        "annotations",
        tmp_path / "annotations.jsonl",
        per_page=5,
        concurrency=1,
        params={"input_ids": "nope"},
        on_rows=seen.append,
    )
    queries = _queries(demo, "ListAnnotations")
    assert queries and all(
        q.get("input_ids") == ["nope"] and q.get("list_all_annotations") == ["true"] for q in queries
    )
    assert len(queries) == 1 and seen == []  # one empty page: nothing matched "nope"
    assert (result.inventory, result.format, result.rows) == ("annotations", "jsonl", 0)
    assert result.columns == tuple(get_spec("annotations").column_names)
    demo.admin.clear_requests()
    result = export(client, "inputs", tmp_path / "inputs.csv", per_page=7, concurrency=1, on_rows=seen.append)
    assert seen == [7, 7, 7, 7, 2] and result.rows == 30 and result.pages == 5
    assert len(_queries(demo, "ListInputs")) == 5  # one in flight: nothing asked past the end
    assert _queries(demo, "GetInputCount") == []  # one at a time: no count read
    demo.admin.clear_requests()
    result = export(client, "inputs", tmp_path / "inputs.jsonl", per_page=10, concurrency=8, expected_items=30)
    assert result.rows == 30 and _queries(demo, "GetInputCount") == []  # the caller's count, as it is
    assert sorted(int(q["page"][0]) for q in _queries(demo, "ListInputs")) == [1, 2, 3, 4]


def test_a_format_that_cannot_be_told_names_the_format_argument(tmp_path):
    from connector.inventory import infer_format

    with pytest.raises(ValidationError) as refused:
        infer_format(tmp_path / "inventory.data")
    assert refused.value.argument == "format" and refused.value.to_dict()["argument"] == "format"


def test_an_input_count_that_cannot_be_read_leaves_the_listing_as_without_one(demo, client, caplog):
    """GetInputCount failing every time (retried, then given up): the export does not
    fail for a hint; the listing goes page 1 first, then ahead, and every row comes."""
    demo.admin.script_fault("http_500_internal", count=100, rpc="GetInputCount")
    with caplog.at_level("DEBUG", logger="connector.counts"):
        assert to_table(client, "inputs", per_page=7, concurrency=8).num_rows == 30
    assert len(_queries(demo, "GetInputCount")) >= 1
    log = [e for e in demo.admin.requests() if e["rpc"] == "ListInputs"]
    assert parse_qs(log[0]["query"])["page"] == ["1"] and len(log) > 5  # pages ahead past the end
    assert "inputs: no count of the listing" in caplog.text


def test_a_count_the_caller_read_is_used_as_it_is(demo, client):
    """``expected_items`` given: no GetInputCount; the pages it covers are asked for at
    once (30 at 10 a page: pages 1-3 and the empty fourth), none past them."""
    assert to_table(client, "inputs", per_page=10, concurrency=8, expected_items=30).num_rows == 30
    log = demo.admin.requests()
    assert [e["rpc"] for e in log] == ["ListInputs"] * 4
    assert sorted(int(parse_qs(e["query"])["page"][0]) for e in log) == [1, 2, 3, 4]


def test_a_negative_count_is_refused_before_any_request(demo, client):
    with pytest.raises(ValidationError, match=r"^expected_items must be 0 or more, got -1$"):
        iter_batches(client, "inputs", expected_items=-1)
    assert demo.admin.requests() == []


def test_a_count_of_zero_the_caller_read_still_lists_every_row(demo, client):
    """``expected_items=0`` is a count like any other: page 1 alone, and the rows the app
    holds all the same (a stale count changes which pages are asked for when, never
    which rows come)."""
    assert to_table(client, "inputs", per_page=10, concurrency=8, expected_items=0).num_rows == 30
    assert _queries(demo, "GetInputCount") == []


def test_a_count_the_caller_passes_is_for_a_whole_listing_not_each_datasets(demo, client):
    """``expected_items`` with a dataset-level inventory: each dataset's listing goes
    page 1 first, as without a count (the count says nothing of one dataset), so each
    short dataset costs one request."""
    datasets = [d["id"] for d in client.list_datasets()]
    members = sum(1 for d in datasets for _ in client.list_dataset_inputs(d))
    demo.admin.clear_requests()
    rows = to_table(client, "dataset_inputs", per_page=100, concurrency=8, expected_items=5000).num_rows
    assert rows == members and len(_queries(demo, "ListDatasetInputs")) == len(datasets)
