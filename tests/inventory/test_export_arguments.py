"""What export does with each of its arguments: a stream instead of a path (its format
asked for, its name reported), the row group size it refuses, the compression it
passes to the Parquet writer, and the models scope it passes to the listing."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from connector.errors import NotFoundError, ValidationError
from connector.inventory.export import export


class _NamedStream(io.BytesIO):
    name = "named-stream"


def test_an_export_to_a_stream_takes_the_format_asked_for_and_reports_the_streams_name(client) -> None:
    client.post_datasets([{"id": "ds1"}, {"id": "ds2"}])
    plain = io.BytesIO()
    result = export(client, "datasets", plain, format="jsonl")
    assert (result.format, result.path, result.rows) == ("jsonl", "<stream>", 2)
    assert sorted(json.loads(line)["id"] for line in plain.getvalue().splitlines()) == ["ds1", "ds2"]
    named = _NamedStream()
    assert export(client, "datasets", named, format="CSV").path == "named-stream"
    assert named.getvalue().startswith(b'"id",')
    with pytest.raises(ValidationError, match="cannot tell the format from the stream"):
        export(client, "datasets", io.BytesIO())


def test_row_groups_of_one_row_are_accepted_and_none_refused(client, tmp_path) -> None:
    client.post_datasets([{"id": "ds1"}, {"id": "ds2"}])
    result = export(client, "datasets", tmp_path / "one.parquet", row_group_rows=1)
    assert result.rows == 2 and pq.ParquetFile(tmp_path / "one.parquet").num_row_groups == 2
    with pytest.raises(ValidationError) as info:
        export(client, "datasets", tmp_path / "none.parquet", row_group_rows=0)
    assert str(info.value) == "row_group_rows must be at least 1, got 0"
    assert not (tmp_path / "none.parquet").exists()


def test_the_compression_asked_for_is_the_one_written(client, tmp_path) -> None:
    client.post_datasets([{"id": "ds1"}])
    export(client, "datasets", tmp_path / "default.parquet")
    export(client, "datasets", tmp_path / "snappy.parquet", compression="snappy")
    codec = {
        name: pq.ParquetFile(tmp_path / f"{name}.parquet").metadata.row_group(0).column(0).compression
        for name in ("default", "snappy")
    }
    assert codec == {"default": "ZSTD", "snappy": "SNAPPY"}


def test_a_models_scope_is_passed_to_the_listing(client) -> None:
    with pytest.raises(NotFoundError):
        export(client, "model_versions", io.BytesIO(), format="jsonl", models=["no-such-model"])
