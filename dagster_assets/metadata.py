"""Dagster metadata built from the connector's own descriptions of its data.

Column schemas come from the inventory column specs (:mod:`connector.inventory.schemas`),
the single source of the inventories' types and docs, so the UI's column view, the
Parquet files and ``docs/inventories.md`` always agree. Markdown tables render plans and
previews (no third-party table package needed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagster import MetadataValue, TableColumn, TableSchema

from connector.inventory import get_spec

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "column_schema",
    "frame_metadata",
    "key_columns",
    "markdown_table",
    "status_column",
    "status_counts",
]

#: Longest cell shown in a markdown table before it is cut.
MAX_CELL = 60


def column_schema(inventory: str) -> TableSchema:
    """The ``dagster/column_schema`` of an inventory: every column with its Arrow type
    (as ``docs/inventories.md`` names it) and its description."""
    spec = get_spec(inventory)
    return TableSchema(columns=[TableColumn(name=c.name, type=c.type_label, description=c.doc) for c in spec.columns])


def key_columns(inventory: str) -> tuple[str, ...]:
    """The columns that identify a row of ``inventory``: the listing's scope column
    (``dataset_id`` / ``model_id``) when it has one, and the object id."""
    spec = get_spec(inventory)
    names = spec.column_names
    scope = {"dataset": "dataset_id", "model": "model_id"}.get(spec.scope)
    ident = "id" if "id" in names else "input_id"
    return tuple(c for c in (scope, ident) if c and c in names)


def status_column(inventory: str) -> str | None:
    """The column holding each row's status name, if the inventory has one."""
    names = get_spec(inventory).column_names
    for candidate in ("status_name", "input_status_name"):
        if candidate in names:
            return candidate
    return None


def status_counts(frame: pd.DataFrame, column: str) -> dict[str, int]:
    """Rows per status name (``(none)`` for rows without one), most frequent first."""
    counts = frame[column].astype("string").fillna("(none)").value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    try:
        if value != value:  # NaN / NA
            return ""
    except (TypeError, ValueError):
        pass
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        value = json.dumps(value, default=str, separators=(",", ":"))
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def markdown_table(rows: Iterable[Mapping[Any, Any]], columns: Sequence[str], *, limit: int | None = None) -> str:
    """A GitHub-flavoured markdown table of ``rows`` (dicts) over ``columns``; with
    ``limit`` only the first ``limit`` rows, and a line saying how many were left out."""
    head = "| " + " | ".join(columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    lines = [head, rule]
    total = 0
    for row in rows:
        total += 1
        if limit is None or total <= limit:
            lines.append("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |")
    if limit is not None and total > limit:
        lines.append(f"\n{total - limit} more row(s) not shown.")
    if total == 0:
        lines.append("| " + " | ".join("" for _ in columns) + " |")
    return "\n".join(lines)


def _preview_columns(inventory: str, limit: int = 8) -> list[str]:
    spec = get_spec(inventory)
    return [c.name for c in spec.columns if not c.is_json][:limit]


def frame_metadata(inventory: str, frame: pd.DataFrame, *, preview_rows: int = 10) -> dict[str, Any]:
    """Materialization metadata of an inventory frame: ``dagster/row_count``, the column
    schema, a markdown preview of the first rows, and rows per status when the inventory
    has a status column."""
    meta: dict[str, Any] = {
        "dagster/row_count": MetadataValue.int(len(frame)),
        "dagster/column_schema": MetadataValue.table_schema(column_schema(inventory)),
    }
    if preview_rows > 0:
        columns = _preview_columns(inventory)
        records = frame.head(preview_rows)[columns].to_dict("records")
        meta["preview"] = MetadataValue.md(markdown_table(records, columns))
    status = status_column(inventory)
    if status is not None:
        counts = status_counts(frame, status)
        meta["status_counts"] = MetadataValue.json(counts)
        for name, count in counts.items():
            meta[f"status/{name}"] = MetadataValue.int(count)
    return meta
