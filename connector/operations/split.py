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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from connector.errors import (
    ConflictError,
    GuardError,
    MissingObjectError,
    NotFoundError,
    ValidationError,
    VerificationError,
    WaitFailedError,
)
from connector.ids import shown
from connector.objects import DatasetVersion
from connector.operations.base import (
    OperationResult,
    Plan,
    ProgressCallback,
    Stopwatch,
    check_field,
    check_id_list,
    deterministic_id,
    report,
    stable_hash,
)
from connector.operations.batches import write_in_batches
from connector.operations.checks import (
    check_batch_size,
    check_bool,
    check_callback,
    check_client,
    check_id,
    check_ids,
    check_type,
    require_app,
    require_dataset,
)
from connector.operations.idempotent import create_or_adopt, read_or_none
from connector.operations.waits import check_schedule, wait_bulk_operation, wait_dataset_version
from connector.protocols import ClientProtocol
from connector.status_codes import VERSION_READY, status_code_of

logger = logging.getLogger(__name__)

MODES = ("incremental", "exact", "server")
#: The metadata key under which a target created by a split records its source.
SOURCE_KEY = "split_source"
#: The longest the waits of a split may poll between reads (seconds).
MAX_POLL_INTERVAL = 10.0


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
        if isinstance(self.concepts, str):
            raise ValidationError(
                "{argument} must be a collection of concept ids, not one string (wrap it: [{value}])",
                argument="concepts",
                value=shown(self.concepts),
            )
        object.__setattr__(
            self, "concepts", tuple(check_ids("concepts", self.concepts or (), "concept id", empty=True))
        )
        for name in ("ratios", "targets"):
            value = getattr(self, name)
            if value is None and name == "targets":
                value = {}
            if not isinstance(value, Mapping):
                raise ValidationError(
                    "{argument} must be a mapping of split names to {what}, got {value}",
                    argument=name,
                    what="shares" if name == "ratios" else "dataset ids",
                    value=shown(value),
                )
            object.__setattr__(self, name, dict(value))
        if isinstance(self.seed, bool) or not isinstance(self.seed, str | int):
            raise ValidationError(
                "{argument} must be a string or an integer, got {value}", argument="seed", value=shown(self.seed)
            )
        object.__setattr__(self, "seed", str(self.seed))
        self.validate()

    @property
    def source_name(self) -> str:
        return self.dataset_id if self.dataset_id else "app"

    @property
    def source_label(self) -> str:
        """The source in words: ``dataset 'x'``, ``app inputs with concept(s) [...]``."""
        if self.dataset_id:
            version = f" (version {self.version_id!r})" if self.version_id else ""
            return f"dataset {self.dataset_id!r}{version}"
        return f"the app's inputs with concept(s) {list(self.concepts)}" if self.concepts else "the app's inputs"

    def provenance(self) -> dict[str, Any]:
        """What a target created by this split records in its metadata (``split_source``):
        the source dataset, or the app and its concept filter."""
        if self.dataset_id:
            return {"dataset_id": self.dataset_id}
        return {"app": True, "concepts": sorted(self.concepts)}

    def ordered_ratios(self) -> list[tuple[str, float]]:
        return [(k, float(v)) for k, v in self.ratios.items()]

    def target_of(self, split: str) -> str:
        return self.targets.get(split) or f"{self.source_name}-{split}"

    def validate(self) -> None:
        """Raise ValidationError naming the argument for any bad one (called before any
        read or write)."""
        check_bool("app", self.app)
        check_bool("stratify", self.stratify)
        check_bool("snapshot", self.snapshot)
        if self.dataset_id is not None:
            check_id("dataset_id", self.dataset_id, "dataset id")
        if bool(self.dataset_id) == bool(self.app):
            raise ValidationError(
                "give exactly one source: {dataset_id} or {app}",
                argument="dataset_id",
                spell={"dataset_id": "dataset_id=...", "app": "app=True"},
            )
        if self.version_id is not None:
            check_id("version_id", self.version_id, "dataset version id")
            if not self.dataset_id:
                raise ValidationError(
                    "{argument} {value!r} needs a source dataset ({dataset_id})",
                    argument="version_id",
                    value=self.version_id,
                )
        if self.concepts and not self.app:
            raise ValidationError(
                "{argument} filters an app source only (use {app})", argument="concepts", spell={"app": "app=True"}
            )
        if self.mode not in MODES:
            raise ValidationError(
                "{argument} must be one of {modes}, got {value}", argument="mode", modes=MODES, value=shown(self.mode)
            )
        if len(self.ratios) < 2:
            raise ValidationError(
                "give at least two splits in {argument}, got {names}", argument="ratios", names=list(self.ratios)
            )
        for name, value in self.ratios.items():
            check_id("ratios", name, "split name")
            if isinstance(value, bool) or not isinstance(value, int | float) or not (0 < float(value) < 1):
                raise ValidationError(
                    "{argument}: the share of {name!r} must be a number in (0, 1), got {value}",
                    argument="ratios",
                    name=name,
                    value=shown(value),
                )
        total = sum(float(v) for v in self.ratios.values())
        if abs(total - 1.0) > 1e-6:
            raise ValidationError(
                "{argument} must sum to 1, got {total} ({ratios})",
                argument="ratios",
                total=f"{total:g}",
                ratios=str(dict(self.ratios)),
            )
        unknown = set(self.targets) - set(self.ratios)
        if unknown:
            raise ValidationError(
                "{argument} names splits that have no ratio: {unknown}", argument="targets", unknown=sorted(unknown)
            )
        for split, target in self.targets.items():
            check_id("targets", target, f"target dataset id (of split {split!r})")
        names = [self.target_of(s) for s in self.ratios]
        for name in names:
            check_id("targets", name, "target dataset id")
        if len(set(names)) != len(names):
            raise ValidationError(
                "two splits share one target dataset in {argument}: {names}", argument="targets", names=names
            )
        if self.dataset_id and self.dataset_id in names:
            raise ValidationError(
                "a target equals the source dataset {source!r} ({argument})", argument="targets", source=self.dataset_id
            )
        if self.group_by is not None and (not isinstance(self.group_by, str) or not self.group_by.strip()):
            raise ValidationError(
                "{argument} must be a non-empty metadata key, got {value}",
                argument="group_by",
                value=shown(self.group_by),
            )
        if self.mode == "server":
            if self.stratify or self.group_by:
                raise ValidationError(
                    "server mode ({argument}) is a random split: it supports neither {stratify} nor {group_by}",
                    argument="mode",
                )
            if self.version_id or self.concepts:
                raise ValidationError(
                    "server mode ({argument}) splits a whole dataset or the whole app only (no {version_id} or {concepts})",
                    argument="mode",
                )
            for name, value in self.ratios.items():
                if round(float(value) * 100) < 1:
                    raise ValidationError(
                        "server mode gives each split at least 1% in {argument}: {name!r} would get 0%",
                        argument="ratios",
                        name=name,
                    )
            if any(abs(float(v) * 100 - round(float(v) * 100)) > 1e-9 for v in self.ratios.values()):
                raise ValidationError(
                    "server mode takes whole percentages in {argument} (e.g. 0.8, 0.15)", argument="ratios"
                )
        if self.run_key is not None and (not isinstance(self.run_key, str) or not self.run_key.strip()):
            raise ValidationError(
                "{argument} must be a non-empty string, got {value}", argument="run_key", value=shown(self.run_key)
            )


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
    #: server mode: the source's input ids as planned (the bulk operation's input ids for
    #: an app source, and what the targets' union is verified against), so applying the
    #: plan never lists the source again
    source_ids: list[str] | None = None
    #: Why the guard refuses this plan (a target holding inputs from elsewhere, or the
    #: source of another split), if it does; :func:`apply_split` needs ``force`` then.
    guard: str | None = None

    OPERATIONS = ("split",)
    ACTIONS = frozenset({"add", "keep", "remove", "stay"})
    ROW_IDS = ("input_id", "target")
    ROW_TYPES: ClassVar[Mapping[str, tuple[type, ...]]] = {
        "split": (str,),
        "stratum": (str, type(None)),
        "unit": (str, type(None)),
    }

    @classmethod
    def check_fields(cls, values: Mapping[str, Any]) -> None:
        super().check_fields(values)
        spec_fields = {f.name for f in dataclasses.fields(SplitSpec)}
        spec = values.get("spec", {})
        check_field("spec", spec, (dict,))
        unknown = sorted(set(spec) - spec_fields)
        if unknown:
            raise ValidationError(
                "plan field {argument} is not a split setting (known: {known})",
                argument=f"spec.{unknown[0]}",
                known=sorted(spec_fields),
            )
        try:
            SplitSpec(**spec)
        except ValidationError as exc:
            if exc.argument is not None:
                exc.bind({name: f"spec.{name}" for name in spec_fields})
                exc.argument = f"spec.{exc.argument}"
                exc.args = (exc.render(),)
            raise
        for name in ("targets", "members"):
            check_field(name, values.get(name, {}), (dict,))
        for split, target in values.get("targets", {}).items():
            check_id_list(f"targets.{split}", [target])
        for split, ids in values.get("members", {}).items():
            check_id_list(f"members.{split}", ids)
        check_id_list("create_datasets", values.get("create_datasets", []))
        check_field("source_count", values.get("source_count", 0), (int,))
        check_field("bulk_operation_id", values.get("bulk_operation_id"), (str, type(None)))
        check_field("bulk_operation_exists", values.get("bulk_operation_exists", False), (bool,))
        check_field("guard", values.get("guard"), (str, type(None)))
        source_ids = values.get("source_ids")
        if source_ids is not None:
            check_id_list("source_ids", source_ids)

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
    otherwise ValidationError. MissingObjectError when the source dataset, its version
    or the app does not exist."""
    if spec.dataset_id:
        require_dataset(client, spec.dataset_id, "dataset_id", "source dataset")
        items = [_source_input(i) for i in client.list_dataset_inputs(spec.dataset_id)]
        if spec.version_id:
            try:
                version = client.get_dataset_version(spec.dataset_id, spec.version_id)
            except NotFoundError as exc:
                raise MissingObjectError(
                    "{argument}: dataset version {dataset}/{version} does not exist",
                    argument="version_id",
                    dataset=spec.dataset_id,
                    version=spec.version_id,
                ) from exc
            if status_code_of(version) not in VERSION_READY:
                raise ValidationError(
                    "{argument}: dataset version {dataset}/{version} is not READY",
                    argument="version_id",
                    dataset=spec.dataset_id,
                    version=spec.version_id,
                )
            count = ((version.get("metrics") or {}).get("/") or {}).get("inputs_count")
            if count is not None and int(count) != len(items):
                raise ValidationError(
                    "{argument}: dataset {dataset!r} changed since version {version!r} ({now} inputs now, {then} in "
                    "the version); the API cannot list a version's inputs, so split the dataset itself or a fresh version",
                    argument="version_id",
                    dataset=spec.dataset_id,
                    version=spec.version_id,
                    now=len(items),
                    then=int(count),
                )
        return items
    try:
        items = [_source_input(i) for i in client.list_inputs()]
    except NotFoundError:
        require_app(client)
        raise
    if spec.concepts:
        wanted = set(spec.concepts)
        items = [i for i in items if wanted & set(i.concepts)]
    return items


def _check_selection(spec: SplitSpec, source: Sequence[SourceInput]) -> None:
    """ValidationError when the source selects no input: an empty split is never what
    was meant (a mistyped concept, a concept found only on annotations, an empty dataset)."""
    if source:
        return
    if spec.concepts:
        raise ValidationError(
            "the selection is empty: no input of the app carries concept(s) {concepts} in its own data "
            "(concepts only on annotations do not count); check {argument}",
            argument="concepts",
            concepts=list(spec.concepts),
        )
    if spec.dataset_id:
        raise ValidationError(
            "source dataset {dataset!r} ({argument}) holds no inputs: nothing to split",
            argument="dataset_id",
            dataset=spec.dataset_id,
        )
    raise ValidationError("the app holds no inputs: nothing to split ({argument})", argument="app")


@dataclasses.dataclass(frozen=True)
class TargetState:
    """A target dataset as found when planning: None members when it does not exist."""

    members: set[str] | None
    provenance: Any = None


def _target_state(client: ClientProtocol, dataset_id: str) -> TargetState:
    dataset = read_or_none(lambda: client.get_dataset(dataset_id))
    if dataset is None:
        return TargetState(None)
    members = {str((i.get("input") or i).get("id")) for i in client.list_dataset_inputs(dataset_id)}
    return TargetState(members, (dataset.get("metadata") or {}).get(SOURCE_KEY))


def _members(client: ClientProtocol, dataset_id: str) -> set[str] | None:
    return _target_state(client, dataset_id).members


def split_guard(
    client: ClientProtocol,
    spec: SplitSpec,
    plan: SplitPlan,
    source_ids: set[str] | Callable[[], set[str]],
    state: Mapping[str, TargetState],
) -> str | None:
    """Why the guard refuses to write to the plan's targets, or None. A target the plan
    writes to is refused when it holds inputs that are not from this source (unless it
    records this same source: then they are inputs the source has lost since) or when it
    is itself the source of another split (a dataset records it as its ``split_source``).
    Reads the app's datasets once, only when a target that the plan writes to exists."""
    written = {r["target"] for r in plan.rows if r["action"] in ("add", "remove")}
    if spec.mode == "server":
        written = set(plan.targets.values())
    existing = {ds: st for ds, st in ((plan.targets[s], st) for s, st in state.items()) if st.members is not None}
    reasons: list[str] = []
    for dataset_id, st in sorted(existing.items()):
        if dataset_id not in written or st.provenance == spec.provenance() or not st.members:
            continue
        if callable(source_ids):  # read the source only when a target needs it
            source_ids = source_ids()
        foreign = st.members - source_ids
        if foreign:
            reasons.append(
                f"target {dataset_id!r} holds {len(foreign)} input(s) not from {spec.source_label} "
                f"(e.g. {sorted(foreign)[0]!r})"
            )
    sources = {ds for ds in existing if ds in written}
    if sources:
        for dataset in client.list_datasets():
            recorded = (dataset.get("metadata") or {}).get(SOURCE_KEY)
            if isinstance(recorded, Mapping) and recorded.get("dataset_id") in sources:
                reasons.append(
                    f"target {recorded['dataset_id']!r} is the source of another split "
                    f"(dataset {dataset.get('id')!r} was split from it)"
                )
    return "; ".join(reasons) or None


