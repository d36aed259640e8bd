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
from typing import Any, ClassVar

from connector.errors import GuardError, NotFoundError, ValidationError, VerificationError
from connector.ids import shown
from connector.objects import DatasetVersion
from connector.operations.base import (
    OperationResult,
    Plan,
    ProgressCallback,
    Stopwatch,
    check_field,
    check_id_list,
    check_timestamp,
    human_duration,
    parse_time,
    report,
    utcnow,
)
from connector.operations.batches import write_in_batches
from connector.operations.checks import (
    check_batch_size,
    check_bool,
    check_callback,
    check_client,
    check_ids,
    check_now,
    check_type,
    require_dataset,
)
from connector.protocols import ClientProtocol
from connector.status_codes import (
    VERSION_FAILED,
    VERSION_PENDING,
    VERSION_READY,
    code_name,
    parse_status_code,
    status_code_of,
)

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
        keep_ids = check_ids("keep_ids", self.keep_ids, "version id", single=False, empty=True)
        object.__setattr__(self, "keep_ids", frozenset(keep_ids))
        origins = self.allow_origins
        if isinstance(origins, str) or not isinstance(origins, Iterable):
            raise ValidationError(
                "{argument} must be a collection of origins (one or more of {allowed}), got {value}",
                argument="allow_origins",
                allowed=sorted(PROTECTED_ORIGINS),
                value=shown(origins),
            )
        names = [str(o).strip().upper() for o in origins]
        bad = sorted(set(names) - PROTECTED_ORIGINS)
        if bad:
            raise ValidationError(
                "{argument} accepts {allowed}, got {bad}",
                argument="allow_origins",
                allowed=sorted(PROTECTED_ORIGINS),
                bad=bad,
            )
        object.__setattr__(self, "allow_origins", frozenset(names))
        if self.keep_last is not None and (
            not isinstance(self.keep_last, int) or isinstance(self.keep_last, bool) or self.keep_last < 1
        ):
            raise ValidationError(
                "{argument} must be an integer >= 1 (the newest READY version is always kept), got {value!r}",
                argument="keep_last",
                value=self.keep_last,
            )
        for name in ("keep_younger_than", "delete_failed_older_than"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, timedelta) or value < timedelta(0)):
                raise ValidationError(
                    "{argument} must be a non-negative duration, got {value!r}", argument=name, value=value
                )
        check_bool("keep_pinned", self.keep_pinned)
        check_bool("allow_trained", self.allow_trained)
        if not isinstance(self.pinned_key, str) or not self.pinned_key.strip():
            raise ValidationError(
                "{argument} must be a non-empty metadata key, got {value}",
                argument="pinned_key",
                value=shown(self.pinned_key),
            )
        if self.max_delete is not None and (
            isinstance(self.max_delete, bool) or not isinstance(self.max_delete, int) or self.max_delete < 0
        ):
            raise ValidationError(
                "{argument} must be an integer >= 0, got {value!r}", argument="max_delete", value=self.max_delete
            )
        share = self.max_delete_share
        if share is not None and (
            isinstance(share, bool) or not isinstance(share, int | float) or not (0 < float(share) <= 1)
        ):
            raise ValidationError(
                "{argument} must be in (0, 1], got {value}", argument="max_delete_share", value=shown(share)
            )
        if self.keep_last is None and self.keep_younger_than is None and self.delete_failed_older_than is None:
            raise ValidationError(
                "the policy deletes nothing: set {keep_last}, {keep_younger_than} or {delete_failed_older_than}",
                argument="keep_last",
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, field: str = "policy") -> PrunePolicy:
        """The policy of a plan's ``policy`` field (durations as seconds, collections as
        lists, as :meth:`Plan.to_dict` writes them). Unknown keys are ignored; a bad value
        raises ValidationError naming ``<field>.<key>``."""
        if not isinstance(data, Mapping):
            raise ValidationError(
                "plan field {argument} must be an object (a prune policy), got {value}",
                argument=field,
                value=shown(data),
            )
        known = [f.name for f in dataclasses.fields(cls)]
        values: dict[str, Any] = {}
        for key in known:
            if key not in data:
                continue
            value = data[key]
            duration = key in ("keep_younger_than", "delete_failed_older_than")
            if duration and value is not None and not isinstance(value, timedelta):
                check_field(f"{field}.{key}", value, (int, float))
                try:
                    value = timedelta(seconds=value)
                except (OverflowError, ValueError):
                    raise ValidationError(
                        "plan field {argument} must be a number of seconds a duration can hold, got {value!r}",
                        argument=f"{field}.{key}",
                        value=value,
                    ) from None
            values[key] = value
        try:
            return cls(**values)
        except ValidationError as exc:
            if exc.argument is not None:
                exc.bind({name: f"{field}.{name}" for name in known})
                exc.argument = f"{field}.{exc.argument}"
                exc.args = (exc.render(),)
            raise


