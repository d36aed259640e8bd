"""Write inventories to Parquet, CSV or JSON Lines, page by page.

Memory stays bounded whatever the size of the listing: pages become record batches as
they arrive and are written out in row groups of ``row_group_rows`` (Parquet) or at
once (CSV, JSON Lines); nothing holds the whole listing.

Destinations are local paths or, when ``fsspec`` is installed, any fsspec URI
(``s3://...``, ``gs://...``, ``memory://...``). A local file is written under a
temporary name in the same directory and renamed into place only when the export has
finished, so a failed or interrupted export never leaves a truncated file behind (an
existing file at the path is kept until then, and then replaced, keeping its
permissions). On an object store the object is removed again when the export fails.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from connector.errors import ConfigurationError, ValidationError
from connector.inventory.frames import iter_batches, rechunk
from connector.inventory.schemas import get_spec
from connector.protocols import ClientProtocol

#: Output formats and the file suffixes that select them.
FORMATS: dict[str, tuple[str, ...]] = {
    "parquet": (".parquet", ".pq"),
    "csv": (".csv",),
    "jsonl": (".jsonl", ".ndjson"),
}

#: Rows per Parquet row group unless told otherwise.
DEFAULT_ROW_GROUP_ROWS = 65_536


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    inventory: str
    format: str
    path: str
    rows: int
    pages: int
    columns: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["columns"] = list(self.columns)
        return data


def infer_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """``format`` if given (checked), else the format named by the path's suffix."""
    if format is not None:
        fmt = format.lower().strip()
        if fmt == "ndjson" or fmt == "json":
            fmt = "jsonl"
        if fmt not in FORMATS:
            raise ValidationError(f"unknown format {format!r}; choose one of: {', '.join(FORMATS)}")
        return fmt
    name = str(path).lower()
    for fmt, suffixes in FORMATS.items():
        if name.endswith(suffixes):
            return fmt
    raise ValidationError(f"cannot tell the format from {str(path)!r}; pass format= (one of: {', '.join(FORMATS)})")


