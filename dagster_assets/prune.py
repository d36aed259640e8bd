"""Dataset version pruning as a Dagster op and job.

The op plans with :func:`connector.operations.plan_prune` and, unless the run config says
``dry_run`` (the default), applies with :func:`connector.operations.apply_prune`. The
whole plan (every version considered, its action and the reason) is rendered as a
markdown table in the step's output metadata, dry run or not, so a run's page shows
what was, or would be, deleted and why. A plan over its guard (``max_delete``,
``max_delete_share``) fails the step before any write, without a retry, with the plan
attached; ``force: true`` applies it anyway.

Protections hold whatever the config says (see ``docs/operations.md``): the newest READY
version, versions in flight, versions a model was trained on, versions made by training
or evaluation.
"""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from dagster import (
    Config,
    Failure,
    JobDefinition,
    MetadataValue,
    OpDefinition,
    OpExecutionContext,
    Output,
    RetryPolicy,
    RunConfig,
    job,
    op,
)
from pydantic import Field

from connector.errors import ValidationError
from connector.operations import PrunePlan, PrunePolicy, apply_prune, plan_prune
from dagster_assets.errors import raise_as_failure
from dagster_assets.inventory import RESOURCE_KEY
from dagster_assets.metadata import markdown_table

__all__ = ["PruneConfig", "build_prune_job", "build_prune_op", "plan_metadata"]

#: Plan rows shown in the markdown table (the counts cover every row).
PLAN_ROWS_SHOWN = 500
PLAN_COLUMNS = ("dataset_id", "version_id", "status", "age_days", "request_origin", "action", "reason")


class PruneConfig(Config):
    """Run config of the prune op: which datasets, the policy, dry run and guard."""

    datasets: list[str] | None = Field(default=None, description="Dataset ids; none = every dataset of the app.")
    keep_last: int | None = Field(default=3, description="Keep the newest N READY versions of each dataset.")
    keep_younger_than_days: float | None = Field(default=None, description="Keep versions younger than this.")
    delete_failed_older_than_days: float | None = Field(
        default=None, description="Delete failed versions older than this (otherwise failed versions are kept)."
    )
    keep_ids: list[str] = Field(default_factory=list, description="Version ids never deleted.")
    keep_pinned: bool = Field(default=True, description="Keep versions whose metadata[pinned_key] is truthy.")
    pinned_key: str = Field(default="pinned", description="Metadata key that pins a version.")
    allow_trained: bool = Field(default=False, description="Allow deleting versions a model was trained on.")
    max_delete: int | None = Field(default=None, description="Guard: refuse a plan deleting more versions.")
    max_delete_share: float | None = Field(
        default=0.9, description="Guard: refuse a plan deleting a larger share of the versions considered."
    )
    dry_run: bool = Field(default=True, description="Plan only; write nothing.")
    force: bool = Field(default=False, description="Apply a plan even when it exceeds the guard.")

    def policy(self) -> PrunePolicy:
        """The :class:`~connector.operations.PrunePolicy` (ValidationError if invalid)."""

        def days(value: float | None) -> timedelta | None:
            return None if value is None else timedelta(days=value)

        return PrunePolicy(
            keep_last=self.keep_last,
            keep_younger_than=days(self.keep_younger_than_days),
            delete_failed_older_than=days(self.delete_failed_older_than_days),
            keep_ids=frozenset(self.keep_ids),
            keep_pinned=self.keep_pinned,
            pinned_key=self.pinned_key,
            allow_trained=self.allow_trained,
            max_delete=self.max_delete,
            max_delete_share=self.max_delete_share,
        )


def plan_metadata(plan: PrunePlan) -> dict[str, Any]:
    """Metadata describing a prune plan: counts and the plan as a markdown table."""
    deletes = plan.delete_count
    return {
        "plan": MetadataValue.md(markdown_table(plan.rows, PLAN_COLUMNS, limit=PLAN_ROWS_SHOWN)),
        "versions_considered": MetadataValue.int(len(plan.rows)),
        "versions_to_delete": MetadataValue.int(deletes),
        "datasets": MetadataValue.json(plan.datasets),
        "guard": MetadataValue.text(plan.guard or "within the guard"),
    }


def build_prune_op(
    name: str = "clarifai_prune",
    *,
    resource_key: str = RESOURCE_KEY,
    pool: str | None = None,
    retry_policy: RetryPolicy | None = None,
    tags: Mapping[str, str] | None = None,
) -> OpDefinition:
    """The prune op (run config: :class:`PruneConfig`). Its output is the operation's
    result as a JSON-safe dict (counts and the ids deleted or to delete)."""

    @op(
        name=name,
        pool=pool,
        retry_policy=retry_policy,
        tags=dict(tags or {}),
        required_resource_keys={resource_key},
        description="Prune dataset versions by policy; the plan is in the output metadata.",
    )
    def _prune(context: OpExecutionContext, config: PruneConfig) -> Output[dict[str, Any]]:
        resource = getattr(context.resources, resource_key)
        with raise_as_failure("prune"), resource.get_client() as client:
            plan = plan_prune(client, config.datasets, config.policy())
            meta = plan_metadata(plan)
            context.log.info(
                f"prune plan: {plan.delete_count} of {len(plan.rows)} version(s) to delete "
                f"in {len(plan.datasets)} dataset(s){' (dry run)' if config.dry_run else ''}"
            )
            if config.dry_run:
                result = {
                    "dry_run": True,
                    "counts": {"considered": len(plan.rows), "would_delete": plan.delete_count},
                    "would_delete": [f"{d}/{v}" for d, vs in plan.to_delete.items() for v in vs],
                    "guard": plan.guard,
                }
                return Output(result, metadata={**meta, "dry_run": True})
            if plan.guard and not config.force:
                raise Failure(
                    description=(
                        f"refusing to prune: {plan.guard}; nothing was deleted. Review the plan below, then run "
                        "again with force: true (or raise max_delete / max_delete_share)"
                    ),
                    metadata=meta,
                    allow_retries=False,
                )
            outcome = apply_prune(client, plan, force=config.force, recheck=False)
        meta.update(
            {
                "dry_run": False,
                "versions_deleted": MetadataValue.int(outcome.counts.get("deleted", 0)),
                "deleted": MetadataValue.json(outcome.ids.get("deleted", [])),
                "api_requests": MetadataValue.int(outcome.requests),
            }
        )
        return Output(outcome.to_dict(), metadata=meta)

    return _prune


def build_prune_job(
    name: str = "clarifai_prune_job",
    *,
    config: PruneConfig | None = None,
    op_name: str = "clarifai_prune",
    resource_key: str = RESOURCE_KEY,
    pool: str | None = None,
    retry_policy: RetryPolicy | None = None,
    tags: Mapping[str, str] | None = None,
) -> JobDefinition:
    """A job running the prune op, with ``config`` as its default run config (a dry run
    with the :class:`PruneConfig` defaults when None). Validates the policy here."""
    default = config or PruneConfig()
    try:
        default.policy()
    except ValidationError as exc:
        raise ValidationError(f"the prune job's default config is invalid: {exc}") from exc
    prune_op = build_prune_op(op_name, resource_key=resource_key, pool=pool, retry_policy=retry_policy, tags=tags)

    @job(
        name=name,
        config=RunConfig(ops={op_name: default}),
        tags=dict(tags or {}),
        description="Prune Clarifai dataset versions (dry run unless the run config says otherwise).",
    )
    def _prune_job() -> None:
        prune_op()

    return _prune_job
