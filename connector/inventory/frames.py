"""Inventories as Arrow record batches, tables and pandas DataFrames.

Pages of a listing go straight to columns: one :class:`pyarrow.RecordBatch` per page,
built column by column from the page's items (no per-row objects, no DataFrame per
page). Listings use the client's paginated fetch (``per_page`` from the config, 1000 by
default, and ``concurrency`` pages in flight under the client's rate limiter), so every
request is retried and throttled by the client's policies.

Scope: ``apps`` lists the user's apps; dataset-level inventories (``dataset_versions``,
``dataset_inputs``) list one, some (``datasets=[...]``) or all datasets of the app
(``datasets=None``); ``model_versions`` likewise over ``models``. Named datasets and
models are checked to exist before anything is listed (``NotFoundError`` otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from connector.counts import read_count
from connector.errors import ValidationError
from connector.inventory.schemas import InventorySpec, get_spec
from connector.protocols import ClientProtocol

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


logger = logging.getLogger(__name__)

#: Rows per DataFrame chunk of :func:`iter_frames` unless told otherwise.
DEFAULT_CHUNK_ROWS = 100_000


def record_batch(
    inventory: str | InventorySpec, items: Sequence[Mapping[str, Any]], scope: Mapping[str, Any] | None = None
) -> pa.RecordBatch:
    """One record batch of inventory ``inventory`` from API items (one page), with the
    inventory's exact schema. Pure: no request is made."""
    spec = inventory if isinstance(inventory, InventorySpec) else get_spec(inventory)
    return spec.extractor(items, scope or {})


def _names(value: str | Iterable[str] | None, what: str) -> list[str] | None:
    if value is None:
        return None
    names = [value] if isinstance(value, str) else list(value)
    cleaned = []
    argument = f"{what}s"  # the argument naming them: datasets=, models= (CLI --dataset, --model)
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(
                "{argument}: {what} ids must be non-empty strings, got {value!r}",
                argument=argument,
                what=what,
                value=name,
            )
        cleaned.append(name.strip())
    if not cleaned:
        raise ValidationError(
            "an empty list of {what} ids was given in {argument}; pass None for all {what}s",
            argument=argument,
            what=what,
        )
    return list(dict.fromkeys(cleaned))


def resolve_scopes(
    client: ClientProtocol,
    spec: InventorySpec,
    *,
    datasets: str | Iterable[str] | None = None,
    models: str | Iterable[str] | None = None,
) -> list[dict[str, str]]:
    """The listings an inventory needs: one scope dict per dataset/model (``[{}]`` for
    app- and user-level inventories). Checks named datasets/models exist.

    Raises ``ValidationError`` for a scope argument the inventory does not take and
    ``NotFoundError`` for a dataset or model that does not exist. Read-only."""
    dataset_ids = _names(datasets, "dataset")
    model_ids = _names(models, "model")
    if dataset_ids is not None and spec.scope != "dataset":
        raise ValidationError(
            f"inventory {spec.name!r} does not take datasets (only dataset_versions, dataset_inputs do)"
        )
    if model_ids is not None and spec.scope != "model":
        raise ValidationError(f"inventory {spec.name!r} does not take models (only model_versions does)")
    if spec.scope == "dataset":
        if dataset_ids is None:
            dataset_ids = [str(d["id"]) for d in client.list_datasets() if d.get("id")]
        else:
            for dataset_id in dataset_ids:
                client.get_dataset(dataset_id)  # NotFoundError names the dataset
        return [{"dataset_id": d} for d in dataset_ids]
    if spec.scope == "model":
        if model_ids is None:
            model_ids = [str(m["id"]) for m in client.list_models() if m.get("id")]
        else:
            for model_id in model_ids:
                client.get_model(model_id)
        return [{"model_id": m} for m in model_ids]
    return [{}]


def iter_batches(
    client: ClientProtocol,
    inventory: str,
    *,
    datasets: str | Iterable[str] | None = None,
    models: str | Iterable[str] | None = None,
    params: Mapping[str, Any] | None = None,
    per_page: int | None = None,
    concurrency: int | None = None,
    max_pages: int | None = None,
    expected_items: int | None = None,
) -> Iterator[pa.RecordBatch]:
    """Record batches of an inventory, one per page, in listing order.

    The scope is resolved (and checked) at call time, before the iterator is returned;
    pages are fetched as the iterator is consumed. ``max_pages`` bounds each listing
    (per dataset/model). An inventory the API keeps a count of (``inputs``) reads it
    first (one request; see :mod:`connector.counts`), unless the caller passes it as
    ``expected_items``: its pages are then asked for from the start. Read-only;
    requests are retried by the client's policy; raises the client's errors
    (``NotFoundError``, ``AuthenticationError`` ...)."""
    spec = get_spec(inventory)
    if expected_items is not None and int(expected_items) < 0:
        raise ValidationError(f"expected_items must be 0 or more, got {expected_items}")
    scopes = resolve_scopes(client, spec, datasets=datasets, models=models)
    merged = {**spec.params, **(params or {})}
    return _batches(client, spec, scopes, merged or None, per_page, concurrency, max_pages, expected_items)