def _is_uri(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


@contextlib.contextmanager
def open_destination(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file for ``path`` that appears at ``path`` only if the block succeeds.

    Local paths: a temporary file in the same directory, renamed into place at the end
    (parent directories are created). fsspec URIs: the object, removed on failure."""
    target = os.fspath(path)
    if _is_uri(target):
        try:
            import fsspec
        except ImportError:
            raise ConfigurationError(
                f"writing to {target.split('://')[0]}:// needs fsspec (pip install fsspec and the filesystem's package)"
            ) from None
        fs, fs_path = fsspec.core.url_to_fs(target)
        ok = False
        try:
            with fs.open(fs_path, "wb") as fh:
                yield fh
            ok = True
        finally:
            if not ok:
                with contextlib.suppress(Exception):
                    fs.rm(fs_path)
        return
    if target.startswith("file://"):
        target = target[len("file://") :]
    dest = Path(target).expanduser()
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        # mkstemp makes the file private (0600): give it the mode of the file it
        # replaces, or the usual mode of a new file (0666 less the umask).
        with contextlib.suppress(OSError):
            os.chmod(tmp, _mode_for(dest))
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_for(dest: Path) -> int:
    try:
        return dest.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


# -- writers ----------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _csv_schema(schema: pa.Schema) -> pa.Schema:
    fields = []
    for field in schema:
        if pa.types.is_list(field.type):
            field = field.with_type(pa.string())
        fields.append(field)
    return pa.schema(fields, metadata=schema.metadata)


def _csv_batch(batch: pa.RecordBatch | pa.Table, csv_schema: pa.Schema) -> pa.Table:
    """List columns become JSON text (CSV has no lists)."""
    columns = []
    for _name, column in zip(batch.schema.names, batch.columns, strict=False):
        if pa.types.is_list(column.type):
            column = pa.array([None if v is None else json.dumps(v) for v in column.to_pylist()], type=pa.string())
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=csv_schema)


def write_batches(
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    sink: IO[bytes],
    format: str,
    *,
    row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    compression: str = "zstd",
    on_rows: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Write ``batches`` to the open binary ``sink`` in ``format``; returns
    ``(rows, batches)``. Memory: one row group (Parquet) or one batch (CSV, JSONL)."""
    rows = 0
    count = 0

    def counted() -> Iterator[pa.RecordBatch]:
        nonlocal rows, count
        for batch in batches:
            rows += batch.num_rows
            count += 1
            if on_rows is not None:
                on_rows(batch.num_rows)
            yield batch

    if format == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(sink, schema, compression=compression) as writer:
            for table in rechunk(counted(), schema, row_group_rows):
                writer.write_table(table, row_group_size=row_group_rows)
    elif format == "csv":
        import pyarrow.csv as pacsv

        csv_schema = _csv_schema(schema)
        with pacsv.CSVWriter(sink, csv_schema) as writer:
            for batch in counted():
                writer.write_table(_csv_batch(batch, csv_schema))
    elif format == "jsonl":
        for batch in counted():
            lines = [json.dumps(row, default=_json_default, ensure_ascii=False) for row in batch.to_pylist()]
            if lines:
                sink.write(("\n".join(lines) + "\n").encode("utf-8"))
    else:  # pragma: no cover - infer_format guards this
        raise ValidationError(f"unknown format {format!r}")
    return rows, count


def export(
    client: ClientProtocol,
    inventory: str,
    path_or_uri: str | os.PathLike[str],
    *,
    format: str | None = None,
    datasets: str | Iterable[str] | None = None,
    models: str | Iterable[str] | None = None,
    params: dict[str, Any] | None = None,
    per_page: int | None = None,
    concurrency: int | None = None,
    max_pages: int | None = None,
    row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    compression: str = "zstd",
    on_rows: Callable[[int], None] | None = None,
) -> ExportResult:
    """Export an inventory to ``path_or_uri`` as Parquet, CSV or JSON Lines (``format``
    or the path's suffix), writing as pages arrive.

    Everything is checked (inventory, format, scope: named datasets/models must exist)
    before the destination is touched. Read-only on the API; the local file appears
    only when complete. ``on_rows(n)`` is called after each page (progress).
    An empty listing writes a file with the schema and no rows (CSV: the header only).
    Raises ``ValidationError``/``ConfigurationError`` for bad arguments and the client's
    errors for API failures."""
    spec = get_spec(inventory)
    fmt = infer_format(path_or_uri, format)
    if int(row_group_rows) < 1:
        raise ValidationError(f"row_group_rows must be at least 1, got {row_group_rows}")
    batches = iter_batches(
        client,
        spec.name,
        datasets=datasets,
        models=models,
        params=params,
        per_page=per_page,
        concurrency=concurrency,
        max_pages=max_pages,
    )
    try:
        with open_destination(path_or_uri) as sink:
            rows, pages = write_batches(
                batches,
                spec.schema,
                sink,
                fmt,
                row_group_rows=int(row_group_rows),
                compression=compression,
                on_rows=on_rows,
            )
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    return ExportResult(spec.name, fmt, os.fspath(path_or_uri), rows, pages, tuple(spec.column_names))


def to_parquet(
    client: ClientProtocol, inventory: str, path_or_uri: str | os.PathLike[str], **kwargs: Any
) -> ExportResult:
    """:func:`export` as Parquet (zstd, row groups of ``row_group_rows``)."""
    return export(client, inventory, path_or_uri, format="parquet", **kwargs)


def to_csv(client: ClientProtocol, inventory: str, path_or_uri: str | os.PathLike[str], **kwargs: Any) -> ExportResult:
    """:func:`export` as CSV (list columns as JSON text, timestamps in ISO 8601)."""
    return export(client, inventory, path_or_uri, format="csv", **kwargs)


def to_jsonl(
    client: ClientProtocol, inventory: str, path_or_uri: str | os.PathLike[str], **kwargs: Any
) -> ExportResult:
    """:func:`export` as JSON Lines (one object per row, timestamps in ISO 8601)."""
    return export(client, inventory, path_or_uri, format="jsonl", **kwargs)


__all__ = [
    "DEFAULT_ROW_GROUP_ROWS",
    "FORMATS",
    "ExportResult",
    "export",
    "infer_format",
    "open_destination",
    "to_csv",
    "to_jsonl",
    "to_parquet",
    "write_batches",
]