@dataclasses.dataclass
class PrunePlan(Plan):
    """Every version considered, each with ``action`` (keep/delete) and ``reason``."""

    policy: dict[str, Any] = dataclasses.field(default_factory=dict)
    datasets: list[str] = dataclasses.field(default_factory=list)
    now: str = ""
    guard: str | None = None  # why the guard refuses this plan, if it does

    OPERATIONS = ("prune",)
    ACTIONS = frozenset({"keep", "delete"})
    ROW_IDS = ("dataset_id", "version_id")
    ROW_TYPES: ClassVar[Mapping[str, tuple[type, ...]]] = {
        "status": (str,),
        "created_at": (str, type(None)),
        "age_days": (int, float, type(None)),
        "request_origin": (str,),
        "pinned": (bool,),
        "trained_on": (bool,),
        "reason": (str,),
    }

    @classmethod
    def check_fields(cls, values: Mapping[str, Any]) -> None:
        super().check_fields(values)
        seen: dict[tuple[str, str], int] = {}
        for n, row in enumerate(values["rows"]):
            key = (row["dataset_id"], row["version_id"])
            if key in seen:
                raise ValidationError(
                    "plan field {argument} repeats version {version} (first in rows[{first}])",
                    argument=f"rows[{n}]",
                    version="/".join(key),
                    first=seen[key],
                )
            seen[key] = n
        PrunePolicy.from_dict(values.get("policy", {}))
        if "datasets" in values:
            check_id_list("datasets", values["datasets"])
        check_timestamp("now", values.get("now", ""))
        check_field("guard", values.get("guard"), (str, type(None)))

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


def _guard_breach(plan_rows: Sequence[Mapping[str, Any]], policy: PrunePolicy) -> tuple[str, dict[str, Any]] | None:
    """The guard's verdict on these rows as a message template naming the limit's
    argument and its facts, or None when they are within it."""
    deletes = sum(1 for r in plan_rows if r["action"] == DELETE)
    total = len(plan_rows)
    if policy.max_delete is not None and deletes > policy.max_delete:
        return "the plan deletes {deletes} versions, more than {max_delete}={limit}", {
            "deletes": deletes,
            "limit": policy.max_delete,
        }
    if policy.max_delete_share is not None and total and deletes / total > policy.max_delete_share:
        return "the plan deletes {deletes} of {total} versions ({share}), more than {max_delete_share}={limit}", {
            "deletes": deletes,
            "total": total,
            "share": f"{deletes / total:.0%}",
            "limit": f"{policy.max_delete_share:.0%}",
        }
    return None


def guard_violation(plan_rows: Sequence[Mapping[str, Any]], policy: PrunePolicy) -> str | None:
    """Why the guard refuses these rows, or None when they are within it."""
    breach = _guard_breach(plan_rows, policy)
    return (
        None
        if breach is None
        else breach[0].format(max_delete="max_delete", max_delete_share="max_delete_share", **breach[1])
    )


