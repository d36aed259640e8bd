"""Inventory assets: one asset per inventory of the app, each a typed DataFrame.

Each asset lists one kind of resource (``datasets``, ``dataset_versions``, ``tasks``...,
the inventories of :mod:`connector.inventory`) through the run's pooled client, page by
page into Arrow columns, and returns a DataFrame with the inventory's stable schema. Its
materialization carries ``dagster/row_count``, ``dagster/column_schema`` (from the
inventory's column specs, also set on the asset definition so the UI shows it before the
first run), a markdown preview and per-status counts. Store them with
:class:`~dagster_assets.io_manager.ClarifaiParquetIOManager` so that large inventories go
to Parquet, never to pickles.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AutomationCondition,
    MetadataValue,
    Output,
    RetryPolicy,
    asset,
)

from connector.errors import ValidationError
from connector.inventory import INVENTORIES, get_spec, to_dataframe
from dagster_assets.errors import raise_as_failure
from dagster_assets.metadata import column_schema, frame_metadata

__all__ = ["DEFAULT_INVENTORIES", "build_inventory_assets", "inventory_asset_key"]

#: Inventories built when none are named: the ones analysts and checks use most.
DEFAULT_INVENTORIES: tuple[str, ...] = ("datasets", "dataset_versions", "tasks", "models", "model_versions")

#: Default resource key of :class:`~dagster_assets.resource.ClarifaiResource`.
RESOURCE_KEY = "clarifai"
#: Default IO manager key of :class:`~dagster_assets.io_manager.ClarifaiParquetIOManager`.
IO_MANAGER_KEY = "clarifai_io_manager"


def prefixed_key(key_prefix: str | Sequence[str] | None, *names: str) -> AssetKey:
    """The asset key ``<key_prefix>/<names...>``: a string prefix is one part of the key,
    a sequence several, None none. Every factory of this package keys its assets so."""
    prefix = [] if key_prefix is None else [key_prefix] if isinstance(key_prefix, str) else list(key_prefix)
    return AssetKey([*prefix, *names])


def inventory_asset_key(inventory: str, key_prefix: str | Sequence[str] | None = "clarifai") -> AssetKey:
    """The asset key :func:`build_inventory_assets` gives ``inventory``."""
    return prefixed_key(key_prefix, inventory)


def build_inventory_assets(
    inventories: Sequence[str] | None = None,
    *,
    key_prefix: str | Sequence[str] | None = "clarifai",
    group_name: str | None = "clarifai",
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    pool: str | None = None,
    retry_policy: RetryPolicy | None = None,
    automation_condition: AutomationCondition | None = None,
    scopes: Mapping[str, Mapping[str, Any]] | None = None,
    resource_key: str = RESOURCE_KEY,
    io_manager_key: str = IO_MANAGER_KEY,
    preview_rows: int = 10,
) -> list[AssetsDefinition]:
    """One asset per inventory (``DEFAULT_INVENTORIES`` when ``inventories`` is None),
    keyed ``<key_prefix>/<inventory>``.

    ``tags``, ``owners``, ``pool`` (Dagster concurrency pool: put every Clarifai step in
    one pool sized for the account's rate limit), ``retry_policy`` and
    ``automation_condition`` are passed to every asset. ``scopes`` narrows a listing:
    ``{"dataset_versions": {"datasets": ["train"]}, "model_versions": {"models": [...]}}``
    (any keyword of :func:`connector.inventory.to_dataframe`). Raises
    :class:`~connector.errors.ValidationError` for an unknown inventory or a scope given
    for an inventory that is not built. No request is made here.
    """
    names = list(DEFAULT_INVENTORIES if inventories is None else inventories)
    unknown = [n for n in names if n not in INVENTORIES]
    if unknown:
        raise ValidationError(f"unknown inventories {unknown}; choose from {sorted(INVENTORIES)}")
    if len(set(names)) != len(names):
        raise ValidationError(f"an inventory is named twice: {names}")
    scopes = dict(scopes or {})
    stray = sorted(set(scopes) - set(names))
    if stray:
        raise ValidationError(f"scopes given for inventories that are not built: {stray}")
    return [
        _inventory_asset(
            name,
            key=inventory_asset_key(name, key_prefix),
            group_name=group_name,
            tags=tags,
            owners=owners,
            pool=pool,
            retry_policy=retry_policy,
            automation_condition=automation_condition,
            scope=dict(scopes.get(name) or {}),
            resource_key=resource_key,
            io_manager_key=io_manager_key,
            preview_rows=preview_rows,
        )
        for name in names
    ]


def _inventory_asset(
    inventory: str,
    *,
    key: AssetKey,
    group_name: str | None,
    tags: Mapping[str, str] | None,
    owners: Sequence[str] | None,
    pool: str | None,
    retry_policy: RetryPolicy | None,
    automation_condition: AutomationCondition | None,
    scope: dict[str, Any],
    resource_key: str,
    io_manager_key: str,
    preview_rows: int,
) -> AssetsDefinition:
    spec = get_spec(inventory)

    @asset(
        key=key,
        description=f"{spec.doc} Inventory `{inventory}` of connector.inventory (see docs/inventories.md).",
        group_name=group_name,
        tags=dict(tags or {}),
        owners=list(owners or []),
        pool=pool,
        retry_policy=retry_policy,
        automation_condition=automation_condition,
        io_manager_key=io_manager_key,
        required_resource_keys={resource_key},
        kinds={"clarifai", "pandas"},
        metadata={
            "dagster/column_schema": column_schema(inventory),
            "inventory": MetadataValue.text(inventory),
            "listing": MetadataValue.text(f"{spec.rpc} ({spec.scope} scope)"),
        },
    )
    def _inventory(context: AssetExecutionContext) -> Output[pd.DataFrame]:
        resource = getattr(context.resources, resource_key)
        with raise_as_failure(f"listing inventory {inventory!r}"), resource.get_client() as client:
            before = client.stats.snapshot()
            frame = to_dataframe(client, inventory, **scope)
            after = client.stats.snapshot()
        metadata = frame_metadata(inventory, frame, preview_rows=preview_rows)
        metadata["api_requests"] = MetadataValue.int(after["requests"] - before["requests"])
        if after["throttled"] - before["throttled"]:
            metadata["api_throttled"] = MetadataValue.int(after["throttled"] - before["throttled"])
        return Output(frame, metadata=metadata)

    return _inventory
