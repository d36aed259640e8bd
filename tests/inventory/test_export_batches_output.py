"""What write_batches puts in the sink beyond the values: JSON Lines text left as UTF-8
(not escaped), one Parquet row group per ``row_group_rows`` rows however many that is,
and a format it does not know refused by name."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connector.errors import ValidationError
from connector.inventory.export import write_batches


def test_jsonl_writes_text_beyond_ascii_as_utf_8() -> None:
    batch = pa.RecordBatch.from_arrays([pa.array(["café", "猫", "plain"])], names=["name"])
    sink = io.BytesIO()
    write_batches([batch], batch.schema, sink, "jsonl")
    assert sink.getvalue() == '{"name": "café"}\n{"name": "猫"}\n{"name": "plain"}\n'.encode()


def test_a_row_group_holds_row_group_rows_rows_past_the_parquet_default() -> None:
    rows = 1024 * 1024 + 10  # more than pyarrow's default row group of 1Mi rows
    batch = pa.RecordBatch.from_arrays([pa.array(range(rows), type=pa.int32())], names=["n"])
    sink = io.BytesIO()
    assert write_batches([batch], batch.schema, sink, "parquet", row_group_rows=2 * rows) == (rows, 1)
    metadata = pq.ParquetFile(io.BytesIO(sink.getvalue())).metadata
    assert (metadata.num_row_groups, metadata.num_rows) == (1, rows)


def test_an_unknown_format_is_refused_by_name() -> None:
    batch = pa.RecordBatch.from_arrays([pa.array([1])], names=["n"])
    sink = io.BytesIO()
    with pytest.raises(ValidationError, match=r"^unknown format 'xml'$"):
        write_batches([batch], batch.schema, sink, "xml")
    assert sink.getvalue() == b""
