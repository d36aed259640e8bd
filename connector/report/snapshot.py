"""What a report is built from: the inventories of one app at one moment.

A :class:`Snapshot` holds Arrow tables of the inventories the report reads (only the
columns it uses, so a 1M-input app stays small in memory), the row count of every
inventory, when and from where it was taken, and a :class:`RunLog` of the reading.

Three ways to get one, all read-only:

* :func:`collect` reads the inventories from the API through a client, timing each
  one and recording the client's request, retry and throttling counters per step;
* :func:`load_parquet` reads ``<inventory>.parquet`` files (as ``clarifai-connector
  export`` and the demo write them) from a directory, only the columns it needs;
* :func:`from_frames` takes DataFrames / Arrow tables you already have.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa

from connector.errors import ValidationError
from connector.inventory.frames import iter_batches
from connector.inventory.schemas import INVENTORIES, get_spec

logger = logging.getLogger(__name__)

#: Columns the report reads, per inventory. An inventory not listed here is only
#: counted. The big ones (inputs, dataset inputs, annotations) keep just what the class
#: balance and the split checks need.
COLUMNS: dict[str, tuple[str, ...]] = {
    "datasets": ("id", "user_id", "app_id"),
    "dataset_versions": (
        "dataset_id",
        "id",
        "description",
        "status_code",
        "status_name",
        "request_origin",
        "created_at",
        "metrics_inputs_count",
        "metadata",
    ),
    "dataset_inputs": ("dataset_id", "input_id", "input_concept_ids"),
    "inputs": ("id", "concept_ids"),
    "annotations": ("input_id", "concept_ids"),
    "concepts": ("id", "name"),
    "tasks": (
        "id",
        "name",
        "type",
        "status_code",
        "status_name",
        "review_strategy",
        "input_source_type",
        "input_source_id",
        "concept_ids",
        "worker_user_ids",
        "metrics_work_inputs_count_estimated",
        "metrics_work_inputs_percent_estimated",
        "metrics_review_inputs_percent_estimated",
        "created_at",
        "modified_at",
    ),
    "model_versions": ("model_id", "id", "status_name", "train_dataset_id", "train_dataset_version_id", "created_at"),
    "bulk_operations": ("id", "operation", "status_name", "source_dataset_id", "target_dataset_ids", "created_at"),
}

#: The columns without which an inventory cannot be read for the report; the others of
#: :data:`COLUMNS` read as nulls when a frame lacks them (an export always has them all).
REQUIRED: dict[str, tuple[str, ...]] = {
    "datasets": ("id",),
    "dataset_versions": ("dataset_id", "id", "status_name"),
    "dataset_inputs": ("dataset_id", "input_id"),
    "inputs": ("id",),
    "annotations": ("input_id", "concept_ids"),
    "concepts": ("id",),
    "tasks": ("id", "status_name"),
    "model_versions": ("model_id", "id", "train_dataset_version_id"),
    "bulk_operations": ("operation", "source_dataset_id", "target_dataset_ids"),
}

#: Every inventory, in the order the summary lists them.
ALL_INVENTORIES: tuple[str, ...] = tuple(INVENTORIES)

#: ``progress(step, done, total)``: one call as each step of reading starts.
Progress = Callable[[str, int, int], None]


@dataclasses.dataclass(frozen=True)
class Step:
    """One timed step of building a report: its wall time and, when it talked to the
    API, the client's counters over the step (requests sent, retries, throttled
    answers waited out)."""

    name: str
    elapsed: float
    rows: int | None = None
    requests: int = 0
    retries: int = 0
    throttled: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class RunLog:
    """The steps of a run, in order. :meth:`step` times one."""

    steps: list[Step] = dataclasses.field(default_factory=list)

    @contextlib.contextmanager
    def step(self, name: str, client: Any = None) -> Iterator[dict[str, Any]]:
        """Time the block as step ``name``; with ``client``, count its requests,
        retries and throttled answers (from ``client.stats``). The block may set
        ``info["rows"]``. The step is recorded even when the block raises."""
        before = _counters(client)
        info: dict[str, Any] = {"rows": None}
        start = time.perf_counter()
        try:
            yield info
        finally:
            after = _counters(client)
            self.steps.append(
                Step(
                    name=name,
                    elapsed=time.perf_counter() - start,
                    rows=info.get("rows"),
                    **{k: after[k] - before[k] for k in after},
                )
            )

    @property
    def totals(self) -> Step:
        """The sum of every step."""
        return Step(
            name="total",
            elapsed=sum(s.elapsed for s in self.steps),
            requests=sum(s.requests for s in self.steps),
            retries=sum(s.retries for s in self.steps),
            throttled=sum(s.throttled for s in self.steps),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"steps": [s.to_dict() for s in self.steps], "total": self.totals.to_dict()}


def _counters(client: Any) -> dict[str, int]:
    stats = getattr(client, "stats", None)
    if stats is None:
        return {"requests": 0, "retries": 0, "throttled": 0}
    if hasattr(stats, "snapshot"):
        snap = stats.snapshot()
        return {k: int(snap.get(k, 0) or 0) for k in ("requests", "retries", "throttled")}
    return {k: int(getattr(stats, k, 0) or 0) for k in ("requests", "retries", "throttled")}


@dataclasses.dataclass
class Snapshot:
    """The inventories of one app, as the report reads them.

    ``tables`` holds the inventories of :data:`COLUMNS` that were read (only those
    columns); ``rows`` the row count of every inventory that was read, listed or
    counted. ``taken_at``/``taken_until`` bound when the listings were made (equal
    for one listing; None when unknown). ``api_base`` is the API's address, never
    with credentials.
    """

    tables: dict[str, pa.Table] = dataclasses.field(default_factory=dict)
    rows: dict[str, int] = dataclasses.field(default_factory=dict)
    taken_at: datetime | None = None
    taken_until: datetime | None = None
    api_base: str | None = None
    user_id: str | None = None
    app_id: str | None = None
    #: Where it came from, for people: "the API", "Parquet files in ...", "frames".
    origin: str = ""
    run: RunLog = dataclasses.field(default_factory=RunLog)

    def table(self, name: str) -> pa.Table | None:
        """The table of inventory ``name``, or None when it was not read."""
        return self.tables.get(name)


def public_url(url: str | None) -> str | None:
    """``url`` without user info, query or fragment: what may be shown in a report."""
    if not url:
        return None
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", "")) or None


def _select(name: str, table: pa.Table) -> pa.Table:
    """The columns :data:`COLUMNS` lists for ``name``, cast to the inventory's schema
    types; an optional column the table lacks reads as nulls. Raises ValidationError
    naming the :data:`REQUIRED` columns it lacks, or a column whose values cannot be
    read as the documented type."""
    missing = [c for c in REQUIRED.get(name, ()) if c not in table.column_names]
    if missing:
        raise ValidationError(
            f"inventory {name!r} lacks the columns {missing} the report needs; pass it with the "
            "documented columns (docs/inventories.md), e.g. as clarifai-connector export writes it"
        )
    spec = get_spec(name)
    fields = [spec.schema.field(c) for c in COLUMNS[name]]
    present = [f for f in fields if f.name in table.column_names]
    try:
        selected = table.select([f.name for f in present]).cast(pa.schema(present))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise ValidationError(f"inventory {name!r} has a column of an unexpected type: {exc}") from None
    columns = [
        selected.column(f.name) if f.name in selected.column_names else pa.nulls(table.num_rows, f.type) for f in fields
    ]
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _table_of(name: str, value: Any) -> tuple[int, pa.Table | None]:
    """Rows of ``value`` (a DataFrame, Arrow table or record batch) and, for an
    inventory the report reads, its needed columns as an Arrow table."""
    import pandas as pd

    if isinstance(value, pa.RecordBatch):
        value = pa.Table.from_batches([value])
    if isinstance(value, pa.Table):
        return value.num_rows, _select(name, value) if name in COLUMNS else None
    if isinstance(value, pd.DataFrame):
        if name not in COLUMNS:
            return len(value), None
        wanted = [c for c in COLUMNS[name] if c in value.columns]
        try:
            table = pa.Table.from_pandas(value[wanted], preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise ValidationError(f"inventory {name!r}: cannot read the DataFrame's columns: {exc}") from None
        return len(value), _select(name, table)
    raise ValidationError(
        f"inventory {name!r}: expected a pandas DataFrame or a pyarrow Table, got {type(value).__name__}"
    )


def from_frames(
    frames: Mapping[str, Any],
    *,
    taken_at: datetime | None = None,
    api_base: str | None = None,
    user_id: str | None = None,
    app_id: str | None = None,
    origin: str = "inventory frames",
) -> Snapshot:
    """A snapshot of DataFrames or Arrow tables keyed by inventory name (``inputs``,
    ``dataset_versions``...; see :data:`connector.inventory.INVENTORIES`).

    Only the columns the report uses are kept. Raises ValidationError for an unknown
    inventory name, a value that is not a table, or a table without the documented
    columns the report needs. Nothing is read from the API."""
    snap = Snapshot(taken_at=_utc(taken_at), taken_until=_utc(taken_at), api_base=public_url(api_base), origin=origin)
    for key, value in frames.items():
        name = get_spec(str(key)).name
        snap.rows[name], table = _table_of(name, value)
        if table is not None:
            snap.tables[name] = table
    snap.user_id, snap.app_id = user_id, app_id
    _fill_ids(snap)
    return snap


def load_parquet(
    directory: str | os.PathLike[str],
    *,
    inventories: Iterable[str] | None = None,
    api_base: str | None = None,
    user_id: str | None = None,
    app_id: str | None = None,
) -> Snapshot:
    """A snapshot of the ``<inventory>.parquet`` files in ``directory`` (the names
    ``clarifai-connector export`` and ``demo`` write), reading only the columns the
    report uses; other inventories are counted from the file footers.

    ``taken_at``/``taken_until`` are the oldest and newest file modification times.
    Raises ValidationError when the directory holds none of the files or a file
    lacks a needed column. Read-only."""
    import pyarrow.parquet as pq

    root = Path(directory).expanduser()
    if not root.is_dir():
        raise ValidationError(f"{str(root)!r} is not a directory of inventory Parquet files")
    names = [get_spec(n).name for n in inventories] if inventories is not None else list(ALL_INVENTORIES)
    snap = Snapshot(api_base=public_url(api_base), origin=f"Parquet files in {root}")
    stamps: list[float] = []
    for name in names:
        path = root / f"{name}.parquet"
        if not path.is_file():
            continue
        with snap.run.step(f"read {name}.parquet") as info:
            try:
                with pq.ParquetFile(path) as file:
                    snap.rows[name] = file.metadata.num_rows
                    if name in COLUMNS:
                        schema = file.schema_arrow
                        columns = [c for c in COLUMNS[name] if c in schema.names]
                        # Batch by batch: a fraction of the transient memory of read_table.
                        batches = file.iter_batches(batch_size=65_536, columns=columns, use_threads=False)
                        table = pa.Table.from_batches(
                            list(batches), schema=pa.schema([schema.field(c) for c in columns])
                        )
                        snap.tables[name] = _select(name, table)
            except (OSError, pa.ArrowInvalid) as exc:
                raise ValidationError(f"cannot read {str(path)!r} as Parquet: {exc}") from None
            info["rows"] = snap.rows[name]
        stamps.append(path.stat().st_mtime)
    if not snap.rows:
        raise ValidationError(
            f"no inventory Parquet files in {str(root)!r}: expected files named <inventory>.parquet, "
            f"e.g. inputs.parquet (clarifai-connector export inputs --out {root}/inputs.parquet)"
        )
    pa.default_memory_pool().release_unused()  # the read buffers
    snap.taken_at = datetime.fromtimestamp(min(stamps), UTC)
    snap.taken_until = datetime.fromtimestamp(max(stamps), UTC)
    snap.user_id, snap.app_id = user_id, app_id
    _fill_ids(snap)
    return snap


def collect(
    client: Any,
    *,
    inventories: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> Snapshot:
    """Read the inventories (default: all of them) from the API through ``client``
    (a :class:`~connector.client.ClarifaiClient`), page by page, keeping only the
    columns the report uses, and time each one (:class:`RunLog`).

    Read-only. Requests are rate limited and retried by the client's policy; its
    typed errors (``AuthenticationError``, ``NotFoundError``...) are raised as is."""
    names = [get_spec(n).name for n in inventories] if inventories is not None else list(ALL_INVENTORIES)
    config = getattr(client, "config", None)
    snap = Snapshot(
        api_base=public_url(getattr(config, "base_url", None)),
        user_id=getattr(config, "user_id", None),
        app_id=getattr(config, "app_id", None),
        origin="the API",
        taken_at=datetime.now(UTC),
    )
    for n, name in enumerate(names):
        if progress is not None:
            progress(f"read {name}", n, len(names))
        with snap.run.step(f"read {name}", client) as info:
            wanted = COLUMNS.get(name)
            batches = []
            rows = 0
            for batch in iter_batches(client, name):
                rows += batch.num_rows
                if wanted is not None:
                    batches.append(batch.select(list(wanted)))
            snap.rows[name] = rows
            if wanted is not None:
                spec = get_spec(name)
                schema = pa.schema([spec.schema.field(c) for c in wanted])
                snap.tables[name] = pa.Table.from_batches(batches, schema=schema)
            info["rows"] = rows
    if progress is not None:
        progress("read", len(names), len(names))
    snap.taken_until = datetime.now(UTC)
    _fill_ids(snap)
    return snap


def _fill_ids(snap: Snapshot) -> None:
    """user/app ids from the datasets inventory when not given."""
    table = snap.tables.get("datasets")
    if table is None or table.num_rows == 0:
        return
    if not snap.user_id:
        snap.user_id = _first(table.column("user_id"))
    if not snap.app_id:
        snap.app_id = _first(table.column("app_id"))


def _first(column: pa.ChunkedArray) -> str | None:
    for value in column.drop_null().to_pylist()[:1]:
        return str(value) if value else None
    return None


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = [
    "ALL_INVENTORIES",
    "COLUMNS",
    "REQUIRED",
    "Progress",
    "RunLog",
    "Snapshot",
    "Step",
    "collect",
    "from_frames",
    "load_parquet",
    "public_url",
]
