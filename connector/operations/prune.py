"""Dataset version pruning: decide which versions to delete, delete them in batches,
verify by listing again.

Rules combine (a version is kept if any keep rule matches):

* ``keep_last``: keep the newest N READY versions of each dataset;
* ``keep_younger_than``: keep versions younger than a duration;
* ``keep_ids``: keep these version ids;
* ``keep_pinned``: keep versions whose ``metadata[pinned_key]`` is truthy;
* ``delete_failed_older_than``: delete FAILURE / UNEXPECTED_ERROR / CONFLICT versions older than
  this grace period (failed versions are otherwise kept).

READY versions are candidates for deletion only when ``keep_last`` or
``keep_younger_than`` is set. Whatever the policy, never deleted: the newest READY
version of a dataset; PENDING / IN_PROGRESS versions; versions a model version was
trained on (unless ``allow_trained``); versions created by training or evaluation
(``request_origin`` TRAINING / EVAL_GROUND_TRUTH / EVAL_PREDICTIONS, unless listed in
``allow_origins``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.errors import GuardError, MissingObjectError, NotFoundError, ValidationError, VerificationError
from connector.objects import DatasetVersion
from connector.operations.base import (
    OperationResult,
    Plan,
    ProgressCallback,
    Stopwatch,
    chunked,
    human_duration,
    is_valid_id,
    parse_time,
    report,
    unique,
    utcnow,
)
from connector.protocols import ClientProtocol
from connector.status_codes import VERSION_FAILED, VERSION_PENDING, VERSION_READY, code_name, status_code_of

logger = logging.getLogger(__name__)

PROTECTED_ORIGINS = frozenset({"TRAINING", "EVAL_GROUND_TRUTH", "EVAL_PREDICTIONS"})
_ORIGIN_NAMES = {
    0: "DATASET_VERSION_REQUEST_ORIGIN_NOT_SET",
    1: "MANUAL",
    2: "TRAINING",
    3: "EVAL_GROUND_TRUTH",
    4: "EVAL_PREDICTIONS",
}

KEEP, DELETE = "keep", "delete"


@dataclasses.dataclass(frozen=True)
class PrunePolicy:
    """What to keep and what to delete; see the module docstring. Validated on creation
    (:class:`~connector.errors.ValidationError`)."""

    keep_last: int | None = None
    keep_younger_than: timedelta | None = None
    keep_ids: frozenset[str] = frozenset()
    keep_pinned: bool = True
    pinned_key: str = "pinned"
    delete_failed_older_than: timedelta | None = None
    allow_trained: bool = False
    allow_origins: frozenset[str] = frozenset()
    #: Guard: refuse to apply a plan deleting more than this many versions ...
    max_delete: int | None = None
    #: ... or more than this share (0..1] of the versions considered; None = no limit.
    max_delete_share: float | None = 0.9

    def __post_init__(self) -> None:
        object.__setattr__(self, "keep_ids", frozenset(self.keep_ids or ()))
        object.__setattr__(self, "allow_origins", frozenset(str(o).upper() for o in (self.allow_origins or ())))
        if self.keep_last is not None and (
            not isinstance(self.keep_last, int) or isinstance(self.keep_last, bool) or self.keep_last < 1
        ):
            raise ValidationError(
                f"keep_last must be an integer >= 1 (the newest READY version is always kept), got {self.keep_last!r}"
            )
        for name in ("keep_younger_than", "delete_failed_older_than"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, timedelta) or value < timedelta(0)):
                raise ValidationError(f"{name} must be a non-negative duration, got {value!r}")
        bad = self.allow_origins - PROTECTED_ORIGINS
        if bad:
            raise ValidationError(f"allow_origins accepts {sorted(PROTECTED_ORIGINS)}, got {sorted(bad)}")
        if self.max_delete is not None and (
            isinstance(self.max_delete, bool) or not isinstance(self.max_delete, int) or self.max_delete < 0
        ):
            raise ValidationError(f"max_delete must be an integer >= 0, got {self.max_delete!r}")
        if self.max_delete_share is not None and not (0 < float(self.max_delete_share) <= 1):
            raise ValidationError(f"max_delete_share must be in (0, 1], got {self.max_delete_share!r}")
        if not self.pinned_key:
            raise ValidationError("pinned_key must not be empty")
        if self.keep_last is None and self.keep_younger_than is None and self.delete_failed_older_than is None:
            raise ValidationError(
                "the policy deletes nothing: set keep_last, keep_younger_than or delete_failed_older_than"
            )


@dataclasses.dataclass
class PrunePlan(Plan):
    """Every version considered, each with ``action`` (keep/delete) and ``reason``."""

    policy: dict[str, Any] = dataclasses.field(default_factory=dict)
    datasets: list[str] = dataclasses.field(default_factory=list)
    now: str = ""
    guard: str | None = None  # why the guard refuses this plan, if it does

    def columns(self) -> Sequence[str]:
        return (
            "dataset_id",
            "version_id",
            "status",
            "created_at",
            "age_days",
            "request_origin",
            "pinned",
            "trained_on",
            "action",
            "reason",
        )

    @property
    def to_delete(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for row in self.rows:
            if row["action"] == DELETE:
                out.setdefault(row["dataset_id"], []).append(row["version_id"])
        return out

    @property
    def delete_count(self) -> int:
        return sum(1 for r in self.rows if r["action"] == DELETE)


def origin_name(value: Any) -> str:
    if value is None or value == "":
        return "DATASET_VERSION_REQUEST_ORIGIN_NOT_SET"
    if isinstance(value, int):
        return _ORIGIN_NAMES.get(value, str(value))
    return str(value)


def decide(
    versions: Iterable[Mapping[str, Any]],
    policy: PrunePolicy,
    *,
    trained: Iterable[tuple[str, str]] = (),
    now: datetime,
) -> list[dict[str, Any]]:
    """The pure core of pruning: one row per version with ``action`` and ``reason``.

    ``versions`` are API DatasetVersion objects (each with ``dataset_id``); ``trained``
    holds ``(dataset_id, version_id)`` pairs some model version was trained on.
    """
    trained_set = set(trained)
    # A model version may name the version without its dataset: protect by version id then.
    trained_any_dataset = {vid for ds, vid in trained_set if not ds}
    by_dataset: dict[str, list[Mapping[str, Any]]] = {}
    for v in versions:
        by_dataset.setdefault(str(v.get("dataset_id", "")), []).append(v)
    rows: list[dict[str, Any]] = []
    for dataset_id in sorted(by_dataset):
        items = by_dataset[dataset_id]
        items = sorted(items, key=_age_order, reverse=True)
        ready_rank = 0
        for v in items:
            vid = str(v.get("id"))
            code = status_code_of(dict(v))
            created = parse_time(v.get("created_at"))
            age = (now - created) if created else None
            origin = origin_name(v.get("request_origin"))
            pinned = bool((v.get("metadata") or {}).get(policy.pinned_key))
            is_trained = (dataset_id, vid) in trained_set or vid in trained_any_dataset
            rank = None
            if code in VERSION_READY:
                ready_rank += 1
                rank = ready_rank
            action, reason = _decide_one(policy, code, rank, age, origin, pinned, is_trained, vid)
            rows.append(
                {
                    "dataset_id": dataset_id,
                    "version_id": vid,
                    "status": code_name(code),
                    "created_at": created.isoformat() if created else None,
                    "age_days": round(age / timedelta(days=1), 4) if age is not None else None,
                    "request_origin": origin,
                    "pinned": pinned,
                    "trained_on": is_trained,
                    "action": action,
                    "reason": reason,
                }
            )
    return rows


_EPOCH = datetime.min.replace(tzinfo=UTC)


def _age_order(version: Mapping[str, Any]) -> tuple[datetime, str]:
    """Sort key of versions, oldest first: creation time (unknown = oldest), then id."""
    return parse_time(version.get("created_at")) or _EPOCH, str(version.get("id"))


def _decide_one(
    policy: PrunePolicy,
    code: int | None,
    ready_rank: int | None,
    age: timedelta | None,
    origin: str,
    pinned: bool,
    trained: bool,
    vid: str,
) -> tuple[str, str]:
    # Protections first: these hold whatever the policy says.
    if ready_rank == 1:
        return KEEP, "protected: newest READY version"
    if code in VERSION_PENDING:
        return KEEP, f"protected: still {code_name(code)}"
    if trained and not policy.allow_trained:
        return KEEP, "protected: a model version was trained on it"
    if origin in PROTECTED_ORIGINS and origin not in policy.allow_origins:
        return KEEP, f"protected: created by {origin}"
    # Keep rules.
    if vid in policy.keep_ids:
        return KEEP, "kept: listed in keep_ids"
    if pinned and policy.keep_pinned:
        return KEEP, f"kept: metadata.{policy.pinned_key} is set"
    if code in VERSION_FAILED:
        if policy.delete_failed_older_than is None:
            return KEEP, "kept: failed, no failed-version rule"
        if age is None or age < policy.delete_failed_older_than:
            return KEEP, f"kept: failed but within the {human_duration(policy.delete_failed_older_than)} grace period"
        return DELETE, f"delete: {code_name(code)} older than {human_duration(policy.delete_failed_older_than)}"
    if code not in VERSION_READY:
        return KEEP, f"kept: status {code_name(code)} is not handled by pruning"
    if policy.keep_last is None and policy.keep_younger_than is None:
        return KEEP, "kept: no retention rule for READY versions"
    if policy.keep_last is not None and ready_rank is not None and ready_rank <= policy.keep_last:
        return KEEP, f"kept: among the newest {policy.keep_last} READY versions"
    if policy.keep_younger_than is not None and (age is None or age < policy.keep_younger_than):
        return KEEP, f"kept: younger than {human_duration(policy.keep_younger_than)}"
    parts = []
    if policy.keep_last is not None:
        parts.append(f"not among the newest {policy.keep_last} READY")
    if policy.keep_younger_than is not None:
        parts.append(f"older than {human_duration(policy.keep_younger_than)}")
    return DELETE, "delete: " + " and ".join(parts)


def guard_violation(plan_rows: Sequence[Mapping[str, Any]], policy: PrunePolicy) -> str | None:
    """Why the guard refuses these rows, or None when they are within it."""
    deletes = sum(1 for r in plan_rows if r["action"] == DELETE)
    total = len(plan_rows)
    if policy.max_delete is not None and deletes > policy.max_delete:
        return f"the plan deletes {deletes} versions, more than max_delete={policy.max_delete}"
    if policy.max_delete_share is not None and total and deletes / total > policy.max_delete_share:
        return (
            f"the plan deletes {deletes} of {total} versions ({deletes / total:.0%}), more than "
            f"max_delete_share={policy.max_delete_share:.0%}"
        )
    return None


def trained_versions(client: ClientProtocol) -> set[tuple[str, str]]:
    """``(dataset_id, version_id)`` of every dataset version a model version of the app
    was trained on (``train_info.dataset.version``). Read-only."""
    out: set[tuple[str, str]] = set()
    for model in client.list_models():
        for mv in client.list_model_versions(model["id"]):
            ds = (mv.get("train_info") or {}).get("dataset") or {}
            version = ds.get("version") or {}
            if version.get("id"):
                out.add((str(ds.get("id") or version.get("dataset_id") or ""), str(version["id"])))
    return out


def plan_prune(
    client: ClientProtocol,
    datasets: str | Sequence[str] | None,
    policy: PrunePolicy,
    *,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> PrunePlan:
    """Read the versions of ``datasets`` (one id, a list, or None for every dataset of
    the app) and decide; writes nothing. Raises ValidationError for a bad argument or a
    dataset that does not exist."""
    if not isinstance(policy, PrunePolicy):
        raise ValidationError("policy must be a PrunePolicy")
    if isinstance(datasets, str):
        datasets = [datasets]
    if datasets is not None:
        datasets = list(datasets)
        if not datasets:
            raise ValidationError("datasets is empty: pass dataset ids, or None for every dataset of the app")
        bad = [d for d in datasets if not is_valid_id(d)]
        if bad:
            raise ValidationError(f"invalid dataset ids: {bad}")
        datasets = unique(datasets)
    now = now or utcnow()
    if datasets is None:
        ids = [d["id"] for d in client.list_datasets()]
    else:
        ids = []
        for d in datasets:
            try:
                client.get_dataset(d)
            except NotFoundError as exc:
                raise MissingObjectError(f"dataset {d!r} does not exist in app {client.config.app_id!r}") from exc
            ids.append(d)
    versions: list[DatasetVersion] = []
    for n, dataset_id in enumerate(ids, 1):
        for version in client.list_dataset_versions(dataset_id):
            v = version.copy()
            v["dataset_id"] = v.get("dataset_id") or dataset_id
            versions.append(v)
        report(progress, "prune", "read versions", n, len(ids), dataset_id)
    trained = set() if policy.allow_trained else trained_versions(client)
    rows = decide(versions, policy, trained=trained, now=now)
    plan = PrunePlan(
        operation="prune",
        rows=rows,
        policy=dataclasses.asdict(policy),
        datasets=sorted(ids),
        now=now.isoformat(),
    )
    plan.guard = guard_violation(rows, policy)
    return plan


def recheck_protections(client: ClientProtocol, plan: PrunePlan) -> dict[str, str]:
    """Planned deletions that are protected NOW: ``"dataset/version" -> reason``.

    A plan may be applied long after it was made (reviewed as JSON, applied by another
    task); meanwhile a model may have been trained on a version, or newer versions
    deleted. Re-reads each affected dataset's versions (and, unless the plan's policy
    allows it, which versions models were trained on) and applies the protections of
    :func:`decide` to the current state. Read-only.
    """
    targets = plan.to_delete
    if not targets:
        return {}
    allow_trained = bool(plan.policy.get("allow_trained"))
    allow_origins = {str(o).upper() for o in plan.policy.get("allow_origins") or ()}
    trained = set() if allow_trained else trained_versions(client)
    trained_any = {vid for ds, vid in trained if not ds}
    protected: dict[str, str] = {}
    for dataset_id, ids in targets.items():
        current = [dict(v) for v in client.list_dataset_versions(dataset_id)]
        ready = [v for v in current if status_code_of(v) in VERSION_READY]
        newest_ready = max(ready, key=_age_order, default=None)
        by_id = {str(v.get("id")): v for v in current}
        for vid in ids:
            v = by_id.get(vid)
            if v is None:
                continue  # already gone: deleting it again is a no-op
            code = status_code_of(v)
            origin = origin_name(v.get("request_origin"))
            key = f"{dataset_id}/{vid}"
            if newest_ready is not None and str(newest_ready.get("id")) == vid:
                protected[key] = "protected: now the newest READY version"
            elif code in VERSION_PENDING:
                protected[key] = f"protected: now {code_name(code)}"
            elif not allow_trained and ((dataset_id, vid) in trained or vid in trained_any):
                protected[key] = "protected: a model version has been trained on it since the plan was made"
            elif origin in PROTECTED_ORIGINS and origin not in allow_origins:
                protected[key] = f"protected: created by {origin}"
    return protected


def _plan_guard_policy(plan: PrunePlan) -> Any:
    """The guard limits of the plan's policy (PrunePolicy defaults where absent)."""
    import types

    policy = plan.policy or {}
    return types.SimpleNamespace(
        max_delete=policy.get("max_delete", PrunePolicy.max_delete),
        max_delete_share=policy.get("max_delete_share", PrunePolicy.max_delete_share),
    )


