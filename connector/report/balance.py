"""Class balance and split checks, computed on integer codes so a 1M-input app takes
well under a second.

Every input id is encoded once to an integer (one dictionary over the id columns of
``inputs``, ``dataset_inputs`` and ``annotations``), every concept id likewise. What
the report calls "input X carries concept C" is the set of unique (input, concept)
pairs found in any of: the input's own concepts (``inputs.concept_ids``,
``dataset_inputs.input_concept_ids``) and the concepts of its annotations
(``annotations.concept_ids``, regions and frames included). Inventories hold concept
ids, not values, so a concept marked absent (value 0) counts like a present one.

Dataset membership comes from ``dataset_inputs`` (one row per dataset and input), or,
when that inventory is missing, from ``inputs.dataset_ids``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from connector.errors import ValidationError
from connector.report.snapshot import Snapshot

Codes = npt.NDArray[np.int64]

#: Split names the split operation's default targets (``<source>-<split>``) are
#: recognised by.
SPLIT_NAMES: tuple[str, ...] = ("train", "test", "validation", "val", "valid", "dev", "holdout")
#: The source name of a split of the whole app (``app-train``...), as the split operation names it.
APP_SOURCE = "app"
#: The row of inputs that carry no concept, in share tables.
UNLABELED = ""


# -- the index -----------------------------------------------------------------------


def _encode(columns: Sequence[pa.ChunkedArray]) -> tuple[pa.Array, list[Codes]]:
    """One dictionary over the strings of ``columns``: the distinct values (those of
    the first column in order of appearance, then any others) and each column's codes.

    Two hash passes over the strings in all (the distinct values of the first column,
    then one lookup of every value), whatever the number of columns."""
    columns = [pc.fill_null(c, "") if c.null_count else c for c in columns]
    chunks = [c for col in columns for c in col.chunks if len(c)]
    if not chunks:
        return pa.array([], pa.string()), [np.zeros(0, dtype=np.int64) for _ in columns]
    values = pa.chunked_array(chunks, type=pa.string())
    distinct = _array(pc.unique(columns[0])) if len(columns[0]) else pa.array([], pa.string())
    found = pc.index_in(values, value_set=distinct)
    if found.null_count:  # values absent from the first column: give them codes after it
        extra = _array(pc.unique(values.filter(pc.is_null(found))))
        distinct = pa.concat_arrays([distinct, extra])
        found = pc.index_in(values, value_set=distinct)
    flat = found.to_numpy(zero_copy_only=False).astype(np.int64)
    out: list[Codes] = []
    pos = 0
    for col in columns:
        out.append(flat[pos : pos + len(col)])
        pos += len(col)
    return distinct, out


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def unique_sorted(values: Codes) -> Codes:
    """The distinct values, sorted (a sort and a compare: much faster than
    ``np.unique`` on large integer arrays)."""
    if not len(values):
        return values.astype(np.int64)
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep].astype(np.int64)


@dataclasses.dataclass
class InputIndex:
    """Inputs and concepts as integer codes.

    ``pairs`` are the unique (input, concept) pairs sorted by input then concept;
    ``members`` the sorted unique input codes of each dataset; ``app`` the codes of
    the app's inputs (the ``inputs`` inventory; every known input when it is missing).
    """

    input_ids: pa.Array
    concept_ids: list[str]
    pair_input: Codes
    pair_concept: Codes
    app: Codes
    members: dict[str, Codes]
    #: Which inventories provided the pairs and the membership (for the page's notes).
    sources: tuple[str, ...] = ()
    membership_source: str | None = None

    @property
    def n_inputs(self) -> int:
        return len(self.input_ids)

    @property
    def n_concepts(self) -> int:
        return len(self.concept_ids)

    @property
    def has_concepts(self) -> bool:
        return bool(self.sources)

    @property
    def labeled(self) -> npt.NDArray[np.bool_]:
        """Per input code: carries at least one concept."""
        mask = np.zeros(self.n_inputs, dtype=bool)
        mask[self.pair_input] = True
        return mask

    def concept_counts(self, codes: Codes) -> Codes:
        """Inputs among ``codes`` (unique) carrying each concept, by concept code."""
        mask = np.zeros(self.n_inputs, dtype=bool)
        mask[codes] = True
        selected = self.pair_concept[mask[self.pair_input]]
        return np.bincount(selected, minlength=self.n_concepts).astype(np.int64)

    def labeled_count(self, codes: Codes, labeled: npt.NDArray[np.bool_] | None = None) -> int:
        mask = self.labeled if labeled is None else labeled
        return int(np.count_nonzero(mask[codes]))

    def ids_of(self, codes: Iterable[int]) -> list[str]:
        """The input ids of ``codes`` (a few: samples)."""
        picked = [int(c) for c in codes]
        if not picked:
            return []
        return [str(v) for v in self.input_ids.take(pa.array(picked, type=pa.int64())).to_pylist()]


def _pairs(
    lists: pa.ChunkedArray, row_codes: Codes, values_out: list[pa.ChunkedArray], inputs_out: list[Codes]
) -> None:
    parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    values_out.append(pc.list_flatten(lists))
    inputs_out.append(row_codes[parents])


def index_inputs(snapshot: Snapshot) -> InputIndex:
    """Encode the snapshot's inputs, concepts and dataset memberships. Pure."""
    inputs = snapshot.table("inputs")
    members_t = snapshot.table("dataset_inputs")
    annotations = snapshot.table("annotations")
    id_columns: list[tuple[str, pa.ChunkedArray]] = []
    if inputs is not None:
        id_columns.append(("inputs", inputs.column("id")))
    if members_t is not None:
        id_columns.append(("dataset_inputs", members_t.column("input_id")))
    if annotations is not None:
        id_columns.append(("annotations", annotations.column("input_id")))
    input_ids, codes_list = _encode([c for _, c in id_columns])
    codes = {name: arr for (name, _), arr in zip(id_columns, codes_list, strict=True)}
    n = len(input_ids)

    # (input, concept) pairs from every source that has them.
    values: list[pa.ChunkedArray] = []
    owners: list[Codes] = []
    sources: list[str] = []
    # An input's own concepts come with the input in both listings: read them from
    # ``inputs`` when it is there, else from ``dataset_inputs``.
    for name, table, column in (
        ("inputs", inputs, "concept_ids"),
        ("dataset_inputs", members_t if inputs is None else None, "input_concept_ids"),
        ("annotations", annotations, "concept_ids"),
    ):
        if table is not None:
            _pairs(table.column(column), codes[name], values, owners)
            sources.append(name)
    concept_array, concept_codes = _encode(values)
    concept_ids = [str(v) for v in concept_array.to_pylist()]
    c = max(len(concept_ids), 1)
    if owners:
        keys = unique_sorted(np.concatenate(owners) * c + np.concatenate(concept_codes))
    else:
        keys = np.zeros(0, dtype=np.int64)
    pair_input, pair_concept = keys // c, keys % c

    # Dataset membership.
    members: dict[str, Codes] = {}
    membership_source: str | None = None
    if members_t is not None:
        datasets, (ds_codes,) = _encode([members_t.column("dataset_id")])
        _group(members, datasets.to_pylist(), ds_codes, codes["dataset_inputs"], n)
        membership_source = "dataset_inputs"
    elif inputs is not None and "dataset_ids" in inputs.column_names:
        lists = inputs.column("dataset_ids")
        parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        datasets, (ds_codes,) = _encode([pc.list_flatten(lists)])
        _group(members, datasets.to_pylist(), ds_codes, codes["inputs"][parents], n)
        membership_source = "inputs.dataset_ids"

    # The app's inputs: those listed by ``inputs``, else every input seen.
    app = unique_sorted(codes["inputs"]) if inputs is not None else np.arange(n, dtype=np.int64)
    return InputIndex(
        input_ids=input_ids,
        concept_ids=concept_ids,
        pair_input=pair_input.astype(np.int64),
        pair_concept=pair_concept.astype(np.int64),
        app=app,
        members=members,
        sources=tuple(sources),
        membership_source=membership_source,
    )