def _listed_members(client: ClientProtocol, dataset_id: str) -> set[str]:
    """The input ids of a target that should exist (listed straight away; a missing
    dataset holds nothing)."""
    try:
        return {str((i.get("input") or i).get("id")) for i in client.list_dataset_inputs(dataset_id)}
    except NotFoundError:
        return set()


def plan_split(client: ClientProtocol, spec: SplitSpec, *, progress: ProgressCallback | None = None) -> SplitPlan:
    """Read the source and the targets and decide; writes nothing. ValidationError when
    the source selects no input; the plan's ``guard`` says why applying it needs
    ``force`` (see :func:`split_guard`)."""
    check_client(client)
    check_type("spec", spec, SplitSpec, "a SplitSpec")
    check_callback("progress", progress)
    spec.validate()
    ratios = spec.ordered_ratios()
    targets = {split: spec.target_of(split) for split, _ in ratios}
    source = read_source(client, spec)
    _check_selection(spec, source)
    report(progress, "split", "read source", len(source), len(source), spec.source_name)
    state = {split: _target_state(client, ds) for split, ds in targets.items()}
    current = {split: st.members for split, st in state.items()}
    create = [targets[s] for s, m in current.items() if m is None]
    spec_dict = dataclasses.asdict(spec)
    plan = SplitPlan(
        operation="split", rows=[], spec=spec_dict, targets=targets, create_datasets=create, source_count=len(source)
    )
    if spec.mode == "server":
        op_id = deterministic_id("split", spec.run_key or "", spec.source_name, sorted(targets.items()), ratios)
        plan.bulk_operation_id = op_id
        plan.source_ids = sorted(i.id for i in source)
        plan.bulk_operation_exists = _server_split_exists(client, op_id, targets, current)
        if not plan.bulk_operation_exists:
            plan.guard = split_guard(client, spec, plan, {i.id for i in source}, state)
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
    plan.guard = split_guard(client, spec, plan, set(by_id), state)
    return plan


