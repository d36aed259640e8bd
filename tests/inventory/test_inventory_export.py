"""Every inventory read from the emulator over loopback: the documented schema, empty
listings, Parquet round trips, CSV/JSON Lines sanity, scope, atomic writes, fsspec."""

from __future__ import annotations

import csv
import json
import os

import pandas as pd
import pyarrow.parquet as pq
import pytest

from connector.client import ClarifaiClient
from connector.errors import AuthenticationError, NotFoundError, ValidationError
from connector.inventory import (
    INVENTORIES,
    export,
    get_spec,
    iter_frames,
    pandas_dtypes,
    to_csv,
    to_dataframe,
    to_jsonl,
    to_parquet,
)
from connector.inventory.extract import status_code
from tests.support.contract import FAST_RETRY, contract_hooks

#: Inventories the demo seed leaves empty (checked for schema only there).
EMPTY_IN_DEMO = {"inputs_add_jobs"}
DEMO_INPUTS = 240


@pytest.fixture
def demo(emulator):
    emulator.admin.reset(seed="demo", seed_inputs=DEMO_INPUTS)
    return emulator


def read_parquet_frame(path) -> pd.DataFrame:
    return pq.read_table(path).to_pandas(types_mapper=pd.ArrowDtype)


def assert_documented(frame: pd.DataFrame, name: str) -> None:
    assert list(frame.columns) == get_spec(name).column_names
    assert dict(frame.dtypes) == pandas_dtypes(name)


@pytest.mark.parametrize("name", sorted(INVENTORIES))
def test_inventory_schema_and_parquet_round_trip(demo, client, tmp_path, name):
    frame = to_dataframe(client, name)
    assert_documented(frame, name)
    if name not in EMPTY_IN_DEMO:
        assert len(frame) > 0
        assert frame["id" if "id" in frame.columns else "input_id"].notna().all()

    result = to_parquet(client, name, tmp_path / f"{name}.parquet")
    assert result.rows == len(frame) and result.format == "parquet"
    back = read_parquet_frame(tmp_path / f"{name}.parquet")
    assert pq.read_schema(tmp_path / f"{name}.parquet").remove_metadata() == get_spec(name).schema.remove_metadata()
    pd.testing.assert_frame_equal(back, frame)


def test_inventory_values_match_the_api(demo, client):
    versions = to_dataframe(client, "dataset_versions")
    api = {(d["id"], v["id"]): v for d in client.list_datasets() for v in client.list_dataset_versions(d["id"])}
    assert set(zip(versions["dataset_id"], versions["id"], strict=False)) == set(api)
    for rec in versions.to_dict("records"):
        v = api[(rec["dataset_id"], rec["id"])]
        assert rec["status_code"] == status_code(v["status"])
        assert rec["status_name"].startswith("DATASET_VERSION_")
        assert rec["created_at"].tzinfo is not None
        total = (v.get("metrics") or {}).get("/", {}).get("inputs_count")
        assert rec["metrics_inputs_count"] == (int(total) if total is not None else None)
    mv = to_dataframe(client, "model_versions")
    trained = mv[mv["train_dataset_version_id"].notna()]
    assert len(trained) > 0  # lineage: the version each model was trained on
    for rec in trained.to_dict("records"):
        client.get_dataset_version(rec["train_dataset_id"], rec["train_dataset_version_id"])