def _group(out: dict[str, Codes], names: list[Any], group_codes: Codes, input_codes: Codes, n: int) -> None:
    """``out[name]`` = sorted unique input codes of each group."""
    if not len(group_codes):
        return
    keys = unique_sorted(group_codes * max(n, 1) + input_codes)
    groups, inputs = keys // max(n, 1), keys % max(n, 1)
    bounds = np.searchsorted(groups, np.arange(len(names) + 1))
    for g, name in enumerate(names):
        if name and bounds[g + 1] > bounds[g]:
            out[str(name)] = inputs[bounds[g] : bounds[g + 1]]


# -- class balance ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ConceptCount:
    """Inputs carrying one concept, and their share of the population's inputs."""

    concept: str
    inputs: int
    share: float


@dataclasses.dataclass(frozen=True)
class Balance:
    """The concepts of one population of inputs (the app, or one dataset)."""

    label: str
    inputs: int
    labeled: int
    #: The most frequent concepts (count descending, then id), at most ``top`` of them.
    concepts: tuple[ConceptCount, ...]
    #: Distinct concepts carried by at least one input.
    concept_count: int
    #: Concepts beyond the top ones: how many, and the inputs-per-concept they add up to.
    other_concepts: int = 0
    other_inputs: int = 0

    @property
    def unlabeled(self) -> int:
        return self.inputs - self.labeled

    @property
    def imbalance(self) -> float | None:
        """Most common / least common concept (inputs), over concepts present."""
        counts = [c.inputs for c in self.concepts if c.inputs]
        if self.other_concepts:
            return None  # the least common one is not among those kept
        return max(counts) / min(counts) if counts else None