def _check_group_key(source: Sequence[SourceInput], key: str) -> None:
    """ValidationError when no source input has ``metadata[key]``: grouping by a key
    nobody carries would silently split input by input (a typo, most likely)."""
    if not source or any(key in item.metadata for item in source if isinstance(item.metadata, Mapping)):
        return
    seen = sorted({k for item in source if isinstance(item.metadata, Mapping) for k in item.metadata})
    known = f"the keys they have: {seen[:20]}" if seen else "they have no metadata"
    raise ValidationError(
        "{argument} key {key!r} is in the metadata of none of the {n} source inputs ({known})",
        argument="group_by",
        key=key,
        n=len(source),
        known=known,
    )


def _server_split_exists(
    client: ClientProtocol, op_id: str, targets: Mapping[str, str], current: Mapping[str, set[str] | None]
) -> bool:
    """Whether the server split's bulk operation exists; when it does not, every target
    must be empty (ValidationError otherwise: the operation would mix into them)."""
    if read_or_none(lambda: client.get_bulk_operation(op_id)) is not None:
        return True
    busy = [targets[s] for s, m in current.items() if m]
    if busy:
        raise ValidationError(
            "server-side split ({argument}) needs empty targets, but {busy} already hold inputs; "
            "use incremental/exact mode, or empty the targets first",
            argument="mode",
            busy=busy,
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


def ensure_dataset(client: ClientProtocol, dataset_id: str, metadata: Mapping[str, Any] | None = None) -> bool:
    """Create dataset ``dataset_id`` (with ``metadata``) unless it exists; True if this
    call created it. Idempotent: the plan found it missing, so it is created at once,
    and an existing dataset with that id ("already exists", e.g. made by a run cut
    short after the plan) is adopted as it is."""
    body: dict[str, Any] = {"id": dataset_id}
    if metadata:
        body["metadata"] = dict(metadata)
    _, created = create_or_adopt(
        lambda: client.post_datasets([body])[0],
        lambda: read_or_none(lambda: client.get_dataset(dataset_id)),
        what=f"dataset {dataset_id}",
    )
    return created


def check_apply_arguments(
    plan: object,
    force: object,
    batch_size: object,
    timeout: object,
    poll_interval: object,
    progress: object,
    recheck: object = True,
) -> SplitSpec:
    """Check every argument of :func:`apply_split` and the plan's shape (no I/O); return
    the plan's spec. ValidationError names the argument or the plan field."""
    check_type("plan", plan, SplitPlan, "a SplitPlan (SplitPlan.from_json(text) rebuilds one)")
    assert isinstance(plan, SplitPlan)
    check_bool("force", force)
    check_bool("recheck", recheck)
    check_batch_size(batch_size)
    check_schedule(timeout, poll_interval, MAX_POLL_INTERVAL, names={"interval": "poll_interval"})
    check_callback("progress", progress)
    SplitPlan.check_fields({f.name: getattr(plan, f.name) for f in dataclasses.fields(plan)})
    spec = _spec_from_plan(plan)
    _check_plan_targets(plan, spec)
    return spec


def apply_split(
    client: ClientProtocol,
    plan: SplitPlan,
    *,
    force: bool = False,
    batch_size: int = 128,
    timeout: float = 600.0,
    poll_interval: float = 0.25,
    recheck: bool = True,
    progress: ProgressCallback | None = None,
) -> OperationResult:
    """Write the plan: create missing targets (recording the source in their metadata,
    ``split_source``), add (and in exact mode remove) inputs in batches, or run the
    server-side bulk split; then verify (VerificationError on leakage or a target that
    differs from its plan) and optionally snapshot each target as a dataset version with
    a deterministic id, waited until READY. Idempotent.

    Every argument (the waits' ``timeout`` and ``poll_interval`` included) and the plan's
    shape are checked before the first request (ValidationError).

    With ``recheck`` (the default) the source and the targets are read again first
    (:func:`recheck_split`), so a plan applied after a delay is narrowed to what still
    holds: an input that left the source is not added (listed in
    ``result.details["skipped"]``), inputs that joined the source since are left for
    the next plan (counted in ``details["not_in_plan"]``), and a plan the current state
    contradicts otherwise raises ConflictError before any write. :func:`split`, which
    applies right after planning, skips this second read.

    GuardError, before any write, when the guard refuses the plan (a target holding
    inputs from elsewhere, or the source of another split) and ``force`` is false: judged
    again on the targets as they are now (with ``recheck``, or when the plan carries no
    verdict), else the plan's ``guard`` verdict."""
    check_client(client)
    spec = check_apply_arguments(plan, force, batch_size, timeout, poll_interval, progress, recheck)
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
    if not force:
        # The guard judged on what the targets hold now (a plan made again by the
        # recheck, or read here when the plan's verdict was dropped or never made).
        guard = plan.guard or (None if recheck and spec.mode != "server" else _guard_now(client, spec, plan))
        if guard:
            raise _guard_error(guard)
    result = _apply(
        client,
        plan,
        spec,
        batch_size=batch_size,
        timeout=timeout,
        poll_interval=poll_interval,
        progress=progress,
        # The recheck's fresh plan read the source and the targets (server mode reads only
        # the targets, which does not prove the app exists).
        planned_now=recheck and spec.mode != "server",
    )
    if skipped:
        result.details["skipped"] = dict(sorted(skipped.items()))
    if not_in_plan:
        result.details["not_in_plan"] = not_in_plan
    return result


def _guard_now(client: ClientProtocol, spec: SplitSpec, plan: SplitPlan) -> str | None:
    """The split guard judged on the current state: reads the targets, and the source only
    when a target that holds inputs needs it."""
    state = {split: _target_state(client, ds) for split, ds in plan.targets.items()}
    return split_guard(client, spec, plan, lambda: {i.id for i in read_source(client, spec)}, state)


def check_guard(plan: SplitPlan, *, force: bool = False) -> None:
    """GuardError when the plan's ``guard`` verdict refuses it and ``force`` is false;
    no I/O (:func:`apply_split` judges the guard again on the targets as they are)."""
    check_type("plan", plan, SplitPlan, "a SplitPlan")
    check_bool("force", force)
    if plan.guard and not force:
        raise _guard_error(plan.guard)


def _guard_error(guard: str) -> GuardError:
    return GuardError(
        "refusing to split: {guard}; pass {force} to write to it anyway, or choose other {targets}",
        argument="force",
        spell={"force": "force=True"},
        guard=guard,
    )


def _require_containers(client: ClientProtocol, plan: SplitPlan) -> None:
    """MissingObjectError, before any write, when the app or a target the plan writes to
    (and does not create) is gone: a write there would fail half-way, or (a delete with
    "not found is done") pass for done."""
    require_app(client)
    written = {r["target"] for r in plan.rows if r["action"] in ("add", "remove")}
    for dataset_id in sorted(written - set(plan.create_datasets)):
        require_dataset(client, dataset_id, "plan", "target dataset")


def _apply(
    client: ClientProtocol,
    plan: SplitPlan,
    spec: SplitSpec,
    *,
    batch_size: int,
    timeout: float,
    poll_interval: float,
    progress: ProgressCallback | None,
    planned_now: bool = False,
) -> OperationResult:
    watch = Stopwatch(client)
    if not planned_now:
        _require_containers(client, plan)
    created = [ds for ds in plan.create_datasets if ensure_dataset(client, ds, {SOURCE_KEY: spec.provenance()})]
    added = removed = 0
    source_ids: set[str] | None = None
    if spec.mode == "server":
        # The source was read once, by the plan: its ids are the bulk operation's input
        # ids (app source) and what the verification compares with. A plan saved by an
        # older version has none: read the source then, once.
        planned = plan.source_ids
        source_ids = set(planned) if planned is not None else {i.id for i in read_source(client, spec)}
        _apply_server(client, spec, plan, source_ids, timeout=timeout, poll_interval=poll_interval, progress=progress)
    else:
        # Removes first, then adds (as before): a run cut short between the phases
        # leaves an input in no target rather than in two. Within a phase the batches
        # are order-independent and run concurrently under the client's rate limiter.
        removed = write_in_batches(
            client,
            plan.actions("remove"),
            client.delete_dataset_inputs,
            batch_size=batch_size,
            progress=progress,
            operation="split",
            stage="remove",
        )
        added = write_in_batches(
            client,
            plan.actions("add"),
            lambda target, ids: client.post_dataset_inputs(target, ids, ignore_duplicates=True),
            batch_size=batch_size,
            progress=progress,
            operation="split",
            stage="add",
        )
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
        },
    )
    if spec.snapshot:
        result.ids["versions"] = snapshot_targets(
            client, plan, counts_by_split, spec, timeout=timeout, poll_interval=poll_interval, progress=progress
        )
    result.elapsed, result.requests = watch.elapsed, watch.requests
    return result


