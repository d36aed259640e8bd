"""Split assets: one asset per target dataset, all materialized by one run of the split.

:func:`build_split_assets` turns a :class:`~connector.operations.SplitSpec` into one
multi-asset whose outputs are the target datasets (``train``, ``test``,
``validation``...). A materialization plans and applies the split (idempotent: a rerun
adds only what is missing), then reads every target back and returns each as a
``dataset_inputs`` DataFrame with the plan summary and counts as metadata.

Three **blocking** checks run on every target in the same step, computed from what was
read back, not from the operation's own counts:

* ``no_leakage``: the target shares no input with another target;
* ``ratio_within_tolerance``: its share of the split is within ``ratio_tolerance`` of
  its ratio;
* ``union_equals_source``: the targets together hold exactly the source's inputs.

A failing check fails the step and stops every downstream asset of the run. When the
operation's own read-back verification fails (leakage, say), the targets are still
read and returned so the checks show what is wrong.
"""

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetOut,
    AssetsDefinition,
    AutomationCondition,
    Failure,
    MetadataValue,
    Output,
    RetryPolicy,
    multi_asset,
)

from connector.errors import ValidationError, VerificationError
from connector.inventory import to_dataframe
from connector.operations import OperationResult, SplitPlan, SplitSpec, apply_split, plan_split
from connector.operations.split import read_source
from dagster_assets.errors import error_metadata, raise_as_failure
from dagster_assets.inventory import IO_MANAGER_KEY, RESOURCE_KEY, prefixed_key
from dagster_assets.metadata import column_schema, markdown_table

__all__ = ["SPLIT_CHECKS", "SplitCheckOutcome", "build_split_assets", "evaluate_split", "split_asset_keys"]

#: The blocking checks every target asset gets.
SPLIT_CHECKS = ("no_leakage", "ratio_within_tolerance", "union_equals_source")


def split_asset_keys(spec: SplitSpec, key_prefix: str | Sequence[str] | None = "clarifai") -> dict[str, AssetKey]:
    """Split name -> asset key of its target dataset (``<prefix>/splits/<target id>``)."""
    return {s: prefixed_key(key_prefix, "splits", spec.target_of(s)) for s, _ in spec.ordered_ratios()}


@dataclasses.dataclass(frozen=True)
class SplitCheckOutcome:
    """One check's verdict on one target."""

    split: str
    check: str
    passed: bool
    description: str
    metadata: dict[str, Any]


def evaluate_split(
    members: Mapping[str, set[str]], source: set[str], ratios: Mapping[str, float], tolerance: float
) -> list[SplitCheckOutcome]:
    """The three split checks for every target. Pure: ``members`` maps split name to the
    input ids read back from its target, ``source`` holds the source's input ids."""
    total = sum(len(m) for m in members.values())
    union: set[str] = set().union(*members.values()) if members else set()
    missing = source - union
    stray = union - source
    out: list[SplitCheckOutcome] = []
    for split, ids in members.items():
        others = set().union(*(m for s, m in members.items() if s != split))
        leaked = sorted(ids & others)
        out.append(
            SplitCheckOutcome(
                split,
                "no_leakage",
                not leaked,
                f"{len(leaked)} input(s) also in another target: {leaked[:5]}" if leaked else "",
                {"leaked_inputs": len(leaked), **({"leaked_sample": leaked[:20]} if leaked else {})},
            )
        )
        share = len(ids) / total if total else 0.0
        want = float(ratios[split])
        ok = total > 0 and abs(share - want) <= tolerance
        out.append(
            SplitCheckOutcome(
                split,
                "ratio_within_tolerance",
                ok,
                ""
                if ok
                else f"share {share:.4f} is not within {tolerance:g} of ratio {want:g} ({len(ids)} of {total})",
                {"share": round(share, 6), "ratio": want, "tolerance": tolerance, "inputs": len(ids), "total": total},
            )
        )
        ok = not missing and not stray
        out.append(
            SplitCheckOutcome(
                split,
                "union_equals_source",
                ok,
                ""
                if ok
                else (
                    f"{len(missing)} source input(s) in no target ({sorted(missing)[:5]}), "
                    f"{len(stray)} target input(s) not in the source ({sorted(stray)[:5]})"
                ),
                {
                    "source_inputs": len(source),
                    "union": len(union),
                    "missing": len(missing),
                    "not_in_source": len(stray),
                },
            )
        )
    return out


def _summary_rows(
    plan: SplitPlan, spec: SplitSpec, members: Mapping[str, set[str]], result: OperationResult | None
) -> list[dict[str, Any]]:
    actions: dict[str, dict[str, int]] = {}
    for row in plan.rows:
        counts = actions.setdefault(str(row["split"]), {})
        counts[row["action"]] = counts.get(row["action"], 0) + 1
    total = sum(len(m) for m in members.values())
    rows = []
    for split, ratio in spec.ordered_ratios():
        counts = actions.get(split, {})
        rows.append(
            {
                "split": split,
                "target": plan.targets[split],
                "ratio": ratio,
                "planned": len(plan.members.get(split, [])) if spec.mode != "server" else None,
                "add": counts.get("add", 0),
                "keep": counts.get("keep", 0),
                "stay": counts.get("stay", 0),
                "remove": counts.get("remove", 0),
                "actual": len(members[split]),
                "share": round(len(members[split]) / total, 4) if total else 0.0,
            }
        )
    return rows


SUMMARY_COLUMNS = ("split", "target", "ratio", "planned", "add", "keep", "stay", "remove", "actual", "share")