def _balance(index: InputIndex, label: str, codes: Codes, top: int, labeled: npt.NDArray[np.bool_]) -> Balance:
    counts = index.concept_counts(codes)
    total = len(codes)
    present = np.flatnonzero(counts)
    order = sorted(present.tolist(), key=lambda k: (-int(counts[k]), index.concept_ids[k]))
    kept = order[:top]
    rest = order[top:]
    return Balance(
        label=label,
        inputs=total,
        labeled=index.labeled_count(codes, labeled),
        concepts=tuple(
            ConceptCount(index.concept_ids[k], int(counts[k]), int(counts[k]) / total if total else 0.0) for k in kept
        ),
        concept_count=len(order),
        other_concepts=len(rest),
        other_inputs=int(sum(int(counts[k]) for k in rest)),
    )


@dataclasses.dataclass(frozen=True)
class ClassBalance:
    """Inputs per concept, over the app and per dataset (largest datasets first)."""

    overall: Balance
    datasets: tuple[Balance, ...]
    #: Datasets left out of the per-dataset view (beyond ``max_datasets``) and their inputs.
    more_datasets: int
    more_datasets_inputs: int
    sources: tuple[str, ...]
    membership_source: str | None


def class_balance(index: InputIndex, *, top: int = 25, max_datasets: int = 12) -> ClassBalance:
    """The class balance of the app and of its largest ``max_datasets`` datasets,
    each with its ``top`` most frequent concepts. Pure."""
    labeled = index.labeled
    overall = _balance(index, APP_SOURCE, index.app, top, labeled)
    ordered = sorted(index.members, key=lambda d: (-len(index.members[d]), d))
    shown = ordered[:max_datasets]
    hidden = ordered[max_datasets:]
    return ClassBalance(
        overall=overall,
        datasets=tuple(_balance(index, d, index.members[d], top, labeled) for d in shown),
        more_datasets=len(hidden),
        more_datasets_inputs=sum(len(index.members[d]) for d in hidden),
        sources=index.sources,
        membership_source=index.membership_source,
    )


# -- splits ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SplitSource:
    """A source and its split targets (split name -> dataset id), and how it was found."""

    source: str
    targets: tuple[tuple[str, str], ...]
    found_by: str


