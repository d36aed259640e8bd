"""How the CSV and JSON Lines writers turn Arrow values into text: timestamps in UTC
whatever their zone, list columns as JSON text (CSV) or lists (JSON Lines), dates and
bytes in JSON Lines; and the to_* helpers naming their format whatever the file name."""

from __future__ import annotations

import datetime as dt
import io
import json

import pyarrow as pa
import pytest

from connector.inventory.export import format_timestamp, to_csv, to_jsonl, to_parquet, write_batches


def _write(batch: pa.RecordBatch, fmt: str) -> str:
    sink = io.BytesIO()
    rows, pages = write_batches([batch], batch.schema, sink, fmt)
    assert (rows, pages) == (batch.num_rows, 1)
    return sink.getvalue().decode("utf-8")


def _stamps(tz: str | None) -> pa.Array:
    zone = dt.UTC if tz in (None, "UTC", "+00:00") else dt.timezone(dt.timedelta(hours=2))
    moment = dt.datetime(2026, 1, 2, 12, 0, 0, tzinfo=zone)
    return pa.array([moment, None], type=pa.timestamp("us", tz=tz))


@pytest.mark.parametrize(("tz", "hour"), [("+02:00", "10"), ("UTC", "12"), ("+00:00", "12"), (None, "12")])
def test_timestamps_are_written_in_utc_whatever_their_zone(tz, hour) -> None:
    batch = pa.RecordBatch.from_arrays([_stamps(tz)], names=["at"])
    csv = _write(batch, "csv").splitlines()
    assert csv == ['"at"', f'"2026-01-02T{hour}:00:00.000000Z"', ""]
    jsonl = [json.loads(line) for line in _write(batch, "jsonl").splitlines()]
    assert jsonl == [{"at": f"2026-01-02T{hour}:00:00.000000Z"}, {"at": None}]


def test_lists_are_json_text_in_csv_and_lists_in_jsonl() -> None:
    batch = pa.RecordBatch.from_arrays(
        [pa.array([["a", "b"], None, []], type=pa.list_(pa.string())), pa.array([1, 2, 3])], names=["ids", "n"]
    )
    assert _write(batch, "csv").splitlines() == ['"ids","n"', '"[""a"", ""b""]",1', ",2", '"[]",3']
    assert [json.loads(line) for line in _write(batch, "jsonl").splitlines()] == [
        {"ids": ["a", "b"], "n": 1},
        {"ids": None, "n": 2},
        {"ids": [], "n": 3},
    ]


def test_jsonl_writes_dates_and_bytes_as_text() -> None:
    batch = pa.RecordBatch.from_arrays(
        [pa.array([dt.date(2026, 1, 2)]), pa.array([b"caf\xc3\xa9 \xff"], type=pa.binary())], names=["day", "raw"]
    )
    assert json.loads(_write(batch, "jsonl")) == {"day": "2026-01-02", "raw": "café \ufffd"}


def test_jsonl_refuses_a_value_it_cannot_write() -> None:
    batch = pa.RecordBatch.from_arrays([pa.array([dt.time(1, 2)])], names=["t"])
    with pytest.raises(TypeError, match=r"^not JSON serialisable: time$"):
        _write(batch, "jsonl")


def test_format_timestamp() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    assert format_timestamp(dt.datetime(2024, 6, 1, 13, 0, tzinfo=paris)) == "2024-06-01T12:00:00.000000Z"
    assert format_timestamp(dt.datetime(2024, 6, 1, 12, 0, 0, 5)) == "2024-06-01T12:00:00.000005Z"  # naive: UTC


@pytest.mark.parametrize(("helper", "fmt"), [(to_csv, "csv"), (to_jsonl, "jsonl"), (to_parquet, "parquet")])
def test_each_helper_writes_its_own_format_whatever_the_name(client, tmp_path, helper, fmt) -> None:
    client.post_datasets([{"id": "ds"}])
    result = helper(client, "datasets", tmp_path / "export.data")
    assert result.format == fmt and result.rows == 1
    data = (tmp_path / "export.data").read_bytes()
    if fmt == "parquet":
        assert data[:4] == b"PAR1"
    elif fmt == "csv":
        assert data.decode().startswith('"id",')
    else:
        assert json.loads(data)["id"] == "ds"


def test_jsonl_writes_times_inside_lists_in_utc() -> None:
    moments = [dt.datetime(2026, 1, 2, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))]
    batch = pa.RecordBatch.from_arrays(
        [pa.array([moments], type=pa.list_(pa.timestamp("us", tz="+02:00")))], names=["at"]
    )
    assert json.loads(_write(batch, "jsonl")) == {"at": ["2026-01-02T10:00:00.000000Z"]}


def test_format_timestamp_converts_to_utc_not_to_the_local_zone(monkeypatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        paris = dt.timezone(dt.timedelta(hours=1))
        assert format_timestamp(dt.datetime(2024, 6, 1, 13, 0, tzinfo=paris)) == "2024-06-01T12:00:00.000000Z"
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    ("path", "fd"),
    [
        ("/dev/stdin", 0),
        ("/dev/stdout", 1),
        ("/dev/stderr", 2),
        ("/dev/fd/7", 7),
        ("/proc/self/fd/9", 9),
        ("/dev/null", None),
        ("/dev/fd/x", None),
        ("out.csv", None),
        ("/dev/stdout2", None),
    ],
)
def test_descriptor_of(path, fd) -> None:
    from connector.inventory.export import descriptor_of

    assert descriptor_of(path) == fd


@pytest.mark.parametrize("helper", [to_csv, to_jsonl, to_parquet])
def test_each_helper_passes_the_listing_arguments_on(client, tmp_path, helper) -> None:
    client.post_datasets([{"id": f"ds{n}"} for n in range(3)])
    result = helper(client, "datasets", tmp_path / "export.data", per_page=1, max_pages=2)
    assert result.rows == 2 and result.pages == 2
