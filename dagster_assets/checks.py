"""Asset checks on inventory assets.

Each check reads the materialized frame through the asset's IO manager (Parquet) and
makes no API request, so checks never spend the account's rate limit:

* **unique ids** (every inventory): no two rows share the inventory's key
  (``id``, or ``dataset_id`` + ``id`` for dataset versions...). ERROR.
* **failed dataset versions** (``dataset_versions``): no dataset is left with a failed
  version (FAILURE / UNEXPECTED_ERROR / CONFLICT) that no READY version of the same
  dataset followed. A failure retried successfully is resolved; old failed versions are
  pruning's business (``delete_failed_older_than``). ERROR.
* **stale tasks** (``tasks``): no open labeling task (not done, failed, won't-do or idle)
  went unmodified for longer than a threshold. WARN by default.
* **row count bounds** (any inventory given bounds): ``min_rows <= rows <= max_rows``.
"""

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from connector.errors import ValidationError
from connector.inventory import INVENTORIES
from connector.status_codes import TASK_DONE, TASK_FAILED, VERSION_FAILED, VERSION_READY, StatusCode
from dagster_assets.inventory import inventory_asset_key
from dagster_assets.metadata import key_columns, markdown_table

__all__ = [
    "InventoryCheckPolicy",
    "build_inventory_checks",
    "duplicate_keys",
    "stale_tasks",
    "unresolved_failed_versions",
]

#: Rows shown in a failing check's markdown table.
SHOWN_ROWS = 20


@dataclasses.dataclass(frozen=True)
class InventoryCheckPolicy:
    """Which checks to build and their thresholds.

    ``row_count_bounds`` maps an inventory to ``(min_rows, max_rows)`` (either may be
    None). ``stale_task_after`` None turns the stale-task check off; ``blocking`` makes
    the ERROR checks blocking (downstream assets of a run wait for them and are skipped
    when they fail)."""

    unique_ids: bool = True
    failed_versions: bool = True
    stale_task_after: timedelta | None = timedelta(days=14)
    stale_task_severity: AssetCheckSeverity = AssetCheckSeverity.WARN
    row_count_bounds: Mapping[str, tuple[int | None, int | None]] = dataclasses.field(default_factory=dict)
    blocking: bool = False

    def __post_init__(self) -> None:
        for name, bounds in self.row_count_bounds.items():
            if name not in INVENTORIES:
                raise ValidationError(f"row_count_bounds names an unknown inventory {name!r}")
            low, high = bounds
            if (low is not None and low < 0) or (high is not None and high < 0):
                raise ValidationError(f"row count bounds of {name!r} must not be negative, got {bounds}")
            if low is not None and high is not None and low > high:
                raise ValidationError(f"row count bounds of {name!r}: min {low} is above max {high}")
        if self.stale_task_after is not None and self.stale_task_after <= timedelta(0):
            raise ValidationError(f"stale_task_after must be a positive duration, got {self.stale_task_after!r}")


# -- the pure parts ----------------------------------------------------------------------