def find_splits(
    dataset_ids: Iterable[str],
    *,
    bulk_operations: pa.Table | None = None,
    explicit: Mapping[str, Mapping[str, str] | Sequence[str]] | None = None,
    detect: bool = True,
) -> list[SplitSource]:
    """The split sources of an app.

    Detected (``detect``) by the split operation's naming, ``<source>-<split>`` for the
    split names of :data:`SPLIT_NAMES` (at least two targets; ``app-<split>`` is a
    split of the whole app), and by ``split_into_datasets`` bulk operations. An
    ``explicit`` mapping ``{source: {split: target dataset}}`` (or a list of target
    datasets) adds sources or replaces a detected one's targets. Sorted by source.
    Raises ValidationError for an explicit mapping with fewer than two targets."""
    known = set(dataset_ids)
    found: dict[str, SplitSource] = {}
    if detect:
        for source in sorted(known | {APP_SOURCE}):
            targets = tuple((s, f"{source}-{s}") for s in SPLIT_NAMES if f"{source}-{s}" in known)
            if len(targets) >= 2:
                found[source] = SplitSource(source, targets, "naming")
        if bulk_operations is not None and bulk_operations.num_rows:
            for row in bulk_operations.to_pylist():
                if row.get("operation") != "split_into_datasets" or not row.get("source_dataset_id"):
                    continue
                source = str(row["source_dataset_id"])
                ids = [str(t) for t in row.get("target_dataset_ids") or [] if t]
                if source in found or len(ids) < 2:
                    continue
                found[source] = SplitSource(source, tuple((_split_name(source, t), t) for t in ids), "bulk operation")
    for source, value in (explicit or {}).items():
        if isinstance(value, Mapping):
            pairs = tuple((str(k), str(v)) for k, v in value.items())
        elif isinstance(value, str):
            raise ValidationError(
                "{argument}[{source!r}] must map split names to datasets, got {value!r}",
                argument="splits",
                source=source,
                value=value,
            )
        else:
            pairs = tuple((_split_name(str(source), str(t)), str(t)) for t in value)
        if len(pairs) < 2:
            raise ValidationError(
                "{argument}[{source!r}] needs at least two targets, got {pairs}",
                argument="splits",
                source=source,
                pairs=str(list(pairs)),
            )
        found[str(source)] = SplitSource(str(source), pairs, "argument")
    return [found[s] for s in sorted(found)]


def _split_name(source: str, target: str) -> str:
    prefix = f"{source}-"
    return target[len(prefix) :] if target.startswith(prefix) and len(target) > len(prefix) else target


@dataclasses.dataclass(frozen=True)
class SplitTarget:
    split: str
    dataset_id: str
    inputs: int
    #: Of the inputs the source has (can exceed 1 if a target holds inputs from elsewhere).
    share_of_source: float


@dataclasses.dataclass(frozen=True)
class ShareRow:
    """One concept (or :data:`UNLABELED`): its inputs and share in the source and in
    each target (same order as :attr:`SplitCheck.targets`), and the largest gap
    between a target's share and the source's."""

    concept: str
    source_inputs: int
    source_share: float
    target_inputs: tuple[int, ...]
    target_shares: tuple[float, ...]

    @property
    def gap(self) -> float:
        return max((abs(s - self.source_share) for s in self.target_shares), default=0.0)


@dataclasses.dataclass(frozen=True)
class SplitCheck:
    """How well a split kept each concept's share, and its leaks."""

    source: str
    is_app: bool
    found_by: str
    source_inputs: int
    targets: tuple[SplitTarget, ...]
    rows: tuple[ShareRow, ...]
    #: Concepts beyond the rows shown.
    more_concepts: int
    #: Inputs in two or more targets, with a sample (input id, target datasets).
    leaked: int
    leaked_sample: tuple[tuple[str, tuple[str, ...]], ...]
    #: Source inputs in no target, with a sample of ids.
    missing: int
    missing_sample: tuple[str, ...]
    #: Target inputs that are not in the source, with a sample of ids.
    outside: int
    outside_sample: tuple[str, ...]
    #: Targets the inventories do not know (not listed among the datasets).
    absent_targets: tuple[str, ...] = ()

    @property
    def worst_gap(self) -> float:
        return max((r.gap for r in self.rows), default=0.0)


