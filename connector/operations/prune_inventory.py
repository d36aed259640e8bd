"""A prune plan decided from inventories already read: the rows of the
``dataset_versions`` and ``model_versions`` inventories (an Arrow table, a pandas
DataFrame, or row mappings), with no request at all.

It is :func:`~connector.operations.prune.plan_prune` without the reading: the same
decision function (:func:`~connector.operations.prune.decide`) and the same guard, so a
report built from inventories (the command line's ``report --keep-last``, the Dagster
report asset) shows the verdicts ``prune --dry-run`` gives on the same state. The plan
can be applied with ``apply_prune``, which re-reads each version before deleting it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from connector.errors import ValidationError
from connector.operations.prune import PrunePlan, PrunePolicy, decide, guard_violation

__all__ = ["plan_prune_from_inventory"]

#: Columns of the ``dataset_versions`` inventory the decision reads.
VERSION_COLUMNS = ("dataset_id", "id", "status_code", "status_name", "created_at", "request_origin", "metadata")


def _rows(value: Any, what: str) -> list[dict[str, Any]]:
    """Row dicts from an Arrow table, a pandas DataFrame or row mappings; nulls as None.
    A DataFrame's named index counts as a column (``frame.set_index("id")`` reads like
    ``frame``); a default range index is not a column."""
    if hasattr(value, "to_pylist"):  # a pyarrow Table or RecordBatch
        return [dict(r) for r in value.to_pylist()]
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a pandas DataFrame
        import pyarrow as pa

        return [dict(r) for r in pa.Table.from_pandas(value, preserve_index=None).to_pylist()]
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping)):
        rows = list(value)
        if all(isinstance(r, Mapping) for r in rows):
            return [dict(r) for r in rows]
    raise ValidationError(
        f"{what} must be the inventory as a pyarrow Table, a pandas DataFrame or a list of row mappings, "
        f"got {type(value).__name__}"
    )


def _version(row: Mapping[str, Any]) -> dict[str, Any]:
    """A DatasetVersion object as the API sends it, from one inventory row."""
    raw = row.get("metadata")
    if isinstance(raw, str) and raw:
        try:
            metadata = json.loads(raw)
        except ValueError:
            metadata = {}
    else:
        metadata = raw if isinstance(raw, Mapping) else {}
    created = row.get("created_at")
    code = row.get("status_code") if row.get("status_code") is not None else row.get("status_name")
    return {
        "id": row["id"],
        "dataset_id": row["dataset_id"],
        "status": {"code": code},
        "created_at": created.isoformat() if isinstance(created, datetime) else created,
        "request_origin": row.get("request_origin") or None,
        "metadata": dict(metadata) if isinstance(metadata, Mapping) else {},
    }


def plan_prune_from_inventory(
    dataset_versions: Any,
    model_versions: Any,
    policy: PrunePolicy,
    *,
    now: datetime | None = None,
) -> PrunePlan:
    """The prune plan ``policy`` gives for the versions in ``dataset_versions`` (the
    inventory of that name), protecting those a model version in ``model_versions``
    was trained on (that inventory; may be None only with ``policy.allow_trained``).

    Ages are judged at ``now`` (default: now, UTC). Pure: no request, nothing written.
    Raises ValidationError when an inventory lacks the columns it needs or
    ``model_versions`` is missing while trained versions must be protected."""
    if not isinstance(policy, PrunePolicy):
        raise ValidationError(f"policy must be a PrunePolicy, got {type(policy).__name__}")
    rows = _rows(dataset_versions, "dataset_versions")
    if rows:
        lacking = [c for c in ("dataset_id", "id", "status_name") if c not in rows[0]]
        if lacking:
            raise ValidationError(f"the dataset_versions inventory lacks the columns {lacking} a prune plan needs")
    trained: set[tuple[str, str]] = set()
    if not policy.allow_trained:
        if model_versions is None:
            raise ValidationError(
                "a prune plan needs the model_versions inventory (training lineage protects versions), "
                "or a policy with allow_trained=True"
            )
        for row in _rows(model_versions, "model_versions"):
            if row.get("train_dataset_version_id"):
                trained.add((row.get("train_dataset_id") or "", row["train_dataset_version_id"]))
    moment = now or datetime.now(UTC)
    versions = [_version(r) for r in rows]
    decided = decide(versions, policy, trained=trained, now=moment)
    plan = PrunePlan(
        operation="prune",
        rows=decided,
        policy=dataclasses.asdict(policy),
        datasets=sorted({v["dataset_id"] for v in versions}),
        now=moment.isoformat(),
    )
    plan.guard = guard_violation(decided, policy)
    return plan