def _expected(
    client: ClientProtocol,
    spec: InventorySpec,
    scope: Mapping[str, str],
    params: Mapping[str, Any] | None,
    concurrency: int | None,
    given: int | None,
) -> int | None:
    """The count of one listing: ``given`` when the caller read it already, else the
    API's own for a whole (unscoped) listing that has one (:func:`connector.counts.read_count`)."""
    if scope:
        return None
    if given is not None:
        return given
    return read_count(client, spec.name, params=params, concurrency=concurrency)


def _batches(
    client: ClientProtocol,
    spec: InventorySpec,
    scopes: list[dict[str, str]],
    params: Mapping[str, Any] | None,
    per_page: int | None,
    concurrency: int | None,
    max_pages: int | None,
    expected_items: int | None,
) -> Iterator[pa.RecordBatch]:
    for scope in scopes:
        pages = client.iter_pages(
            spec.rpc,
            spec.key,
            path=scope or None,
            params=params,
            per_page=per_page,
            concurrency=concurrency,
            max_pages=max_pages,
            expected_items=_expected(client, spec, scope, params, concurrency, expected_items),
        )
        try:
            for page in pages:
                yield record_batch(spec, page, scope)
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()


def to_table(client: ClientProtocol, inventory: str, **kwargs: Any) -> pa.Table:
    """The whole inventory as one Arrow table (an empty table with the schema when the
    listing is empty). Same arguments as :func:`iter_batches`."""
    spec = get_spec(inventory)
    batches = list(iter_batches(client, inventory, **kwargs))
    return pa.Table.from_batches(batches, schema=spec.schema)


def table_to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a DataFrame whose every column is a ``pd.ArrowDtype``."""
    import pandas as pd

    frame: pd.DataFrame = table.to_pandas(types_mapper=pd.ArrowDtype)
    return frame


def to_dataframe(client: ClientProtocol, inventory: str, **kwargs: Any) -> pd.DataFrame:
    """The whole inventory as a DataFrame with the documented schema (pyarrow-backed
    dtypes); an empty listing gives an empty frame with the same columns and dtypes.
    Same arguments as :func:`iter_batches`. For large listings prefer
    :func:`iter_frames` or :func:`connector.inventory.to_parquet`."""
    return table_to_frame(to_table(client, inventory, **kwargs))


def iter_frames(
    client: ClientProtocol, inventory: str, *, chunk_rows: int = DEFAULT_CHUNK_ROWS, **kwargs: Any
) -> Iterator[pd.DataFrame]:
    """DataFrames of ``chunk_rows`` rows each (the last one may be shorter) so memory
    stays bounded; nothing is yielded for an empty listing. Same arguments as
    :func:`iter_batches`; the scope is checked before the iterator is returned."""
    if int(chunk_rows) < 1:
        raise ValidationError(f"chunk_rows must be at least 1, got {chunk_rows}")
    spec = get_spec(inventory)
    batches = iter_batches(client, inventory, **kwargs)
    return _chunked_frames(spec, batches, int(chunk_rows))


def rechunk(batches: Iterable[pa.RecordBatch], schema: pa.Schema, rows: int) -> Iterator[pa.Table]:
    """Tables of exactly ``rows`` rows (the last may be shorter) from a stream of batches."""
    buffer: list[pa.RecordBatch] = []
    buffered = 0
    for batch in batches:
        while batch.num_rows:
            take = min(rows - buffered, batch.num_rows)
            buffer.append(batch.slice(0, take))
            buffered += take
            batch = batch.slice(take)
            if buffered == rows:
                yield pa.Table.from_batches(buffer, schema=schema)
                buffer, buffered = [], 0
    if buffered:
        yield pa.Table.from_batches(buffer, schema=schema)


def _chunked_frames(spec: InventorySpec, batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pd.DataFrame]:
    for table in rechunk(batches, spec.schema, rows):
        yield table_to_frame(table)


def empty_frame(inventory: str) -> pd.DataFrame:
    """An empty DataFrame with the inventory's columns and dtypes."""
    return table_to_frame(get_spec(inventory).schema.empty_table())


__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "empty_frame",
    "iter_batches",
    "iter_frames",
    "rechunk",
    "record_batch",
    "resolve_scopes",
    "table_to_frame",
    "to_dataframe",
    "to_table",
]