def check_split(index: InputIndex, split: SplitSource, *, top: int = 25, sample: int = 10) -> SplitCheck:
    """Compare a split's targets with its source. Pure."""
    is_app = split.source == APP_SOURCE and APP_SOURCE not in index.members
    source = index.app if is_app else index.members.get(split.source, np.zeros(0, dtype=np.int64))
    empty = np.zeros(0, dtype=np.int64)
    target_codes = [index.members.get(ds, empty) for _, ds in split.targets]
    absent = tuple(ds for _, ds in split.targets if ds not in index.members)
    n_src = len(source)

    hits = np.zeros(index.n_inputs, dtype=np.int32)
    for codes in target_codes:
        hits[codes] += 1
    leaked_codes = np.flatnonzero(hits >= 2)
    in_source = np.zeros(index.n_inputs, dtype=bool)
    in_source[source] = True
    missing_codes = source[hits[source] == 0]
    in_any = hits > 0
    outside_codes = np.flatnonzero(in_any & ~in_source)

    labeled = index.labeled
    src_counts = index.concept_counts(source)
    tgt_counts = [index.concept_counts(codes) for codes in target_codes]
    present = np.flatnonzero(src_counts + sum(tgt_counts, np.zeros(index.n_concepts, dtype=np.int64)))
    order = sorted(present.tolist(), key=lambda k: (-int(src_counts[k]), index.concept_ids[k]))

    def share(count: int, total: int) -> float:
        return count / total if total else 0.0

    rows = [
        ShareRow(
            concept=index.concept_ids[k],
            source_inputs=int(src_counts[k]),
            source_share=share(int(src_counts[k]), n_src),
            target_inputs=tuple(int(t[k]) for t in tgt_counts),
            target_shares=tuple(share(int(t[k]), len(c)) for t, c in zip(tgt_counts, target_codes, strict=True)),
        )
        for k in order[:top]
    ]
    src_unlabeled = n_src - index.labeled_count(source, labeled)
    tgt_unlabeled = [len(c) - index.labeled_count(c, labeled) for c in target_codes]
    if src_unlabeled or any(tgt_unlabeled):
        rows.append(
            ShareRow(
                concept=UNLABELED,
                source_inputs=src_unlabeled,
                source_share=share(src_unlabeled, n_src),
                target_inputs=tuple(tgt_unlabeled),
                target_shares=tuple(share(u, len(c)) for u, c in zip(tgt_unlabeled, target_codes, strict=True)),
            )
        )
    leaked_sample = []
    for code in leaked_codes[:sample].tolist():
        where = tuple(ds for (_, ds), codes in zip(split.targets, target_codes, strict=True) if _contains(codes, code))
        leaked_sample.append((index.ids_of([code])[0], where))
    return SplitCheck(
        source=split.source,
        is_app=is_app,
        found_by=split.found_by,
        source_inputs=n_src,
        targets=tuple(
            SplitTarget(name, ds, len(codes), share(len(codes), n_src))
            for (name, ds), codes in zip(split.targets, target_codes, strict=True)
        ),
        rows=tuple(rows),
        more_concepts=max(0, len(order) - top),
        leaked=len(leaked_codes),
        leaked_sample=tuple(leaked_sample),
        missing=len(missing_codes),
        missing_sample=tuple(index.ids_of(missing_codes[:sample].tolist())),
        outside=len(outside_codes),
        outside_sample=tuple(index.ids_of(outside_codes[:sample].tolist())),
        absent_targets=absent,
    )


def _contains(sorted_codes: Codes, code: int) -> bool:
    pos = int(np.searchsorted(sorted_codes, code))
    return pos < len(sorted_codes) and int(sorted_codes[pos]) == code


def dataset_ids(snapshot: Snapshot, index: InputIndex) -> list[str]:
    """Every dataset id the snapshot knows of (datasets, their inputs, their versions)."""
    ids: set[str] = set(index.members)
    for name, column in (("datasets", "id"), ("dataset_versions", "dataset_id")):
        table = snapshot.table(name)
        if table is not None:
            ids.update(str(v) for v in pc.unique(table.column(column)).to_pylist() if v)
    return sorted(ids)


__all__ = [
    "APP_SOURCE",
    "SPLIT_NAMES",
    "UNLABELED",
    "Balance",
    "ClassBalance",
    "ConceptCount",
    "InputIndex",
    "ShareRow",
    "SplitCheck",
    "SplitSource",
    "SplitTarget",
    "check_split",
    "class_balance",
    "dataset_ids",
    "find_splits",
    "index_inputs",
]
