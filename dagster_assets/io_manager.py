"""A Parquet IO manager for inventory DataFrames: local paths, ``s3://``, ``gs://``...

Built on :class:`dagster.UPathIOManager` (universal-pathlib, any fsspec filesystem), so
partitioned assets get one file per partition (``<base>/<asset key>/<partition>.parquet``)
and a downstream asset can load one partition or several. Values are written as Parquet
with their Arrow types (``string[pyarrow]``, ``timestamp[us, UTC]``, ``list<string>``...)
and read back with the same dtypes. Nothing is ever pickled: a value that is not a
DataFrame or an Arrow table is refused with a ``TypeError``.

Local files are written under a temporary name and renamed into place, so a crashed
write never leaves a truncated file where a reader would find it.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import (
    ConfigurableIOManagerFactory,
    InitResourceContext,
    InputContext,
    OutputContext,
    UPathIOManager,
)
from pydantic import Field
from upath import UPath

__all__ = ["ClarifaiParquetIOManager", "ParquetUPathIOManager"]


def _as_table(obj: Any) -> pa.Table:
    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pd.DataFrame):
        return pa.Table.from_pandas(obj, preserve_index=False)
    raise TypeError(
        f"the Clarifai Parquet IO manager stores pandas DataFrames and pyarrow Tables, got "
        f"{type(obj).__name__}; return a DataFrame, or give this output another io_manager_key"
    )


def _is_local(path: UPath) -> bool:
    return getattr(path, "protocol", "") in ("", "file", "local")


class ParquetUPathIOManager(UPathIOManager):
    """Writes DataFrames / Arrow tables as ``.parquet`` under ``base_path``.

    ``compression`` is any Parquet codec pyarrow knows (``zstd`` by default);
    ``row_group_rows`` bounds the rows per row group (readers can then stream)."""

    extension: str = ".parquet"

    def __init__(self, base_path: UPath, *, compression: str = "zstd", row_group_rows: int = 65_536) -> None:
        super().__init__(base_path=base_path)
        self.compression = compression
        self.row_group_rows = row_group_rows

    def dump_to_path(self, context: OutputContext, obj: Any, path: UPath) -> None:
        table = _as_table(obj)
        if _is_local(path):
            tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
            try:
                with tmp.open("wb") as handle:
                    pq.write_table(table, handle, compression=self.compression, row_group_size=self.row_group_rows)
                os.replace(tmp.path, path.path)
            finally:
                if tmp.exists():  # the write failed before the rename
                    tmp.unlink()
        else:
            with path.open("wb") as handle:
                pq.write_table(table, handle, compression=self.compression, row_group_size=self.row_group_rows)

    def load_from_path(self, context: InputContext, path: UPath) -> Any:
        with path.open("rb") as handle:
            table = pq.read_table(handle)
        wanted = getattr(context.dagster_type, "typing_type", None)
        if wanted is pa.Table:
            return table
        return table.to_pandas(types_mapper=pd.ArrowDtype)


class ClarifaiParquetIOManager(ConfigurableIOManagerFactory):
    """Parquet files under ``base_path``: a local directory or any fsspec URI such as
    ``s3://bucket/clarifai`` (``storage_options`` go to the filesystem, e.g. a region or
    an endpoint; give credentials through the environment, not here). Without a
    ``base_path``, files go under the Dagster instance's storage directory
    (``$DAGSTER_HOME/storage/clarifai``), where Dagster's own default IO manager writes."""

    base_path: str | None = Field(
        default=None, description="Directory or URI the files go under (default: the instance's storage)."
    )
    storage_options: dict[str, Any] = Field(
        default_factory=dict, description="fsspec options of the filesystem (no secrets: use the environment)."
    )
    compression: str = Field(default="zstd", description="Parquet compression codec.")
    row_group_rows: int = Field(default=65_536, description="Rows per Parquet row group.")

    def create_io_manager(self, context: InitResourceContext) -> ParquetUPathIOManager:
        base = self.base_path
        if not base:
            if context.instance is None:
                raise ValueError("ClarifaiParquetIOManager needs a base_path when no Dagster instance is at hand")
            base = os.path.join(context.instance.storage_directory(), "clarifai")
        return ParquetUPathIOManager(
            UPath(base, **self.storage_options),
            compression=self.compression,
            row_group_rows=self.row_group_rows,
        )