def check_guard(plan: PrunePlan, *, force: bool = False) -> None:
    """GuardError when the plan exceeds its guard (``max_delete``,
    ``max_delete_share``) and ``force`` is false; no I/O. The guard is judged on the
    plan's rows (a plan may have been edited after review, or come without its guard
    field), not only on the plan's own verdict."""
    guard = plan.guard or guard_violation(plan.rows, _plan_guard_policy(plan))
    if guard and not force:
        raise GuardError(f"refusing to prune: {guard}; pass force=True (CLI: --force) to apply it anyway")


def apply_prune(
    client: ClientProtocol,
    plan: PrunePlan,
    *,
    force: bool = False,
    batch_size: int = 100,
    verify: bool = True,
    recheck: bool = True,
    progress: ProgressCallback | None = None,
) -> OperationResult:
    """Delete the plan's versions, one DeleteDatasetVersions call per chunk of ids per
    dataset ("not found" counts as deleted), then list again to verify. Idempotent.

    With ``recheck`` (the default), the protections are first checked again against the
    current state (:func:`recheck_protections`), so a plan applied after a delay never
    deletes a version that has become protected meanwhile; those are skipped and listed
    in ``result.details["skipped"]``. :func:`prune`, which applies right after planning,
    skips this second read.

    Raises GuardError (before any write) when the plan exceeds its guard and ``force``
    is false, VerificationError when a deleted version is still listed."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValidationError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    check_guard(plan, force=force)
    watch = Stopwatch(client)
    skipped = recheck_protections(client, plan) if recheck else {}
    if skipped:
        logger.warning(
            "prune: %d planned deletion(s) skipped, protected since the plan was made: %s",
            len(skipped),
            ", ".join(sorted(skipped)[:10]),
        )
    targets = {d: [v for v in ids if f"{d}/{v}" not in skipped] for d, ids in plan.to_delete.items()}
    targets = {d: ids for d, ids in targets.items() if ids}
    total = sum(len(ids) for ids in targets.values())
    done = 0
    for dataset_id, ids in targets.items():
        for chunk in chunked(ids, batch_size):
            client.delete_dataset_versions(dataset_id, chunk)
            done += len(chunk)
            report(progress, "prune", "delete", done, total, dataset_id)
    if verify:
        leftover = []
        for dataset_id, ids in targets.items():
            present = {v["id"] for v in client.list_dataset_versions(dataset_id)}
            leftover += [f"{dataset_id}/{i}" for i in ids if i in present]
        if leftover:
            raise VerificationError(f"versions still listed after delete: {leftover[:10]}; run prune again")
    kept = [r for r in plan.rows if r["action"] == KEEP]
    return OperationResult(
        operation="prune",
        counts={
            "considered": len(plan.rows),
            "deleted": total,
            "kept": len(kept) + len(skipped),
            "skipped": len(skipped),
            "datasets": len(plan.datasets),
        },
        ids={"deleted": [f"{d}/{v}" for d, vs in targets.items() for v in vs]},
        elapsed=watch.elapsed,
        requests=watch.requests,
        details={"skipped": dict(sorted(skipped.items()))} if skipped else {},
    )


def prune(
    client: ClientProtocol,
    datasets: str | Sequence[str] | None,
    policy: PrunePolicy,
    *,
    dry_run: bool = False,
    force: bool = False,
    batch_size: int = 100,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[PrunePlan, OperationResult]:
    """Plan, then (unless ``dry_run``) apply and verify. Safe to rerun after a crash."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValidationError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    watch = Stopwatch(client)
    plan = plan_prune(client, datasets, policy, now=now, progress=progress)
    if dry_run:
        return plan, OperationResult(
            operation="prune",
            dry_run=True,
            counts={"considered": len(plan.rows), "would_delete": plan.delete_count, "datasets": len(plan.datasets)},
            ids={"would_delete": [f"{d}/{v}" for d, vs in plan.to_delete.items() for v in vs]},
            elapsed=watch.elapsed,
            requests=watch.requests,
            details={"guard": plan.guard},
        )
    result = apply_prune(client, plan, force=force, batch_size=batch_size, recheck=False, progress=progress)
    result.elapsed, result.requests = watch.elapsed, watch.requests
    return plan, result