def build_split_assets(
    spec: SplitSpec,
    *,
    name: str | None = None,
    key_prefix: str | Sequence[str] | None = "clarifai",
    group_name: str | None = "clarifai",
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    pool: str | None = None,
    retry_policy: RetryPolicy | None = None,
    automation_condition: AutomationCondition | None = None,
    deps: Sequence[Any] | None = None,
    ratio_tolerance: float = 0.05,
    batch_size: int = 128,
    timeout: float = 600.0,
    resource_key: str = RESOURCE_KEY,
    io_manager_key: str = IO_MANAGER_KEY,
) -> list[AssetsDefinition]:
    """One multi-asset (a list of one, to pass to ``Definitions(assets=...)``) whose
    outputs are the split's target datasets, with the blocking checks of
    :data:`SPLIT_CHECKS` on each. ``spec`` is validated here (no request is made).

    ``tags``, ``owners``, ``group_name`` and ``automation_condition`` go on every target
    asset; ``pool`` and ``retry_policy`` on the step. ``deps`` lists upstream assets
    (e.g. the inventory asset of the source). Permanent failures are never retried by
    ``retry_policy`` (see :mod:`dagster_assets.errors`)."""
    if not isinstance(spec, SplitSpec):
        raise ValidationError("spec must be a connector.operations.SplitSpec")
    spec.validate()
    if not 0 <= ratio_tolerance < 1:
        raise ValidationError(f"ratio_tolerance must be in [0, 1), got {ratio_tolerance!r}")
    keys = split_asset_keys(spec, key_prefix)
    ratios = dict(spec.ordered_ratios())
    op_name = name or f"split_{spec.source_name}".replace("-", "_")
    outs = {
        split: AssetOut(
            key=keys[split],
            description=(
                f"Target dataset `{spec.target_of(split)}`: the {split} split ({ratio:g}) of "
                f"`{spec.source_name}`, as its dataset_inputs inventory."
            ),
            io_manager_key=io_manager_key,
            group_name=group_name,
            tags=dict(tags or {}),
            owners=list(owners or []),
            automation_condition=automation_condition,
            kinds={"clarifai", "pandas"},
            metadata={
                "dagster/column_schema": column_schema("dataset_inputs"),
                "target_dataset": spec.target_of(split),
                "ratio": ratio,
            },
        )
        for split, ratio in ratios.items()
    }
    descriptions = {
        "no_leakage": "The target shares no input with another target of the split.",
        "ratio_within_tolerance": f"The target's share is within {ratio_tolerance:g} of its ratio.",
        "union_equals_source": "The targets together hold exactly the source's inputs.",
    }
    check_specs = [
        AssetCheckSpec(check, asset=keys[split], blocking=True, description=descriptions[check])
        for split in ratios
        for check in SPLIT_CHECKS
    ]

    @multi_asset(
        name=op_name,
        outs=outs,
        check_specs=check_specs,
        deps=list(deps or []),
        pool=pool,
        retry_policy=retry_policy,
        required_resource_keys={resource_key},
        can_subset=False,
        description=f"Split `{spec.source_name}` {ratios} (mode {spec.mode}, seed {spec.seed!r}).",
    )
    def _split(context: AssetExecutionContext) -> Iterator[Output[pd.DataFrame] | AssetCheckResult]:
        resource = getattr(context.resources, resource_key)
        failure: VerificationError | None = None
        result: OperationResult | None = None
        with raise_as_failure(f"split of {spec.source_name!r}"), resource.get_client() as client:
            plan = plan_split(client, spec)
            context.log.info(
                f"split plan for {spec.source_name!r}: {len(plan.rows)} row(s), "
                f"{sum(map(len, plan.actions('add').values()))} input(s) to add"
            )
            try:
                result = apply_split(client, plan, batch_size=batch_size, timeout=timeout)
            except VerificationError as exc:
                failure = exc
                context.log.error(f"split verification failed: {exc}")
            frames = {split: to_dataframe(client, "dataset_inputs", datasets=[plan.targets[split]]) for split in ratios}
            source = {item.id for item in read_source(client, spec)}
        members = {split: set(frame["input_id"].dropna().astype(str)) for split, frame in frames.items()}
        outcomes = evaluate_split(members, source, ratios, ratio_tolerance)
        if failure is not None and all(o.passed for o in outcomes):
            raise Failure(
                description=f"split of {spec.source_name!r} failed its verification: {failure}",
                metadata=error_metadata(failure),
            )
        summary = MetadataValue.md(markdown_table(_summary_rows(plan, spec, members, result), SUMMARY_COLUMNS))
        versions = dict(v.split("/", 1) for v in (result.ids.get("versions", []) if result else []))
        for split, frame in frames.items():
            target = plan.targets[split]
            meta: dict[str, Any] = {
                "dagster/row_count": MetadataValue.int(len(frame)),
                "split": split,
                "target_dataset": target,
                "source": spec.source_name,
                "mode": spec.mode,
                "seed": spec.seed,
                "plan_summary": summary,
                "share": round(len(members[split]) / max(1, sum(len(m) for m in members.values())), 6),
            }
            if result is not None:
                meta["operation_counts"] = MetadataValue.json(result.counts)
                meta["api_requests"] = MetadataValue.int(result.requests)
            if target in versions:
                meta["snapshot_version"] = versions[target]
            yield Output(frame, output_name=split, metadata=meta)
        for outcome in outcomes:
            yield AssetCheckResult(
                asset_key=keys[outcome.split],
                check_name=outcome.check,
                passed=outcome.passed,
                description=outcome.description or None,
                metadata=outcome.metadata,
            )

    return [_split]
