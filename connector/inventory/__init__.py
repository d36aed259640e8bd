"""Inventories of an app's resources as typed DataFrames, Parquet, CSV and JSON Lines.

Every inventory has one documented, stable schema (``docs/inventories.md``), defined
once in :mod:`connector.inventory.schemas`. Listings are read page by page straight
into Arrow columns, so exports stay memory-bounded for millions of rows. pandas is
imported only when a DataFrame is asked for.

    from connector import ClarifaiClient
    from connector.inventory import to_dataframe, to_parquet

    with ClarifaiClient() as client:
        versions = to_dataframe(client, "dataset_versions", datasets=["train"])
        to_parquet(client, "inputs", "s3://bucket/inputs.parquet")
"""

from __future__ import annotations

from connector.inventory.export import (
    FORMATS,
    ExportResult,
    export,
    infer_format,
    to_csv,
    to_jsonl,
    to_parquet,
)
from connector.inventory.frames import (
    empty_frame,
    iter_batches,
    iter_frames,
    record_batch,
    to_dataframe,
    to_table,
)
from connector.inventory.schemas import (
    INVENTORIES,
    Column,
    InventorySpec,
    get_spec,
    pandas_dtypes,
    schema,
    schema_markdown,
)

__all__ = [
    "FORMATS",
    "INVENTORIES",
    "Column",
    "ExportResult",
    "InventorySpec",
    "empty_frame",
    "export",
    "get_spec",
    "infer_format",
    "iter_batches",
    "iter_frames",
    "pandas_dtypes",
    "record_batch",
    "schema",
    "schema_markdown",
    "to_csv",
    "to_dataframe",
    "to_jsonl",
    "to_parquet",
    "to_table",
]