def recheck_split(client: ClientProtocol, plan: SplitPlan) -> tuple[SplitPlan, dict[str, str], int]:
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
      again;
    * a target the plan writes to without creating it, deleted since, raises
      MissingObjectError (the same as applying without recheck).
    Server mode reads only the targets and the operation (they decide whether the
    operation is created, and it must not be while a target holds inputs).
    The narrowed plan's ``guard`` is the verdict of a plan made now.
    """
    spec = _spec_from_plan(plan)
    if spec.mode == "server":
        # The source as planned (plan.source_ids) is what applying uses; only the
        # targets and the operation are read again.
        current = {split: _members(client, ds) for split, ds in plan.targets.items()}
        assert plan.bulk_operation_id
        exists = _server_split_exists(client, plan.bulk_operation_id, plan.targets, current)
        create = [plan.targets[s] for s, m in current.items() if m is None]
        return dataclasses.replace(plan, bulk_operation_exists=exists, create_datasets=create), {}, 0
    fresh = plan_split(client, spec)  # also judges the guard on the targets as they are now
    writes = ("add", "remove")
    # A target the plan writes to as it was, and a plan made now would create: it was
    # deleted since. Refused before any write, as without recheck (the plan does not
    # create it, so its writes would fail half-way or pass for done).
    written = {r["target"] for r in plan.rows if r["action"] in writes}
    for dataset_id in sorted((written & set(fresh.create_datasets)) - set(plan.create_datasets)):
        require_dataset(client, dataset_id, "plan", "target dataset")
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
        guard=fresh.guard,
    )
    return narrowed, skipped, not_in_plan


def _check_plan_targets(plan: SplitPlan, spec: SplitSpec) -> None:
    """ValidationError (before any write) unless every dataset the plan writes to is
    one of its spec's targets: a plan edited after review must never add to, remove
    from or create the source or an unrelated dataset."""
    expected = {split: spec.target_of(split) for split, _ in spec.ordered_ratios()}
    if dict(plan.targets) != expected:
        raise ValidationError(
            "the plan's {argument} {targets} are not those of its spec {expected}; make the plan again",
            argument="targets",
            targets=str(dict(plan.targets)),
            expected=str(expected),
        )
    allowed = set(expected.values())
    named = {str(r.get("target")) for r in plan.rows if r.get("action") in ("add", "remove")} | set(
        plan.create_datasets
    )
    stray = sorted(named - allowed)
    if stray:
        raise ValidationError(
            "the plan writes to {stray}, not one of the plan's {argument} {allowed}; make the plan again",
            argument="targets",
            stray=stray,
            allowed=sorted(allowed),
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
    actual = {s: _listed_members(client, ds) for s, ds in plan.targets.items()}
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
            raise VerificationError(
                f"server-side split: targets hold {len(seen)} inputs, the source {len(source)} when planned "
                f"({len(set(seen) - source)} not in the source, {len(source - set(seen))} missing); if the source "
                "changed since the plan was made, empty the targets and split again"
            )
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
    force: bool = False,
    batch_size: int = 128,
    timeout: float = 600.0,
    poll_interval: float = 0.25,
    progress: ProgressCallback | None = None,
) -> tuple[SplitPlan, OperationResult]:
    """Plan, then (unless ``dry_run``) apply and verify. Safe to rerun after a crash.
    Every argument (``timeout`` and ``poll_interval`` of the waits included) is checked
    before the first request (ValidationError naming it); GuardError before any write
    when the plan's guard refuses it and ``force`` is false."""
    check_client(client)
    check_type("spec", spec, SplitSpec, "a SplitSpec")
    check_bool("dry_run", dry_run)
    check_bool("force", force)
    check_batch_size(batch_size)
    check_schedule(timeout, poll_interval, MAX_POLL_INTERVAL, names={"interval": "poll_interval"})
    check_callback("progress", progress)
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
            details={"guard": plan.guard},
        )
    if plan.guard and not force:
        raise _guard_error(plan.guard)
    # Planned just now: the reads that made the plan proved the app and targets exist.
    result = _apply(
        client,
        plan,
        spec,
        batch_size=batch_size,
        timeout=timeout,
        poll_interval=poll_interval,
        progress=progress,
        planned_now=True,
    )
    result.elapsed, result.requests = watch.elapsed, watch.requests
    return plan, result
