"""Train/test(/validation) splits of a dataset, a dataset version, or the whole app.

Assignment is a pure function of ``(seed, unit key)`` computed with blake2b, so it is
the same on every machine and run. A *unit* is an input, or, with ``group_by``, every
input sharing one value of ``metadata[group_by]`` (a group never straddles splits).

Two schemes, and the trade-off between them:

* **hash threshold** (default): a unit's hash maps to a point in [0, 1) and the split
  is the ratio interval it falls in. Stable under growth: adding inputs never moves an
  existing one. Split sizes follow the ratios only statistically.
* **stratified** (``stratify=True``): within each stratum (an input's first concept id
  in sorted order; "" when unlabeled), units are ordered by hash and split by exact
  counts (largest remainder), so every stratum's split sizes are within one unit of
  the target ratio. Not stable under growth: a new input can shift the ranks. The
  incremental mode therefore never moves an input already placed in a target; the
  exact mode re-balances (moves inputs).

Modes: ``incremental`` adds what is missing; ``exact`` also removes inputs that do not
belong so each target equals its plan; ``server`` runs the API's split_into_datasets
bulk operation (random, not reproducible) and polls it to completion.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connector.errors import (
    ConflictError,
    MissingObjectError,
    NotFoundError,
    ValidationError,
    VerificationError,
    WaitFailedError,
)
from connector.objects import DatasetVersion
from connector.operations.base import (
    OperationResult,
    Plan,
    ProgressCallback,
    Stopwatch,
    chunked,
    deterministic_id,
    is_valid_id,
    report,
    stable_hash,
)
from connector.operations.idempotent import create_or_adopt, read_or_none
from connector.operations.waits import wait_bulk_operation, wait_dataset_version
from connector.protocols import ClientProtocol
from connector.status_codes import VERSION_READY, status_code_of

logger = logging.getLogger(__name__)

MODES = ("incremental", "exact", "server")


# -- pure assignment -------------------------------------------------------------------


def unit_point(seed: str, key: str) -> float:
    """A reproducible point in [0, 1) for ``key`` under ``seed`` (blake2b, 53 bits)."""
    value = int.from_bytes(stable_hash("split", seed, key, size=8), "big") >> 11
    return value / float(1 << 53)


def assign_by_hash(seed: str, key: str, ratios: Sequence[tuple[str, float]]) -> str:
    """The split of one unit under the growth-stable hash-threshold scheme."""
    point = unit_point(seed, key)
    acc = 0.0
    for name, ratio in ratios:
        acc += ratio
        if point < acc:
            return name
    return ratios[-1][0]


def exact_counts(n: int, ratios: Sequence[tuple[str, float]]) -> dict[str, int]:
    """Split ``n`` units by largest remainder: each count is within one of ``n*ratio``
    and the counts sum to ``n``. Ties go to the earlier split."""
    raw = [(name, n * r) for name, r in ratios]
    counts = {name: math.floor(x) for name, x in raw}
    rest = n - sum(counts.values())
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i][1] - math.floor(raw[i][1])), i))
    for i in order[:rest]:
        counts[raw[i][0]] += 1
    return counts


def assign_stratified(seed: str, keys: Iterable[str], ratios: Sequence[tuple[str, float]]) -> dict[str, str]:
    """Assign the units of one stratum by rank of hash with exact counts."""
    ordered = sorted(set(keys), key=lambda k: (stable_hash("split", seed, k, size=8), k))
    counts = exact_counts(len(ordered), ratios)
    out: dict[str, str] = {}
    pos = 0
    for name, _ in ratios:
        for key in ordered[pos : pos + counts[name]]:
            out[key] = name
        pos += counts[name]
    return out


@dataclasses.dataclass(frozen=True)
class SourceInput:
    """What assignment needs of one input: its id, concept ids and metadata."""

    id: str
    concepts: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def stratum(self) -> str:
        return min(self.concepts) if self.concepts else ""


def unit_key(item: SourceInput, group_by: str | None) -> str:
    if group_by:
        value = item.metadata.get(group_by) if isinstance(item.metadata, Mapping) else None
        if value is not None and value != "":
            return f"group:{value}"
    return f"input:{item.id}"


def assign(
    items: Sequence[SourceInput],
    ratios: Sequence[tuple[str, float]],
    *,
    seed: str,
    stratify: bool = False,
    group_by: str | None = None,
) -> dict[str, str]:
    """Input id -> split name: the pure plan. See the module docstring for the schemes.

    With ``group_by``, a group's stratum is the stratum of its member with the smallest
    id, and whole groups are the units counted by stratification.
    """
    units: dict[str, list[SourceInput]] = {}
    for item in items:
        units.setdefault(unit_key(item, group_by), []).append(item)
    unit_split: dict[str, str] = {}
    if stratify:
        strata: dict[str, list[str]] = {}
        for key, members in units.items():
            strata.setdefault(min(members, key=lambda m: m.id).stratum, []).append(key)
        for keys in strata.values():
            unit_split.update(assign_stratified(seed, keys, ratios))
    else:
        for key in units:
            unit_split[key] = assign_by_hash(seed, key, ratios)
    return {item.id: unit_split[key] for key, members in units.items() for item in members}


# -- spec and plan ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SplitSpec:
    """What to split and how. Exactly one source: ``dataset_id`` (optionally with
    ``version_id``) or ``app=True`` (optionally ``concepts`` to filter by).

    ``ratios`` maps split names (train/test/validation...) to shares summing to 1;
    ``targets`` maps split names to dataset ids (default ``<source>-<split>``).
    """

    dataset_id: str | None = None
    version_id: str | None = None
    app: bool = False
    concepts: tuple[str, ...] = ()
    ratios: Mapping[str, float] = dataclasses.field(default_factory=lambda: {"train": 0.8, "test": 0.2})
    targets: Mapping[str, str] = dataclasses.field(default_factory=dict)
    seed: str = "0"
    stratify: bool = False
    group_by: str | None = None
    mode: str = "incremental"
    snapshot: bool = False
    run_key: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "concepts", tuple(self.concepts or ()))
        object.__setattr__(self, "ratios", dict(self.ratios))
        object.__setattr__(self, "targets", dict(self.targets or {}))
        object.__setattr__(self, "seed", str(self.seed))
        self.validate()

    @property
    def source_name(self) -> str:
        return self.dataset_id if self.dataset_id else "app"

    def ordered_ratios(self) -> list[tuple[str, float]]:
        return [(k, float(v)) for k, v in self.ratios.items()]

    def target_of(self, split: str) -> str:
        return self.targets.get(split) or f"{self.source_name}-{split}"

    def validate(self) -> None:
        """Raise ValidationError for any bad argument (called before any read/write)."""
        if bool(self.dataset_id) == bool(self.app):
            raise ValidationError("give exactly one source: dataset_id=... or app=True")
        if self.dataset_id is not None and not is_valid_id(self.dataset_id):
            raise ValidationError(f"invalid source dataset id {self.dataset_id!r}")
        if self.version_id is not None and (not self.dataset_id or not is_valid_id(self.version_id)):
            raise ValidationError(f"version_id {self.version_id!r} needs a valid dataset_id and must be a valid id")
        if self.concepts and not self.app:
            raise ValidationError("concepts filters an app source only (use app=True)")
        if self.mode not in MODES:
            raise ValidationError(f"mode must be one of {MODES}, got {self.mode!r}")
        if len(self.ratios) < 2:
            raise ValidationError(f"give at least two splits, got {list(self.ratios)}")
        for name, value in self.ratios.items():
            if not is_valid_id(str(name)):
                raise ValidationError(f"invalid split name {name!r}")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < float(value) < 1):
                raise ValidationError(f"ratio of {name!r} must be a number in (0, 1), got {value!r}")
        total = sum(float(v) for v in self.ratios.values())
        if abs(total - 1.0) > 1e-6:
            raise ValidationError(f"ratios must sum to 1, got {total:g} ({dict(self.ratios)})")
        unknown = set(self.targets) - set(self.ratios)
        if unknown:
            raise ValidationError(f"targets names splits that have no ratio: {sorted(unknown)}")
        names = [self.target_of(s) for s in self.ratios]
        bad = [n for n in names if not is_valid_id(n)]
        if bad:
            raise ValidationError(f"invalid target dataset ids: {bad}")
        if len(set(names)) != len(names):
            raise ValidationError(f"two splits share one target dataset: {names}")
        if self.dataset_id and self.dataset_id in names:
            raise ValidationError(f"a target equals the source dataset {self.dataset_id!r}")
        if self.group_by is not None and (not isinstance(self.group_by, str) or not self.group_by):
            raise ValidationError("group_by must be a non-empty metadata key")
        if self.mode == "server":
            if self.stratify or self.group_by:
                raise ValidationError("server mode is a random split: it supports neither stratify nor group_by")
            if self.version_id or self.concepts:
                raise ValidationError("server mode splits a whole dataset or the whole app only")
            if any(abs(float(v) * 100 - round(float(v) * 100)) > 1e-9 for v in self.ratios.values()):
                raise ValidationError("server mode takes whole percentages (e.g. 0.8, 0.15)")
        if self.run_key is not None and not str(self.run_key):
            raise ValidationError("run_key must not be empty")


@dataclasses.dataclass
class SplitPlan(Plan):
    """One row per (input, target) decision: ``action`` is ``add``, ``keep`` (already
    there), ``remove`` (exact mode) or ``stay`` (incremental mode: placed elsewhere
    before, not moved)."""

    spec: dict[str, Any] = dataclasses.field(default_factory=dict)
    targets: dict[str, str] = dataclasses.field(default_factory=dict)  # split -> dataset id
    create_datasets: list[str] = dataclasses.field(default_factory=list)
    source_count: int = 0
    #: split -> planned member input ids (the state the targets must reach)
    members: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    #: server mode: the bulk operation id and whether it exists already
    bulk_operation_id: str | None = None
    bulk_operation_exists: bool = False

    def columns(self) -> Sequence[str]:
        return ("input_id", "stratum", "unit", "split", "target", "action")

    def actions(self, action: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for row in self.rows:
            if row["action"] == action:
                out.setdefault(row["target"], []).append(row["input_id"])
        return out


def _source_input(obj: Mapping[str, Any]) -> SourceInput:
    inp = obj.get("input", obj) if isinstance(obj, Mapping) else {}
    data = inp.get("data") or {}
    concepts = tuple(
        sorted(
            {str(c.get("id")) for c in data.get("concepts") or [] if c.get("id") and float(c.get("value", 1) or 0) > 0}
        )
    )
    return SourceInput(id=str(inp.get("id")), concepts=concepts, metadata=dict(data.get("metadata") or {}))


def read_source(client: ClientProtocol, spec: SplitSpec) -> list[SourceInput]:
    """The inputs of the source. A dataset version is read through its dataset (the API
    lists a dataset's inputs only: ListDatasetInputsRequest has no version filter); the
    version must exist, be READY, and hold as many inputs as the dataset has now,
    otherwise ValidationError."""
    if spec.dataset_id:
        try:
            client.get_dataset(spec.dataset_id)
        except NotFoundError as exc:
            raise MissingObjectError(f"source dataset {spec.dataset_id!r} does not exist") from exc
        items = [_source_input(i) for i in client.list_dataset_inputs(spec.dataset_id)]
        if spec.version_id:
            try:
                version = client.get_dataset_version(spec.dataset_id, spec.version_id)
            except NotFoundError as exc:
                raise MissingObjectError(f"dataset version {spec.dataset_id}/{spec.version_id} does not exist") from exc
            if status_code_of(version) not in VERSION_READY:
                raise ValidationError(f"dataset version {spec.dataset_id}/{spec.version_id} is not READY")
            count = ((version.get("metrics") or {}).get("/") or {}).get("inputs_count")
            if count is not None and int(count) != len(items):
                raise ValidationError(
                    f"dataset {spec.dataset_id!r} changed since version {spec.version_id!r} "
                    f"({len(items)} inputs now, {count} in the version); the API cannot list a "
                    "version's inputs, so split the dataset itself or a fresh version"
                )
        return items
    items = [_source_input(i) for i in client.list_inputs()]
    if spec.concepts:
        wanted = set(spec.concepts)
        items = [i for i in items if wanted & set(i.concepts)]
    return items


def _members(client: ClientProtocol, dataset_id: str) -> set[str] | None:
    try:
        client.get_dataset(dataset_id)
    except NotFoundError:
        return None
    return {str((i.get("input") or i).get("id")) for i in client.list_dataset_inputs(dataset_id)}


def plan_split(client: ClientProtocol, spec: SplitSpec, *, progress: ProgressCallback | None = None) -> SplitPlan:
    """Read the source and the targets and decide; writes nothing."""
    spec.validate()
    ratios = spec.ordered_ratios()
    targets = {split: spec.target_of(split) for split, _ in ratios}
    source = read_source(client, spec)
    report(progress, "split", "read source", len(source), len(source), spec.source_name)
    current = {split: _members(client, ds) for split, ds in targets.items()}
    create = [targets[s] for s, m in current.items() if m is None]
    spec_dict = dataclasses.asdict(spec)
    plan = SplitPlan(
        operation="split", rows=[], spec=spec_dict, targets=targets, create_datasets=create, source_count=len(source)
    )
    if spec.mode == "server":
        op_id = deterministic_id("split", spec.run_key or "", spec.source_name, sorted(targets.items()), ratios)
        plan.bulk_operation_id = op_id
        plan.bulk_operation_exists = _server_split_exists(client, op_id, targets, current)
        return plan
    if spec.group_by:
        _check_group_key(source, spec.group_by)
    planned = assign(source, ratios, seed=spec.seed, stratify=spec.stratify, group_by=spec.group_by)
    by_id = {i.id: i for i in source}
    placed: dict[str, set[str]] = {}  # input id -> splits it is in now
    for split, held in current.items():
        for iid in held or ():
            placed.setdefault(iid, set()).add(split)
    members: dict[str, list[str]] = {s: [] for s, _ in ratios}
    rows: list[dict[str, Any]] = []
    for iid in sorted(by_id):
        item = by_id[iid]
        want = planned[iid]
        now_in = placed.get(iid, set())
        if spec.mode == "incremental" and now_in and want not in now_in:
            # Placed before under another plan (the source grew): never moved.
            for split in sorted(now_in):
                members[split].append(iid)
                rows.append(_row(item, spec, split, targets[split], "stay"))
            continue
        members[want].append(iid)
        rows.append(_row(item, spec, want, targets[want], "keep" if want in now_in else "add"))
        if spec.mode == "exact":
            for split in sorted(now_in - {want}):
                rows.append(_row(item, spec, split, targets[split], "remove"))
    if spec.mode == "exact":
        for split, current_members in current.items():
            for iid in sorted((current_members or set()) - set(by_id)):
                rows.append(
                    {
                        "input_id": iid,
                        "stratum": None,
                        "unit": None,
                        "split": split,
                        "target": targets[split],
                        "action": "remove",
                    }
                )
    plan.rows = rows
    plan.members = {s: sorted(v) for s, v in members.items()}
    return plan


def _check_group_key(source: Sequence[SourceInput], key: str) -> None:
    """ValidationError when no source input has ``metadata[key]``: grouping by a key
    nobody carries would silently split input by input (a typo, most likely)."""
    if not source or any(key in item.metadata for item in source if isinstance(item.metadata, Mapping)):
        return
    seen = sorted({k for item in source if isinstance(item.metadata, Mapping) for k in item.metadata})
    known = f"the keys they have: {seen[:20]}" if seen else "they have no metadata"
    raise ValidationError(
        f"group_by key {key!r} is in the metadata of none of the {len(source)} source inputs ({known})"
    )


def _server_split_exists(
    client: Any, op_id: str, targets: Mapping[str, str], current: Mapping[str, set[str] | None]
) -> bool:
    """Whether the server split's bulk operation exists; when it does not, every target
    must be empty (ValidationError otherwise: the operation would mix into them)."""
    if read_or_none(lambda: client.get_bulk_operation(op_id)) is not None:
        return True
    busy = [targets[s] for s, m in current.items() if m]
    if busy:
        raise ValidationError(
            f"server-side split needs empty targets, but {busy} already hold inputs; "
            "use incremental/exact mode, or empty the targets first"
        )
    return False


def _row(item: SourceInput, spec: SplitSpec, split: str, target: str, action: str) -> dict[str, Any]:
    return {
        "input_id": item.id,
        "stratum": item.stratum,
        "unit": unit_key(item, spec.group_by),
        "split": split,
        "target": target,
        "action": action,
    }


# -- apply -----------------------------------------------------------------------------


def _spec_from_plan(plan: SplitPlan) -> SplitSpec:
    return SplitSpec(**plan.spec)


def ensure_dataset(client: ClientProtocol, dataset_id: str) -> bool:
    """Create dataset ``dataset_id`` unless it exists; True if this call created it.
    Idempotent (an existing dataset with that id is adopted)."""
    if read_or_none(lambda: client.get_dataset(dataset_id)) is not None:
        return False
    _, created = create_or_adopt(
        lambda: client.post_datasets([{"id": dataset_id}])[0],
        lambda: read_or_none(lambda: client.get_dataset(dataset_id)),
        what=f"dataset {dataset_id}",
    )
    return created


def apply_split(
    client: ClientProtocol,
    plan: SplitPlan,
    *,
    batch_size: int = 128,
    timeout: float = 600.0,
    poll_interval: float = 0.25,
    recheck: bool = True,
    progress: ProgressCallback | None = None,
) -> OperationResult:
    """Write the plan: create missing targets, add (and in exact mode remove) inputs in
    batches, or run the server-side bulk split; then verify (VerificationError on
    leakage or a target that differs from its plan) and optionally snapshot each target
    as a dataset version with a deterministic id, waited until READY. Idempotent.

    With ``recheck`` (the default) the source and the targets are read again first
    (:func:`recheck_split`), so a plan applied after a delay is narrowed to what still
    holds: an input that left the source is not added (listed in
    ``result.details["skipped"]``), inputs that joined the source since are left for
    the next plan (counted in ``details["not_in_plan"]``), and a plan the current state
    contradicts otherwise raises ConflictError before any write. :func:`split`, which
    applies right after planning, skips this second read."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValidationError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    spec = _spec_from_plan(plan)
    _check_plan_targets(plan, spec)
    watch = Stopwatch(client)
    skipped: dict[str, str] = {}
    not_in_plan = 0
    if recheck:
        plan, skipped, not_in_plan = recheck_split(client, plan)
        if skipped:
            logger.warning(
                "split: %d planned write(s) skipped, changed since the plan was made: %s",
                len(skipped),
                ", ".join(sorted(skipped)[:10]),
            )
    created = [ds for ds in plan.create_datasets if ensure_dataset(client, ds)]
    added = removed = 0
    source_ids: set[str] | None = None
    if spec.mode == "server":
        # Read once: the bulk operation's input ids (app source) and the verification.
        source_ids = {i.id for i in read_source(client, spec)}
        _apply_server(client, spec, plan, source_ids, timeout=timeout, poll_interval=poll_interval, progress=progress)
    else:
        removes = plan.actions("remove")
        total = sum(map(len, removes.values()))
        for target, ids in removes.items():
            for chunk in chunked(ids, batch_size):
                client.delete_dataset_inputs(target, chunk)
                removed += len(chunk)
                report(progress, "split", "remove", removed, total, target)
        adds = plan.actions("add")
        total = sum(map(len, adds.values()))
        for target, ids in adds.items():
            for chunk in chunked(ids, batch_size):
                client.post_dataset_inputs(target, chunk, ignore_duplicates=True)
                added += len(chunk)
                report(progress, "split", "add", added, total, target)
    counts_by_split = verify_split(client, plan, spec, source_ids=source_ids)
    result = OperationResult(
        operation="split",
        counts={
            "source": plan.source_count,
            "added": added,
            "removed": removed,
            "datasets_created": len(created),
            **{f"split_{s}": len(ids) for s, ids in counts_by_split.items()},
        },
        ids={"targets": list(plan.targets.values()), "datasets_created": created},
        details={
            "per_split": {s: len(ids) for s, ids in counts_by_split.items()},
            "per_concept": _per_concept(plan, counts_by_split) if spec.mode != "server" else {},
            **({"skipped": dict(sorted(skipped.items()))} if skipped else {}),
            **({"not_in_plan": not_in_plan} if not_in_plan else {}),
        },
    )
    if spec.snapshot:
        result.ids["versions"] = snapshot_targets(
            client, plan, counts_by_split, spec, timeout=timeout, poll_interval=poll_interval, progress=progress
        )
    result.elapsed, result.requests = watch.elapsed, watch.requests
    return result


def recheck_split(client: Any, plan: SplitPlan) -> tuple[SplitPlan, dict[str, str], int]:
    """The plan narrowed to what still holds now, for an apply that comes after a
    delay: ``(plan, skipped, not_in_plan)``. Read-only (it plans again from the same
    spec and compares).

    * a planned add of an input that is no longer in the source is dropped and listed
      in ``skipped`` (``"target/input" -> reason``), and the input is no longer
      expected in its target;
    * a planned write that is done already (the input is there, or gone) is dropped;
    * writes a plan made now would add (inputs that joined the source) are not made:
      ``not_in_plan`` counts them (plan again to place them);
    * anything else the current state contradicts (an input now placed in another
      target, a removal this plan did not review) raises ConflictError: make the plan
      again.
    Server mode reads only the targets and the operation (they decide whether the
    operation is created, and it must not be while a target holds inputs).
    """
    spec = _spec_from_plan(plan)
    if spec.mode == "server":
        # The source is read when applying anyway; only the targets and the operation.
        current = {split: _members(client, ds) for split, ds in plan.targets.items()}
        assert plan.bulk_operation_id
        exists = _server_split_exists(client, plan.bulk_operation_id, plan.targets, current)
        create = [plan.targets[s] for s, m in current.items() if m is None]
        return dataclasses.replace(plan, bulk_operation_exists=exists, create_datasets=create), {}, 0
    fresh = plan_split(client, spec)
    writes = ("add", "remove")
    fresh_rows: dict[tuple[str, str], str] = {(r["target"], r["input_id"]): r["action"] for r in fresh.rows}
    in_source = {r["input_id"] for r in fresh.rows if r.get("unit") is not None}
    planned = {(r["action"], r["target"], r["input_id"]) for r in plan.rows if r["action"] in writes}
    unreviewed = sorted(
        f"{r['target']}/{r['input_id']}"
        for r in fresh.rows
        if r["action"] == "remove" and ("remove", r["target"], r["input_id"]) not in planned
    )
    if unreviewed:
        raise ConflictError(
            f"the targets changed since the split plan was made: a plan made now also removes {unreviewed[:10]}"
            + (f" (+{len(unreviewed) - 10} more)" if len(unreviewed) > 10 else "")
            + "; make the plan again"
        )
    skipped: dict[str, str] = {}
    contradicted: list[str] = []
    rows: list[dict[str, Any]] = []
    members = {split: list(ids) for split, ids in plan.members.items()}
    split_of_target = {target: split for split, target in plan.targets.items()}
    for row in plan.rows:
        action, key = row["action"], (row["target"], row["input_id"])
        now = fresh_rows.get(key)
        if action not in writes or now == action:
            rows.append(row)
            continue
        name = f"{row['target']}/{row['input_id']}"
        if action == "add" and now in ("keep", "stay"):
            continue  # there already
        if action == "remove" and now is None:
            continue  # gone already
        if action == "add" and row["input_id"] not in in_source:
            skipped[name] = "skipped: no longer in the source"
            split = split_of_target.get(row["target"])
            if split in members:
                members[split] = [i for i in members[split] if i != row["input_id"]]
            continue
        contradicted.append(name)
    if contradicted:
        raise ConflictError(
            f"the source or the targets changed since the split plan was made: {len(contradicted)} planned "
            f"write(s) no longer match a plan made now (e.g. {sorted(contradicted)[:5]}); make the plan again"
        )
    not_in_plan = sum(
        1 for r in fresh.rows if r["action"] == "add" and ("add", r["target"], r["input_id"]) not in planned
    )
    narrowed = dataclasses.replace(
        plan,
        rows=rows,
        members=members,
        create_datasets=[d for d in plan.create_datasets if d in fresh.create_datasets],
    )
    return narrowed, skipped, not_in_plan


def _check_plan_targets(plan: SplitPlan, spec: SplitSpec) -> None:
    """ValidationError (before any write) unless every dataset the plan writes to is
    one of its spec's targets: a plan edited after review must never add to, remove
    from or create the source or an unrelated dataset."""
    expected = {split: spec.target_of(split) for split, _ in spec.ordered_ratios()}
    if dict(plan.targets) != expected:
        raise ValidationError(
            f"the plan's targets {dict(plan.targets)} are not those of its spec {expected}; make the plan again"
        )
    allowed = set(expected.values())
    named = {str(r.get("target")) for r in plan.rows if r.get("action") in ("add", "remove")} | set(
        plan.create_datasets
    )
    stray = sorted(named - allowed)
    if stray:
        raise ValidationError(
            f"the plan writes to {stray}, not one of the plan's targets {sorted(allowed)}; make the plan again"
        )


def _apply_server(
    client: ClientProtocol,
    spec: SplitSpec,
    plan: SplitPlan,
    source_ids: set[str],
    *,
    timeout: float,
    poll_interval: float,
    progress: ProgressCallback | None,
) -> None:
    op_id = plan.bulk_operation_id
    assert op_id
    if not plan.bulk_operation_exists:
        body: dict[str, Any] = {
            "id": op_id,
            "operation": {
                "split_into_datasets": {
                    "dataset_splits": [
                        {"dataset": {"id": plan.targets[s]}, "percentage": round(r * 100)}
                        for s, r in spec.ordered_ratios()
                    ],
                    "method": "RANDOM_PERCENTAGE_SPLIT",
                }
            },
        }
        if spec.dataset_id:
            body["dataset"] = {"id": spec.dataset_id}
        else:
            body["input_ids"] = {"input_ids": sorted(source_ids)}
        create_or_adopt(
            lambda: client.post_bulk_operations([body])[0],
            lambda: read_or_none(lambda: client.get_bulk_operation(op_id)),
            what=f"bulk operation {op_id}",
        )
    try:
        wait_bulk_operation(client, op_id, timeout=timeout, interval=poll_interval, progress=progress)
    except WaitFailedError as exc:
        # The id is deterministic: a rerun with the same arguments adopts this ended
        # operation again, so "run again" alone can never succeed.
        raise exc.with_hint(
            "a rerun with the same arguments adopts this same operation, so start a fresh server split with "
            "another run_key (CLI: --run-key), after emptying the targets "
            f"{sorted(plan.targets.values())} of anything it placed there"
        ) from exc


def verify_split(
    client: ClientProtocol, plan: SplitPlan, spec: SplitSpec, *, source_ids: set[str] | None = None
) -> dict[str, set[str]]:
    """List every target again; raise VerificationError on leakage (an input in two
    targets), on a planned input missing, on (exact mode) an unplanned input present,
    or (server mode) a union different from the source (``source_ids`` when the caller
    has read it already). Returns split -> members."""
    actual = {s: _members(client, ds) or set() for s, ds in plan.targets.items()}
    seen: dict[str, str] = {}
    leaks: list[str] = []
    for split, members in actual.items():
        for iid in members:
            if iid in seen:
                leaks.append(f"{iid} in {seen[iid]} and {split}")
            seen[iid] = split
    if leaks:
        raise VerificationError(
            f"leakage between split targets: {leaks[:10]}" + (f" (+{len(leaks) - 10} more)" if len(leaks) > 10 else "")
        )
    if spec.mode == "server":
        source = source_ids if source_ids is not None else {i.id for i in read_source(client, spec)}
        if set(seen) != source:
            raise VerificationError(f"server-side split: targets hold {len(seen)} inputs, the source {len(source)}")
        return actual
    for split, want in plan.members.items():
        missing = set(want) - actual[split]
        if missing:
            raise VerificationError(
                f"target {plan.targets[split]!r} lacks planned inputs {sorted(missing)[:10]}; run again"
            )
        if spec.mode == "exact":
            extra = actual[split] - set(want)
            if extra:
                raise VerificationError(f"target {plan.targets[split]!r} holds unplanned inputs {sorted(extra)[:10]}")
    return actual


def _per_concept(plan: SplitPlan, members: Mapping[str, set[str]]) -> dict[str, dict[str, int]]:
    stratum = {r["input_id"]: r.get("stratum") for r in plan.rows if r["action"] != "remove"}
    out: dict[str, dict[str, int]] = {}
    for split, ids in members.items():
        for iid in ids:
            key = stratum.get(iid) or "(none)"
            out.setdefault(key, {}).setdefault(split, 0)
            out[key][split] += 1
    return out


def snapshot_targets(
    client: ClientProtocol,
    plan: SplitPlan,
    members: Mapping[str, set[str]],
    spec: SplitSpec,
    *,
    timeout: float,
    poll_interval: float = 0.25,
    progress: ProgressCallback | None = None,
) -> list[str]:
    """Create one dataset version per target (id from the run key, or from the target's
    members) unless it exists; wait until each is READY. Returns ``dataset/version`` ids."""
    out = []
    for split, dataset_id in plan.targets.items():
        vid = deterministic_id("split", spec.run_key or "", dataset_id, sorted(members[split]))

        def read(dataset_id: str = dataset_id, vid: str = vid) -> DatasetVersion | None:
            return read_or_none(lambda: client.get_dataset_version(dataset_id, vid))

        def create(dataset_id: str = dataset_id, vid: str = vid) -> DatasetVersion:
            return client.post_dataset_versions(dataset_id, [{"id": vid}])[0]

        if read() is None:
            create_or_adopt(create, read, what=f"dataset version {dataset_id}/{vid}")
        wait_dataset_version(client, dataset_id, vid, timeout=timeout, interval=poll_interval, progress=progress)
        out.append(f"{dataset_id}/{vid}")
    return out


def split(
    client: ClientProtocol,
    spec: SplitSpec,
    *,
    dry_run: bool = False,
    batch_size: int = 128,
    timeout: float = 600.0,
    poll_interval: float = 0.25,
    progress: ProgressCallback | None = None,
) -> tuple[SplitPlan, OperationResult]:
    """Plan, then (unless ``dry_run``) apply and verify. Safe to rerun after a crash."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValidationError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    watch = Stopwatch(client)
    plan = plan_split(client, spec, progress=progress)
    if dry_run:
        adds, removes = plan.actions("add"), plan.actions("remove")
        return plan, OperationResult(
            operation="split",
            dry_run=True,
            counts={
                "source": plan.source_count,
                "would_add": sum(map(len, adds.values())),
                "would_remove": sum(map(len, removes.values())),
                "would_create": len(plan.create_datasets),
                **{f"split_{s}": len(v) for s, v in plan.members.items()},
            },
            ids={"targets": list(plan.targets.values()), "would_create": plan.create_datasets},
            elapsed=watch.elapsed,
            requests=watch.requests,
        )
    result = apply_split(
        client,
        plan,
        batch_size=batch_size,
        timeout=timeout,
        poll_interval=poll_interval,
        recheck=False,
        progress=progress,
    )
    result.elapsed, result.requests = watch.elapsed, watch.requests
    return plan, result
