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
    short ends the listing); more in flight ask ahead past the end."""
    rows = to_table(client, "inputs", per_page=7, concurrency=1).num_rows
    assert rows == 30 and len(_queries(demo, "ListInputs")) == 5
    demo.admin.clear_requests()
    assert to_table(client, "inputs", per_page=7, concurrency=8).num_rows == 30
    assert len(_queries(demo, "ListInputs")) > 5


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


def test_a_format_that_cannot_be_told_names_the_format_argument(tmp_path):
    from connector.inventory import infer_format

    with pytest.raises(ValidationError) as refused:
        infer_format(tmp_path / "inventory.data")
    assert refused.value.argument == "format" and refused.value.to_dict()["argument"] == "format"
