"""The Parquet IO manager: types survive the round trip, one file per partition, any
fsspec filesystem, nothing pickled, no half-written file."""

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import (
    AssetExecutionContext,
    AssetIn,
    StaticPartitionsDefinition,
    asset,
    materialize,
)

from connector.inventory import empty_frame, pandas_dtypes, record_batch
from dagster_assets import ClarifaiParquetIOManager


def _versions_frame() -> pd.DataFrame:
    items = [
        {
            "id": "v1",
            "dataset_id": "ds",
            "status": {"code": 64015},
            "created_at": "2026-01-02T03:04:05.123456Z",
            "embed_model_version_ids": ["a", "b"],
            "metadata": {"pinned": True},
        },
        {"id": "v2", "dataset_id": "ds", "status": {"code": "DATASET_VERSION_FAILURE"}},
    ]
    return record_batch("dataset_versions", items).to_pandas(types_mapper=pd.ArrowDtype)


def test_round_trip_keeps_the_inventory_dtypes(tmp_path: Path) -> None:
    frame = _versions_frame()
    loaded: list[pd.DataFrame] = []

    @asset(io_manager_key="clarifai_io_manager")
    def versions() -> pd.DataFrame:
        return frame

    @asset(ins={"versions": AssetIn(key="versions")})
    def reader(versions: pd.DataFrame) -> None:
        loaded.append(versions)

    io = ClarifaiParquetIOManager(base_path=str(tmp_path))
    assert materialize([versions, reader], resources={"clarifai_io_manager": io}).success
    path = tmp_path / "versions.parquet"
    assert path.is_file()
    assert pq.read_table(path).num_rows == 2
    got = loaded[0]
    assert dict(got.dtypes) == pandas_dtypes("dataset_versions")
    pd.testing.assert_frame_equal(got, frame)
    assert [p.name for p in tmp_path.iterdir()] == ["versions.parquet"]  # no temporary file left


def test_empty_frames_keep_their_schema(tmp_path: Path) -> None:
    @asset(io_manager_key="clarifai_io_manager")
    def tasks() -> pd.DataFrame:
        return empty_frame("tasks")

    io = ClarifaiParquetIOManager(base_path=str(tmp_path))
    assert materialize([tasks], resources={"clarifai_io_manager": io}).success
    table = pq.read_table(tmp_path / "tasks.parquet")
    assert table.num_rows == 0
    assert table.schema.names == list(pandas_dtypes("tasks"))


def test_one_file_per_partition(tmp_path: Path) -> None:
    parts = StaticPartitionsDefinition(["cats-dogs/cd-v1", "cats-dogs/cd-v5"])

    @asset(partitions_def=parts, io_manager_key="clarifai_io_manager")
    def manifest(context: AssetExecutionContext) -> pd.DataFrame:
        return pd.DataFrame({"version": [context.partition_key]})

    io = ClarifaiParquetIOManager(base_path=str(tmp_path))
    for key in parts.get_partition_keys():
        assert materialize([manifest], resources={"clarifai_io_manager": io}, partition_key=key).success
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.parquet"))
    assert files == ["manifest/cats-dogs/cd-v1.parquet", "manifest/cats-dogs/cd-v5.parquet"]
    assert pq.read_table(tmp_path / "manifest/cats-dogs/cd-v5.parquet").column("version").to_pylist() == [
        "cats-dogs/cd-v5"
    ]


def test_fsspec_uri_and_arrow_tables(tmp_path: Path) -> None:
    import fsspec

    table = pa.table({"id": ["a", "b"], "n": [1, 2]})

    @asset(io_manager_key="clarifai_io_manager")
    def remote() -> pa.Table:
        return table

    io = ClarifaiParquetIOManager(base_path="memory://clarifai-test-bucket/inventories")
    assert materialize([remote], resources={"clarifai_io_manager": io}).success
    fs = fsspec.filesystem("memory")
    with fs.open("/clarifai-test-bucket/inventories/remote.parquet", "rb") as handle:
        assert pq.read_table(handle).equals(table)
    fs.rm("/clarifai-test-bucket", recursive=True)


def test_anything_else_is_refused_not_pickled(tmp_path: Path) -> None:
    @asset(io_manager_key="clarifai_io_manager")
    def not_a_frame() -> dict:
        return {"rows": [1, 2]}

    io = ClarifaiParquetIOManager(base_path=str(tmp_path))
    result = materialize([not_a_frame], resources={"clarifai_io_manager": io}, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "stores pandas DataFrames and pyarrow Tables, got dict" in str(failure.event_specific_data.error)
    assert not list(tmp_path.rglob("*"))  # nothing written, not even a pickle


def test_default_base_path_is_the_instance_storage(tmp_path: Path) -> None:
    from dagster import instance_for_test

    @asset(io_manager_key="clarifai_io_manager")
    def small() -> pd.DataFrame:
        return pd.DataFrame({"a": [1]})

    with instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = materialize([small], resources={"clarifai_io_manager": ClarifaiParquetIOManager()}, instance=instance)
        assert result.success
        expected = Path(instance.storage_directory()) / "clarifai" / "small.parquet"
    assert expected.is_file()


@pytest.mark.parametrize("bad", [[1, 2], None])
def test_non_frames_fail_with_the_type_named(tmp_path: Path, bad: object) -> None:
    from dagster_assets.io_manager import _as_table

    with pytest.raises(TypeError, match=type(bad).__name__):
        _as_table(bad)
