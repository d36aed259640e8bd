"""Write inventories to Parquet, CSV or JSON Lines, page by page.

Memory stays bounded whatever the size of the listing: pages become record batches as
they arrive and are written out in row groups of ``row_group_rows`` (Parquet) or at
once (CSV, JSON Lines); nothing holds the whole listing.

Destinations are local paths, an open binary stream (e.g. standard output), or, when
``fsspec`` is installed, any fsspec URI (``s3://...``, ``gs://...``, ``memory://...``).
A local file is written under a temporary name in the same directory and renamed into
place only when the export has finished, so a failed or interrupted export never leaves
a truncated file behind (an existing file at the path is kept until then, and then
replaced, keeping its permissions). A symbolic link stays a link: the file it points to
is the one replaced. Special files (``/dev/null``, a FIFO, ``/dev/stdout``, a device)
are written through, never replaced. On an object store the object is removed again
when the export fails.

CSV and JSON Lines write timestamps in one format, ISO 8601 in UTC with microseconds
and a ``Z`` (``2024-06-01T12:00:00.000000Z``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import difflib
import json
import os
import re
import stat
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


def _suffix_format(path: str) -> str | None:
    """The format a path's suffix names, or None when the suffix is not a known one."""
    name = path.lower()
    for fmt, suffixes in FORMATS.items():
        if name.endswith(suffixes):
            return fmt
    return None