def _guard_error(plan: PrunePlan, policy: PrunePolicy) -> GuardError | None:
    """The GuardError for applying ``plan`` without ``force``, or None. Judged on the rows
    being applied (a plan may have been edited after review, or come without its guard
    field); the plan's own ``guard`` verdict counts too."""
    breach = _guard_breach(plan.rows, policy)
    if breach is not None:
        template, facts = breach
        return GuardError(
            f"refusing to prune: {template}; pass {{force}} to apply it anyway",
            argument="force",
            spell={"force": "force=True"},
            **facts,
        )
    if plan.guard:
        return GuardError(
            "refusing to prune: {guard}; pass {force} to apply it anyway",
            argument="force",
            spell={"force": "force=True"},
            guard=plan.guard,
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


def check_plan_arguments(
    datasets: object, policy: object, now: object = None, progress: object = None
) -> list[str] | None:
    """The dataset ids to read (None: every dataset of the app), after checking every
    argument of :func:`plan_prune` (ValidationError naming the argument). No I/O."""
    check_type("policy", policy, PrunePolicy, "a PrunePolicy")
    check_now(now)
    check_callback("progress", progress)
    if datasets is None:
        return None
    if not isinstance(datasets, str) and isinstance(datasets, Sequence | frozenset | set) and not datasets:
        raise ValidationError(
            "{argument} is empty: pass dataset ids, or None for every dataset of the app", argument="datasets"
        )
    return check_ids("datasets", datasets, "dataset id")


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
    check_client(client)
    wanted = check_plan_arguments(datasets, policy, now, progress)
    now = now or utcnow()
    if wanted is None:
        ids = [d["id"] for d in client.list_datasets()]
    else:
        ids = []
        for d in wanted:
            require_dataset(client, d, "datasets")
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


def plan_policy(plan: PrunePlan) -> PrunePolicy:
    """The policy a plan was made with (ValidationError naming ``policy.<key>`` when its
    ``policy`` field does not rebuild into one)."""
    return PrunePolicy.from_dict(plan.policy)


def _versions_from_rows(rows: Sequence[Mapping[str, Any]], policy: PrunePolicy) -> list[dict[str, Any]]:
    """The plan's rows as the version objects :func:`decide` reads (what the plan saw)."""
    out = []
    for row in rows:
        code = parse_status_code(row.get("status"))
        out.append(
            {
                "id": row["version_id"],
                "dataset_id": row["dataset_id"],
                "status": {"code": code} if code is not None else {},
                "created_at": row.get("created_at"),
                "request_origin": row.get("request_origin"),
                "metadata": {policy.pinned_key: bool(row.get("pinned"))},
            }
        )
    return out


def recheck_policy(
    client: ClientProtocol, plan: PrunePlan, policy: PrunePolicy | None = None, *, read: bool = True
) -> dict[str, str]:
    """Planned deletions that the plan's policy keeps or protects: ``"dataset/version"
    -> reason``. Every planned deletion is judged again by the whole policy (the keep
    rules: newest N READY, keep ids, pinned, younger than, failed grace; and the
    protections: newest READY, in flight, trained on, made by training or evaluation), at
    the plan's ``now``:

    * with ``read`` (a delayed apply), against the current state: each affected dataset's
      versions are listed again (and, unless the policy allows it, which versions models
      were trained on), so a version pinned, trained on or become the newest READY since
      the plan was made is kept;
    * without, against the facts the plan's rows recorded (no request).

    A plan whose rows were edited (an action flipped to delete) therefore never deletes
    what its policy keeps. A version that no longer exists is not listed (deleting it
    again is a no-op). Read-only; MissingObjectError when a dataset the plan deletes
    from does not exist."""
    policy = policy or plan_policy(plan)
    targets = plan.to_delete
    if not targets:
        return {}
    now = parse_time(plan.now) or utcnow()
    if read:
        versions: list[dict[str, Any]] = []
        for dataset_id in targets:
            try:
                current = list(client.list_dataset_versions(dataset_id))
            except NotFoundError:
                require_dataset(client, dataset_id, "plan")
                raise
            versions += [{**dict(v), "dataset_id": dataset_id} for v in current]
        trained = set() if policy.allow_trained else trained_versions(client)
    else:
        rows = [r for r in plan.rows if r["dataset_id"] in targets]
        versions = _versions_from_rows(rows, policy)
        trained = {(r["dataset_id"], r["version_id"]) for r in rows if r.get("trained_on")}
    decided = {(r["dataset_id"], r["version_id"]): r for r in decide(versions, policy, trained=trained, now=now)}
    kept: dict[str, str] = {}
    for dataset_id, ids in targets.items():
        for vid in ids:
            row = decided.get((dataset_id, vid))
            if row is not None and row["action"] != DELETE:
                kept[f"{dataset_id}/{vid}"] = f"{row['reason']} (rechecked when applied)"
    return kept


def recheck_protections(client: ClientProtocol, plan: PrunePlan) -> dict[str, str]:
    """Planned deletions that the plan's policy keeps or protects NOW (the current state
    read again): :func:`recheck_policy` with ``read=True``. Read-only."""
    return recheck_policy(client, plan, read=True)


def check_apply_arguments(
    plan: object, force: object, batch_size: object, verify: object, recheck: object, progress: object
) -> PrunePolicy:
    """Check every argument of :func:`apply_prune` and the plan's shape (no I/O); return
    the plan's policy. ValidationError names the argument or the plan field."""
    check_type("plan", plan, PrunePlan, "a PrunePlan (PrunePlan.from_json(text) rebuilds one)")
    assert isinstance(plan, PrunePlan)
    check_bool("force", force)
    check_batch_size(batch_size)
    check_bool("verify", verify)
    check_bool("recheck", recheck)
    check_callback("progress", progress)
    PrunePlan.check_fields({f.name: getattr(plan, f.name) for f in dataclasses.fields(plan)})
    return plan_policy(plan)


def check_guard(plan: PrunePlan, *, force: bool = False) -> None:
    """GuardError when the plan exceeds its guard (``max_delete``,
    ``max_delete_share``) and ``force`` is false; no I/O. The guard is judged on the
    plan's rows (a plan may have been edited after review, or come without its guard
    field), not only on the plan's own verdict. ValidationError when the plan's
    ``policy`` field does not rebuild into a policy."""
    check_type("plan", plan, PrunePlan, "a PrunePlan")
    check_bool("force", force)
    guard = _guard_error(plan, plan_policy(plan))
    if guard is not None and not force:
        raise guard


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

    Every argument and the plan's shape are checked first (ValidationError). Each planned
    deletion is then judged again by the plan's whole policy (:func:`recheck_policy`):
    with ``recheck`` (the default) against the current state, read again, so a plan
    applied after a delay never deletes a version pinned, kept or protected meanwhile;
    without, against the facts the plan's rows recorded. Either way an edited plan never
    deletes what its policy keeps; those versions are skipped and listed in
    ``result.details["skipped"]``. :func:`prune`, which applies right after planning,
    uses the rows (no second read).

    Raises GuardError (before any write) when the plan exceeds its guard and ``force``
    is false, VerificationError when a deleted version is still listed."""
    check_client(client)
    policy = check_apply_arguments(plan, force, batch_size, verify, recheck, progress)
    guard = _guard_error(plan, policy)
    if guard is not None and not force:
        raise guard
    return _apply(client, plan, policy, batch_size=batch_size, verify=verify, read=recheck, progress=progress)


def _apply(
    client: ClientProtocol,
    plan: PrunePlan,
    policy: PrunePolicy,
    *,
    batch_size: int,
    verify: bool,
    read: bool,
    progress: ProgressCallback | None,
    planned_now: bool = False,
) -> OperationResult:
    """Apply ``plan`` (arguments and guard already checked). ``read``: judge the rows by
    a fresh read of the state, else by their recorded facts. ``planned_now``: the plan was
    just made from what was read, which proved its datasets exist."""
    watch = Stopwatch(client)
    skipped = recheck_policy(client, plan, policy, read=read)
    if skipped:
        logger.warning(
            "prune: %d planned deletion(s) skipped, kept by the plan's policy: %s",
            len(skipped),
            ", ".join(sorted(skipped)[:10]),
        )
    targets = {d: [v for v in ids if f"{d}/{v}" not in skipped] for d, ids in plan.to_delete.items()}
    targets = {d: ids for d, ids in targets.items() if ids}
    if targets and not read and not planned_now:
        # Without a fresh read nothing proved the datasets exist: a delete in a dataset
        # (or app) that does not exist would pass for "already gone".
        for dataset_id in targets:
            require_dataset(client, dataset_id, "plan")
    # Each batch deletes its own versions ("not found" is done): order-independent, so
    # the batches run concurrently under the client's rate limiter.
    total = write_in_batches(
        client,
        targets,
        client.delete_dataset_versions,
        batch_size=batch_size,
        progress=progress,
        operation="prune",
        stage="delete",
    )
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
    """Plan, then (unless ``dry_run``) apply and verify. Safe to rerun after a crash.
    Every argument is checked before the first request (ValidationError naming it)."""
    check_client(client)
    check_plan_arguments(datasets, policy, now, progress)
    check_bool("dry_run", dry_run)
    check_bool("force", force)
    check_batch_size(batch_size)
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
    guard = _guard_error(plan, policy)
    if guard is not None and not force:
        raise guard
    # The plan was made just now from what was read: its rows are the current state, and
    # plan_prune proved every dataset exists (an empty dataset list reads nothing).
    result = _apply(
        client, plan, policy, batch_size=batch_size, verify=True, read=False, progress=progress, planned_now=True
    )
    result.elapsed, result.requests = watch.elapsed, watch.requests
    return plan, result
