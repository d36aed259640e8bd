"""The app report as an asset: one self-contained HTML page (see docs/report.md) built
from the inventory assets' DataFrames, so the app is not read a second time.

:func:`build_report_asset` makes an asset downstream of the inventory assets of
:func:`~dagster_assets.inventory.build_inventory_assets`. Each materialization loads
those DataFrames (through their IO manager), builds the page, writes it to ``path``
and records the path and the report's headline numbers as metadata (rows per
inventory, split leaks, failed versions, stale tasks, what a prune policy would
delete). The page itself is never stored by an IO manager.
"""

import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    AssetsDefinition,
    AutomationCondition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from connector.errors import ValidationError
from connector.inventory import INVENTORIES
from connector.operations import PrunePolicy, plan_prune_from_inventory
from connector.report import SplitsArg, from_frames, make_report, report_facts, write_html
from dagster_assets.errors import raise_as_failure
from dagster_assets.inventory import DEFAULT_INVENTORIES, RESOURCE_KEY, inventory_asset_key, prefixed_key

__all__ = ["build_report_asset"]


def _is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def build_report_asset(
    inventories: Sequence[str] | None = None,
    *,
    path: str | None = None,
    key: AssetKey | None = None,
    key_prefix: str | Sequence[str] | None = "clarifai",
    prune_policy: PrunePolicy | None = None,
    splits: SplitsArg | None = None,
    stale_after: timedelta = timedelta(days=7),
    title: str | None = None,
    group_name: str | None = "clarifai",
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    automation_condition: AutomationCondition | None = None,
    resource_key: str = RESOURCE_KEY,
) -> AssetsDefinition:
    """An asset (``<key_prefix>/app_report`` unless ``key`` says otherwise) that writes
    the app report from the inventory assets named in ``inventories`` (their keys as
    :func:`build_inventory_assets` gives them with the same ``key_prefix``; default:
    the :data:`DEFAULT_INVENTORIES`). Give it the inventories you build: class balance
    and splits need ``dataset_inputs`` (or ``inputs`` / ``annotations``), versions
    ``dataset_versions`` (and ``model_versions`` for the training lineage), tasks
    ``tasks``.

    ``path``: where the page goes, a local path (written atomically) or a URI such as
    ``s3://bucket/reports/app.html`` (universal-pathlib; credentials from the
    environment); default: ``<instance storage>/<asset key>.html``, next to what the
    Parquet IO manager writes by default. ``prune_policy``: show what that policy would
    delete and why, decided from the same ``dataset_versions`` and ``model_versions``
    frames with the operations' own decision function (nothing is deleted).
    ``splits``, ``stale_after``, ``title``: as :func:`connector.report.build_report`.

    The resource (``resource_key``) only names the API and the app on the page; the
    asset sends no request. Raises ValidationError here for an unknown inventory, or a
    prune policy without the inventories it needs."""
    names = list(DEFAULT_INVENTORIES if inventories is None else inventories)
    unknown = [n for n in names if n not in INVENTORIES]
    if unknown:
        raise ValidationError(f"unknown inventories {unknown}; choose from {sorted(INVENTORIES)}")
    if not names or len(set(names)) != len(names):
        raise ValidationError(f"name each inventory once, at least one: {names}")
    if prune_policy is not None:
        needed = ["dataset_versions"] + ([] if prune_policy.allow_trained else ["model_versions"])
        lacking = [n for n in needed if n not in names]
        if lacking:
            raise ValidationError(f"a prune policy needs the inventories {lacking} among the report's inputs")
    if not isinstance(stale_after, timedelta) or stale_after < timedelta(0):
        raise ValidationError(f"stale_after must be a non-negative timedelta, got {stale_after!r}")
    asset_key = key or prefixed_key(key_prefix, "app_report")
    upstream = {name: inventory_asset_key(name, key_prefix) for name in names}
    ins = {name: AssetIn(key=k) for name, k in upstream.items()}

    @asset(
        key=asset_key,
        ins=ins,
        description=(
            "The app report: one self-contained HTML page (class balance, splits, dataset versions"
            + (", what the prune policy would delete" if prune_policy else "")
            + ", labeling tasks), built from the inventory assets. See docs/report.md."
        ),
        group_name=group_name,
        tags=dict(tags or {}),
        owners=list(owners or []),
        automation_condition=automation_condition,
        required_resource_keys={resource_key},
        kinds={"clarifai", "html"},
    )
    def _report(context: AssetExecutionContext, **frames: Any) -> MaterializeResult:
        resource = getattr(context.resources, resource_key)
        taken = _materialized_at(context, list(upstream.values()))
        with raise_as_failure("building the app report"):
            snapshot = from_frames(
                frames,
                taken_at=min(taken) if taken else None,
                api_base=getattr(resource, "base_url", None),
                user_id=getattr(resource, "user_id", None),
                app_id=getattr(resource, "app_id", None),
                origin="Dagster inventory assets",
            )
            if taken:
                snapshot.taken_until = max(taken)
            plan = None
            if prune_policy is not None:
                plan = plan_prune_from_inventory(
                    frames["dataset_versions"],
                    frames.get("model_versions"),
                    prune_policy,
                    now=snapshot.taken_until or datetime.now(UTC),
                )
            page, data = make_report(snapshot, prune_plan=plan, splits=splits, stale_after=stale_after, title=title)
            where = path or os.path.join(context.instance.storage_directory(), *asset_key.path) + ".html"
            uri = _write(page, where)
        facts = report_facts(data)
        context.log.info("wrote the app report to %s (%d bytes)", uri, len(page.encode("utf-8")))
        return MaterializeResult(metadata=_metadata(uri, page, facts))

    return _report


def _materialized_at(context: AssetExecutionContext, keys: Sequence[AssetKey]) -> list[datetime]:
    """When each upstream inventory was last materialized (what the frames hold)."""
    out = []
    for key in keys:
        event = context.instance.get_latest_materialization_event(key)
        if event is not None:
            out.append(datetime.fromtimestamp(event.timestamp, UTC))
    return out


def _write(page: str, where: str) -> str:
    """Write the page to a local path (atomically) or a URI; returns where it went."""
    if _is_remote(where):
        from upath import UPath

        target = UPath(where)
        with target.open("wb") as sink:
            sink.write(page.encode("utf-8"))
        return str(target)
    local = where.removeprefix("file://")
    return str(write_html(page, local))


def _metadata(uri: str, page: str, facts: Mapping[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "path": MetadataValue.path(uri),
        "bytes": MetadataValue.int(len(page.encode("utf-8"))),
        "rows": MetadataValue.json(dict(facts["rows"])),
        "splits_flagged": MetadataValue.int(int(facts["splits_flagged"])),
        "facts": MetadataValue.json(dict(facts)),
    }
    if "inputs" in facts:
        meta["inputs"] = MetadataValue.int(int(facts["inputs"]))
        meta["unlabeled_inputs"] = MetadataValue.int(int(facts["unlabeled"]))
    if "versions" in facts:
        meta["failed_versions"] = MetadataValue.int(int(facts["versions"]["failed"]))
    if "prune_deletes" in facts:
        meta["prune_would_delete"] = MetadataValue.int(int(facts["prune_deletes"]))
    if "tasks" in facts:
        meta["stale_tasks"] = MetadataValue.int(int(facts["tasks"]["stale"]))
    return meta