@pytest.mark.parametrize("name", sorted(set(INVENTORIES) - {"apps"}))
def test_empty_app_keeps_the_schema(emulator, client, tmp_path, name):
    frame = to_dataframe(client, name)
    assert len(frame) == 0
    assert_documented(frame, name)
    to_parquet(client, name, tmp_path / "e.parquet")
    table = pq.read_table(tmp_path / "e.parquet")
    assert table.num_rows == 0 and table.schema.remove_metadata() == get_spec(name).schema.remove_metadata()
    to_csv(client, name, tmp_path / "e.csv")
    with open(tmp_path / "e.csv", newline="", encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [get_spec(name).column_names]


def test_many_pages_concurrently_into_row_groups(emulator, client, tmp_path):
    emulator.admin.reset(seed="demo", seed_inputs=2_300)
    reference = to_dataframe(client, "inputs", per_page=1000, concurrency=1)
    assert len(reference) == 2_300 and reference["id"].is_unique
    result = to_parquet(client, "inputs", tmp_path / "in.parquet", per_page=250, concurrency=3, row_group_rows=1_000)
    assert (result.rows, result.pages) == (2_300, 10)
    meta = pq.ParquetFile(tmp_path / "in.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [1_000, 1_000, 300]
    pd.testing.assert_frame_equal(read_parquet_frame(tmp_path / "in.parquet"), reference)


def test_iter_frames_bounded_chunks(demo, client):
    sizes = [len(f) for f in iter_frames(client, "inputs", chunk_rows=100, per_page=70)]
    assert sizes == [100, 100, DEMO_INPUTS - 200]
    assert list(iter_frames(client, "inputs_add_jobs")) == []


def test_dataset_scope_one_some_all(demo, client):
    datasets = [d["id"] for d in client.list_datasets()]
    assert len(datasets) >= 2
    everything = to_dataframe(client, "dataset_inputs")
    one = to_dataframe(client, "dataset_inputs", datasets=datasets[0])
    assert set(one["dataset_id"]) == {datasets[0]} and len(one) > 0
    some = to_dataframe(client, "dataset_inputs", datasets=datasets[:2])
    assert set(some["dataset_id"]) == set(datasets[:2])
    assert len(everything) == sum(len(to_dataframe(client, "dataset_inputs", datasets=d)) for d in datasets)
    versions = to_dataframe(client, "dataset_versions", datasets=[datasets[1]])
    assert set(versions["dataset_id"]) == {datasets[1]}


def test_unknown_dataset_is_not_found_and_writes_nothing(demo, client, tmp_path):
    with pytest.raises(NotFoundError) as info:
        to_parquet(client, "dataset_versions", tmp_path / "v.parquet", datasets=["no-such-dataset"])
    assert "no-such-dataset" in str(info.value)
    assert os.listdir(tmp_path) == []


def test_bad_arguments_are_refused_before_any_request(demo, client, tmp_path):
    before = len(demo.admin.requests())
    with pytest.raises(ValidationError):
        to_dataframe(client, "inputs", datasets=["x"])
    with pytest.raises(ValidationError):
        export(client, "inputs", tmp_path / "x.parquet", format="xlsx")
    with pytest.raises(ValidationError):
        export(client, "inputs", tmp_path / "x.xlsx")
    with pytest.raises(ValidationError):
        to_dataframe(client, "no_such_inventory")
    assert len(demo.admin.requests()) == before
    assert os.listdir(tmp_path) == []


def test_failed_export_keeps_the_previous_file_and_leaves_no_partial(demo, tmp_path):
    target = tmp_path / "inputs.parquet"
    target.write_bytes(b"previous export")
    config = demo.client_config(pat="wrong-pat", retry=FAST_RETRY, rate_limit=0)
    with ClarifaiClient(config, event_hooks=contract_hooks()) as bad, pytest.raises(AuthenticationError):
        to_parquet(bad, "inputs", target)
    assert target.read_bytes() == b"previous export"
    assert os.listdir(tmp_path) == ["inputs.parquet"]


def test_csv_and_jsonl(demo, client, tmp_path):
    frame = to_dataframe(client, "tasks")
    to_csv(client, "tasks", tmp_path / "t.csv")
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == list(frame["id"])
    first = frame.iloc[0]
    assert json.loads(rows[0]["worker_user_ids"]) == list(first["worker_user_ids"])
    assert pd.Timestamp(rows[0]["created_at"]) == first["created_at"]

    result = to_jsonl(client, "tasks", tmp_path / "t.jsonl")
    lines = (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == result.rows == len(frame)
    objs = [json.loads(line) for line in lines]
    assert [o["id"] for o in objs] == list(frame["id"])
    assert list(objs[0]) == get_spec("tasks").column_names
    assert pd.Timestamp(objs[0]["created_at"]) == first["created_at"]
    assert objs[0]["concept_ids"] == list(first["concept_ids"])


def test_fsspec_memory_uri(demo, client):
    import fsspec  # in the test extra: this test must run, not skip

    uri = "memory://inventory-tests/exports/inputs.parquet"
    try:
        result = to_parquet(client, "inputs", uri)
        with fsspec.open(uri, "rb") as fh:
            table = pq.read_table(fh)
        assert table.num_rows == result.rows == DEMO_INPUTS
        assert table.column("id").to_pylist() == list(to_dataframe(client, "inputs")["id"])
    finally:
        fs = fsspec.filesystem("memory")
        if fs.exists("/inventory-tests"):
            fs.rm("/inventory-tests", recursive=True)


def test_parquet_row_groups_are_written_as_pages_arrive(demo, client):
    """Memory stays bounded: a row group is flushed to the sink as soon as it fills,
    before later pages are even fetched, and no more than one row group is buffered."""
    import io

    from connector.inventory.export import write_batches
    from connector.inventory.frames import iter_batches

    sink = io.BytesIO()
    seen: list[tuple[int, int]] = []  # (rows consumed so far, bytes in the sink) per page

    def pages():
        consumed = 0
        for batch in iter_batches(client, "inputs", per_page=20, concurrency=1):
            seen.append((consumed, sink.tell()))
            consumed += batch.num_rows
            yield batch

    rows, count = write_batches(pages(), get_spec("inputs").schema, sink, "parquet", row_group_rows=50)
    assert (rows, count) == (DEMO_INPUTS, DEMO_INPUTS // 20)
    # by the time 100 rows (two row groups) were consumed, they were already in the sink
    written_early = [size for consumed, size in seen if consumed >= 100]
    assert written_early and min(written_early) > 1000
    sizes = [size for _, size in seen]
    assert sizes == sorted(sizes) and sizes[-1] > sizes[len(sizes) // 2] > sizes[0]
    sink.seek(0)
    meta = pq.ParquetFile(sink).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [50] * 4 + [40]