def infer_format(path: str | os.PathLike[str] | None, format: str | None = None) -> str:
    """The export format: ``format`` if given, else the one the path's suffix names.

    ValidationError for an unknown format, for a path whose suffix names no format when
    ``format`` is not given, and for a ``format`` that contradicts the path's suffix
    (``x.csv`` with ``parquet``): a file whose name lies about its content is refused.
    An explicit ``format`` with a suffix that names no format (``/dev/null``,
    ``export.data``) is fine."""
    shown = "the stream" if path is None else repr(os.fspath(path))
    by_suffix = _suffix_format(os.fspath(path)) if path is not None else None
    if format is not None:
        fmt = format.lower().strip()
        if fmt == "ndjson" or fmt == "json":
            fmt = "jsonl"
        if fmt not in FORMATS:
            close = difflib.get_close_matches(fmt, list(FORMATS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValidationError(f"unknown format {format!r}{hint}; choose one of: {', '.join(FORMATS)}")
        if by_suffix is not None and by_suffix != fmt:
            raise ValidationError(
                f"{shown} has the suffix of {by_suffix} but the format asked for is {fmt}: "
                f"name the file for its format (e.g. {FORMATS[fmt][0]}) or ask for {by_suffix}"
            )
        return fmt
    if by_suffix is None:
        raise ValidationError(
            "cannot tell the format from {path}; pass {format} (one of: {formats})",
            argument="format",
            spell={"format": "format="},
            path=shown,
            formats=", ".join(FORMATS),
        )
    return by_suffix


def _is_uri(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


#: Paths that name a descriptor this process already has open (``/dev/stdout``...).
_FD_PATH = re.compile(r"^/(?:dev/(?:(stdin|stdout|stderr)|fd/(\d+))|proc/self/fd/(\d+))$")
_STD_FDS = {"stdin": 0, "stdout": 1, "stderr": 2}


def descriptor_of(path: str) -> int | None:
    """The descriptor number ``path`` names (``/dev/stdout`` -> 1, ``/dev/fd/3`` -> 3),
    or None for any other path."""
    match = _FD_PATH.match(path)
    if match is None:
        return None
    name, fd, proc_fd = match.groups()
    return _STD_FDS[name] if name else int(fd or proc_fd)


def check_destination(path: str | os.PathLike[str], argument: str = "path_or_uri") -> None:
    """Refuse, before anything is read, a destination that cannot be written: an empty
    one, a local path naming an existing directory, or a URI whose filesystem package is
    not installed (the error names the package to install). Errors name ``argument``."""
    target = os.fspath(path)
    if not isinstance(target, str) or not target.strip():
        raise ValidationError("{argument} is empty: name a file or an fsspec URI", argument=argument)
    if _is_uri(target):
        protocol = target.split("://", 1)[0]
        try:
            import fsspec
        except ImportError:
            raise ConfigurationError(
                "{argument}: writing to {protocol}:// needs fsspec and the filesystem's package, which are not "
                "installed: pip install fsspec",
                argument=argument,
                protocol=protocol,
            ) from None
        try:
            fsspec.get_filesystem_class(protocol)
        except ImportError:
            from fsspec.registry import known_implementations

            known = known_implementations.get(protocol, {})
            package = str(known.get("class", "")).split(".", 1)[0] or f"the package for {protocol}://"
            if package == "fsspec":  # one of fsspec's own filesystems: fsspec names what it lacks
                raise ConfigurationError(
                    "{argument}: writing to {protocol}:// needs a package that is not installed ({reason})",
                    argument=argument,
                    protocol=protocol,
                    reason=str(known.get("err") or "see the fsspec documentation"),
                ) from None
            raise ConfigurationError(
                "{argument}: writing to {protocol}:// needs {package}, which is not installed: pip install {package}",
                argument=argument,
                protocol=protocol,
                package=package,
            ) from None
        except ValueError:
            raise ValidationError(
                "{argument}: {protocol}:// is not a filesystem fsspec knows (s3://, gs://, memory://...)",
                argument=argument,
                protocol=protocol,
            ) from None
        return
    if target.startswith("file://"):
        target = target[len("file://") :]
    dest = Path(target).expanduser()
    if dest.is_dir():
        raise ValidationError(
            "{argument} {dest!r} is a directory: name a file, e.g. {example!r}",
            argument=argument,
            dest=str(dest),
            example=str(dest / "inventory.parquet"),
        )


@contextlib.contextmanager
def open_destination(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file for ``path`` that appears at ``path`` only if the block succeeds.

    Local paths: a temporary file in the same directory, renamed into place at the end
    (parent directories are created). Through a symbolic link, the file the link points
    to is replaced and the link stays. A path that names a special file (a device such
    as ``/dev/null``, a FIFO, a socket) or an open descriptor (``/dev/stdout``,
    ``/dev/fd/N``) is written through as it is, never replaced: its type, and for a
    descriptor its offset and append mode, are kept. fsspec URIs: the object, removed
    on failure."""
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
    target = os.path.expanduser(target)
    fd = descriptor_of(target)
    if fd is not None:
        with os.fdopen(os.dup(fd), "wb") as fh:
            yield fh
        return
    dest = Path(os.path.realpath(target))  # through symbolic links: the file they point to
    try:
        mode = dest.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        with open(dest, "wb") as fh:  # a device, a FIFO, a socket: written through
            yield fh
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd_tmp, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    try:
        with os.fdopen(fd_tmp, "wb") as fh:
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
#: The one timestamp format of CSV and JSON Lines: ISO 8601, UTC, microseconds, ``Z``.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
#: The same for pyarrow.compute.strftime, whose ``%S`` carries the fraction of a
#: microsecond timestamp.
_ARROW_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_timestamp(value: dt.datetime) -> str:
    """``2024-06-01T12:00:00.000000Z``: how CSV and JSON Lines write a timestamp (an
    aware datetime is converted to UTC; a naive one is taken as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime(TIMESTAMP_FORMAT)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return format_timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _text_schema(schema: pa.Schema, *, lists: bool) -> pa.Schema:
    """``schema`` with timestamp columns (and, with ``lists``, list columns) as strings."""
    fields = []
    for field in schema:
        if pa.types.is_timestamp(field.type) or (lists and pa.types.is_list(field.type)):
            field = field.with_type(pa.string())
        fields.append(field)
    return pa.schema(fields, metadata=schema.metadata)


def _text_columns(batch: pa.RecordBatch | pa.Table, text_schema: pa.Schema) -> pa.Table:
    """Timestamps as :data:`TIMESTAMP_FORMAT` text and list columns (where the target
    schema has strings) as JSON text: the columns CSV and JSON Lines write."""
    import pyarrow.compute as pc

    columns = []
    for field, column in zip(text_schema, batch.columns, strict=True):
        if pa.types.is_timestamp(column.type):
            if column.type.tz not in (None, "UTC", "+00:00"):
                column = pc.cast(column, pa.timestamp(column.type.unit, tz="UTC"))
            column = pc.strftime(column, format=_ARROW_TIMESTAMP_FORMAT)
        elif pa.types.is_list(column.type) and pa.types.is_string(field.type):
            column = pa.array([None if v is None else json.dumps(v) for v in column.to_pylist()], type=pa.string())
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=text_schema)


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

        csv_schema = _text_schema(schema, lists=True)
        with pacsv.CSVWriter(sink, csv_schema) as writer:
            for batch in counted():
                writer.write_table(_text_columns(batch, csv_schema))
    elif format == "jsonl":
        jsonl_schema = _text_schema(schema, lists=False)
        for batch in counted():
            records = _text_columns(batch, jsonl_schema).to_pylist()
            lines = [json.dumps(record, default=_json_default, ensure_ascii=False) for record in records]
            if lines:
                sink.write(("\n".join(lines) + "\n").encode("utf-8"))
                sink.flush()
    else:  # pragma: no cover - infer_format guards this
        raise ValidationError(f"unknown format {format!r}")
    return rows, count


def export(
    client: ClientProtocol,
    inventory: str,
    path_or_uri: str | os.PathLike[str] | IO[bytes],
    *,
    format: str | None = None,
    datasets: str | Iterable[str] | None = None,
    models: str | Iterable[str] | None = None,
    params: dict[str, Any] | None = None,
    per_page: int | None = None,
    concurrency: int | None = None,
    max_pages: int | None = None,
    expected_items: int | None = None,
    row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    compression: str = "zstd",
    on_rows: Callable[[int], None] | None = None,
) -> ExportResult:
    """Export an inventory to ``path_or_uri`` as Parquet, CSV or JSON Lines (``format``
    or the path's suffix), writing as pages arrive.

    ``path_or_uri`` is a local path, an fsspec URI, or an open binary stream (e.g.
    ``sys.stdout.buffer``; ``format`` is then required, and the stream is flushed after
    each page but not closed). See :func:`open_destination` for how paths are written
    (atomically; special files and symbolic links are written through, never replaced).

    Everything is checked (inventory, format, scope: named datasets/models must exist)
    before the destination is touched. Read-only on the API; the local file appears
    only when complete. ``on_rows(n)`` is called after each page (progress).
    ``expected_items``: the listing's count when the caller read it already (see
    :func:`~connector.inventory.frames.iter_batches`).
    An empty listing writes a file with the schema and no rows (CSV: the header only).
    Raises ``ValidationError``/``ConfigurationError`` for bad arguments and the client's
    errors for API failures."""
    spec = get_spec(inventory)
    destination: contextlib.AbstractContextManager[IO[bytes]]
    if isinstance(path_or_uri, (str, os.PathLike)):
        fmt = infer_format(path_or_uri, format)
        check_destination(path_or_uri)
        destination, name = open_destination(path_or_uri), os.fspath(path_or_uri)
    else:  # an open binary stream: written as it is, flushed, left open
        fmt = infer_format(None, format)
        destination, name = contextlib.nullcontext(path_or_uri), str(getattr(path_or_uri, "name", "<stream>"))
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
        expected_items=expected_items,
    )
    try:
        with destination as sink:
            rows, pages = write_batches(
                batches,
                spec.schema,
                sink,
                fmt,
                row_group_rows=int(row_group_rows),
                compression=compression,
                on_rows=on_rows,
            )
            sink.flush()
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    return ExportResult(spec.name, fmt, name, rows, pages, tuple(spec.column_names))


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
    "TIMESTAMP_FORMAT",
    "ExportResult",
    "descriptor_of",
    "export",
    "format_timestamp",
    "infer_format",
    "open_destination",
    "to_csv",
    "to_jsonl",
    "to_parquet",
    "write_batches",
]