def duplicate_keys(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Rows whose ``columns`` values appear more than once (all copies)."""
    if frame.empty:
        return frame.head(0)
    return frame[frame.duplicated(list(columns), keep=False)].sort_values(list(columns))


def unresolved_failed_versions(versions: pd.DataFrame) -> pd.DataFrame:
    """Failed dataset versions that no later READY version of their dataset followed."""
    if versions.empty:
        return versions.head(0)
    codes = versions["status_code"].astype("Int64")
    failed = versions[codes.isin([int(c) for c in VERSION_FAILED]).fillna(False).astype(bool)]
    ready = versions[codes.isin([int(c) for c in VERSION_READY]).fillna(False).astype(bool)]
    newest_ready = ready.groupby("dataset_id", observed=True)["created_at"].max()
    keep = []
    for _, row in failed.iterrows():
        last_ok = newest_ready.get(row["dataset_id"])
        keep.append(last_ok is None or pd.isna(last_ok) or pd.isna(row["created_at"]) or last_ok < row["created_at"])
    return failed[keep] if keep else failed


def stale_tasks(tasks: pd.DataFrame, older_than: timedelta, *, now: datetime) -> pd.DataFrame:
    """Open tasks (not done, failed, won't-do or idle) last modified before
    ``now - older_than`` (tasks without a time count as stale)."""
    if tasks.empty:
        return tasks.head(0)
    closed = {*TASK_DONE, *TASK_FAILED, StatusCode.TASK_IDLE}
    codes = tasks["status_code"].astype("Int64")
    open_tasks = tasks[~codes.isin([int(c) for c in closed]).fillna(False).astype(bool)]
    stamp = open_tasks["modified_at"].fillna(open_tasks["created_at"])
    cutoff = pd.Timestamp(now - older_than)
    mask = stamp.isna() | (stamp < cutoff)
    return open_tasks[mask.fillna(True).astype(bool)]


def _table(frame: pd.DataFrame, columns: Sequence[str]) -> MetadataValue:
    shown = [c for c in columns if c in frame.columns]
    return MetadataValue.md(markdown_table(frame[shown].to_dict("records"), shown, limit=SHOWN_ROWS))


# -- the check definitions ------------------------------------------------------------------


def build_inventory_checks(
    inventories: Sequence[str],
    *,
    key_prefix: str | Sequence[str] | None = "clarifai",
    policy: InventoryCheckPolicy | None = None,
    now: Callable[[], datetime] | None = None,
) -> list[AssetChecksDefinition]:
    """The checks of :data:`InventoryCheckPolicy` for the inventory assets of
    ``inventories`` (as built by :func:`~dagster_assets.build_inventory_assets` with the
    same ``key_prefix``). Checks only apply where their inventory is built: the failed
    versions check needs ``dataset_versions``, the stale tasks check ``tasks``.
    ``now`` (a clock) is for tests."""
    policy = policy or InventoryCheckPolicy()
    clock = now or (lambda: datetime.now(UTC))
    names = list(inventories)
    missing = sorted(set(policy.row_count_bounds) - set(names))
    if missing:
        raise ValidationError(f"row_count_bounds names inventories that are not built: {missing}")
    checks: list[AssetChecksDefinition] = []
    for name in names:
        key = inventory_asset_key(name, key_prefix)
        if policy.unique_ids:
            checks.append(_unique_ids_check(name, key, policy.blocking))
        if name in policy.row_count_bounds:
            low, high = policy.row_count_bounds[name]
            checks.append(_row_count_check(name, key, low, high, policy.blocking))
        if name == "dataset_versions" and policy.failed_versions:
            checks.append(_failed_versions_check(key, policy.blocking))
        if name == "tasks" and policy.stale_task_after is not None:
            checks.append(_stale_tasks_check(key, policy.stale_task_after, policy.stale_task_severity, clock))
    return checks


def _unique_ids_check(inventory: str, key: AssetKey, blocking: bool) -> AssetChecksDefinition:
    columns = key_columns(inventory)

    @asset_check(
        asset=key,
        name="unique_ids",
        blocking=blocking,
        description=f"No two rows share {' + '.join(columns)}.",
    )
    def _check(frame: pd.DataFrame) -> AssetCheckResult:
        dupes = duplicate_keys(frame, columns)
        distinct = len(dupes.drop_duplicates(list(columns))) if not dupes.empty else 0
        meta: dict[str, MetadataValue] = {
            "rows": MetadataValue.int(len(frame)),
            "duplicated_keys": MetadataValue.int(distinct),
        }
        if distinct:
            meta["duplicates"] = _table(dupes, columns)
        return AssetCheckResult(
            passed=distinct == 0,
            metadata=meta,
            description=None if not distinct else f"{distinct} key(s) appear more than once",
        )

    return _check


def _row_count_check(
    inventory: str, key: AssetKey, low: int | None, high: int | None, blocking: bool
) -> AssetChecksDefinition:
    bounds = f"{low if low is not None else 0} <= rows" + (f" <= {high}" if high is not None else "")

    @asset_check(asset=key, name="row_count_bounds", blocking=blocking, description=f"Row count: {bounds}.")
    def _check(frame: pd.DataFrame) -> AssetCheckResult:
        rows = len(frame)
        ok = (low is None or rows >= low) and (high is None or rows <= high)
        return AssetCheckResult(
            passed=ok,
            metadata={
                "rows": MetadataValue.int(rows),
                "min_rows": MetadataValue.int(low) if low is not None else MetadataValue.null(),
                "max_rows": MetadataValue.int(high) if high is not None else MetadataValue.null(),
            },
            description=None if ok else f"{rows} rows, outside {bounds}",
        )

    return _check


def _failed_versions_check(key: AssetKey, blocking: bool) -> AssetChecksDefinition:
    @asset_check(
        asset=key,
        name="no_unresolved_failed_versions",
        blocking=blocking,
        description=(
            "No dataset has a failed version (FAILURE, UNEXPECTED_ERROR, CONFLICT) that no later READY "
            "version of the same dataset followed."
        ),
    )
    def _check(frame: pd.DataFrame) -> AssetCheckResult:
        failed = unresolved_failed_versions(frame)
        meta: dict[str, MetadataValue] = {"unresolved_failed_versions": MetadataValue.int(len(failed))}
        if len(failed):
            meta["versions"] = _table(failed, ["dataset_id", "id", "status_name", "status_description", "created_at"])
        return AssetCheckResult(
            passed=failed.empty,
            metadata=meta,
            description=None
            if failed.empty
            else (
                f"{len(failed)} failed version(s) not followed by a READY one: "
                + ", ".join(f"{r.dataset_id}/{r.id}" for r in failed.head(5).itertuples())
                + "; create the version again, or delete the failed one (prune delete_failed_older_than)"
            ),
        )

    return _check


def _stale_tasks_check(
    key: AssetKey, older_than: timedelta, severity: AssetCheckSeverity, clock: Callable[[], datetime]
) -> AssetChecksDefinition:
    days = older_than.total_seconds() / 86400

    @asset_check(
        asset=key,
        name="no_stale_tasks",
        description=f"No open labeling task went unmodified for more than {days:g} day(s).",
    )
    def _check(frame: pd.DataFrame) -> AssetCheckResult:
        stale = stale_tasks(frame, older_than, now=clock())
        meta: dict[str, MetadataValue] = {
            "stale_tasks": MetadataValue.int(len(stale)),
            "threshold_days": MetadataValue.float(days),
        }
        if len(stale):
            meta["tasks"] = _table(
                stale, ["id", "name", "status_name", "modified_at", "metrics_work_inputs_percent_estimated"]
            )
        return AssetCheckResult(
            passed=stale.empty,
            severity=severity,
            metadata=meta,
            description=None
            if stale.empty
            else f"{len(stale)} open task(s) untouched for more than {days:g} day(s): "
            + ", ".join(stale["id"].head(5)),
        )

    return _check
