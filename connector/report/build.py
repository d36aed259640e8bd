"""``build_report`` and ``write_report``: from a client, inventory frames, a Parquet
directory or a :class:`~connector.report.snapshot.Snapshot` to one HTML page."""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from connector.errors import ValidationError
from connector.report import page
from connector.report.balance import (
    ClassBalance,
    SplitCheck,
    check_split,
    class_balance,
    dataset_ids,
    find_splits,
    index_inputs,
)
from connector.report.lifecycle import read_plan, tasks_view, versions_view
from connector.report.model import ReportData
from connector.report.snapshot import Progress, RunLog, Snapshot, collect, from_frames, load_parquet

logger = logging.getLogger(__name__)

#: Splits: ``{source dataset (or "app"): {split name: target dataset}}`` or a list of targets.
SplitsArg = Mapping[str, Mapping[str, str] | Sequence[str]]


def to_snapshot(
    source: Any,
    *,
    inventories: Iterable[str] | None = None,
    taken_at: datetime | None = None,
    api_base: str | None = None,
    progress: Progress | None = None,
) -> Snapshot:
    """A :class:`Snapshot` from whatever :func:`build_report` accepts: a Snapshot, a
    mapping of inventory name to DataFrame / Arrow table, a directory of
    ``<inventory>.parquet`` files (``str`` or path), or a client (it is then read)."""
    if isinstance(source, Snapshot):
        return source
    if isinstance(source, Mapping):
        return from_frames(source, taken_at=taken_at, api_base=api_base)
    if isinstance(source, (str, os.PathLike)):
        return load_parquet(source, inventories=inventories, api_base=api_base)
    if hasattr(source, "iter_pages") and hasattr(source, "config"):
        if inspect.iscoroutinefunction(getattr(source, "call", None)):
            raise ValidationError(
                "the report reads inventories with a ClarifaiClient (synchronous), got an AsyncClarifaiClient; "
                "build it with ClarifaiClient(config), or from frames or Parquet files"
            )
        return collect(source, inventories=inventories, progress=progress)
    raise ValidationError(
        "source must be a ClarifaiClient, a mapping of inventory name to DataFrame or Arrow table, "
        f"a directory of <inventory>.parquet files, or a Snapshot; got {type(source).__name__}"
    )


def analyze(
    snapshot: Snapshot,
    *,
    prune_plan: Any = None,
    splits: SplitsArg | None = None,
    detect_splits: bool = True,
    stale_after: timedelta = timedelta(days=7),
    share_tolerance: float = 0.05,
    top_concepts: int = 25,
    now: datetime | None = None,
    title: str | None = None,
    build: RunLog | None = None,
) -> ReportData:
    """Compute every section from ``snapshot`` (pure: no I/O). ``build`` records the
    time each step takes. Raises ValidationError for a bad argument."""
    if not isinstance(stale_after, timedelta) or stale_after < timedelta(0):
        raise ValidationError(f"stale_after must be a non-negative duration, got {stale_after!r}")
    if (
        isinstance(share_tolerance, bool)
        or not isinstance(share_tolerance, (int, float))
        or not 0 <= share_tolerance <= 1
    ):
        raise ValidationError(f"share_tolerance must be a share in [0, 1], got {share_tolerance!r}")
    if isinstance(top_concepts, bool) or not isinstance(top_concepts, int) or top_concepts < 1:
        raise ValidationError(f"top_concepts must be an integer >= 1, got {top_concepts!r}")
    build = build if build is not None else RunLog()
    plan = read_plan(prune_plan) if prune_plan is not None else None
    generated = datetime.now(UTC)
    as_of = now or snapshot.taken_until or snapshot.taken_at or generated
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)

    balance: ClassBalance | None = None
    checks: list[SplitCheck] = []
    if any(snapshot.table(n) is not None for n in ("inputs", "dataset_inputs", "annotations")):
        with build.step("index inputs and concepts") as info:
            index = index_inputs(snapshot)
            info["rows"] = index.n_inputs
            pa.default_memory_pool().release_unused()  # the hash tables of the encoding
        with build.step("class balance"):
            balance = class_balance(index, top=top_concepts)
        with build.step("split checks"):
            found = find_splits(
                dataset_ids(snapshot, index),
                bulk_operations=snapshot.table("bulk_operations"),
                explicit=splits,
                detect=detect_splits,
            )
            checks = [check_split(index, s, top=top_concepts) for s in found]
    elif splits:
        raise ValidationError("splits= needs the inputs, dataset_inputs or annotations inventories")

    versions = None
    if snapshot.table("dataset_versions") is not None:
        with build.step("dataset versions"):
            versions = versions_view(snapshot.table("dataset_versions"), snapshot.table("model_versions"), plan)
    elif plan is not None:
        raise ValidationError("a prune plan needs the dataset_versions inventory to be shown against")
    tasks = None
    if snapshot.table("tasks") is not None:
        with build.step("labeling tasks"):
            tasks = tasks_view(snapshot.table("tasks"), now=as_of, stale_after=stale_after)

    from connector import __version__

    return ReportData(
        snapshot=snapshot,
        title=title or f"App report: {snapshot.app_id or 'Clarifai app'}",
        generated_at=generated,
        as_of=as_of,
        balance=balance,
        splits=checks,
        versions=versions,
        tasks=tasks,
        share_tolerance=float(share_tolerance),
        version=__version__,
    )


def make_report(
    source: Any,
    *,
    prune_plan: Any = None,
    splits: SplitsArg | None = None,
    detect_splits: bool = True,
    stale_after: timedelta = timedelta(days=7),
    share_tolerance: float = 0.05,
    top_concepts: int = 25,
    inventories: Iterable[str] | None = None,
    taken_at: datetime | None = None,
    api_base: str | None = None,
    now: datetime | None = None,
    title: str | None = None,
    progress: Progress | None = None,
) -> tuple[str, ReportData]:
    """One self-contained HTML page about an app: summary, class balance, splits,
    dataset versions, labeling tasks and the run itself (see ``docs/report.md``).

    ``source`` is a :class:`~connector.client.ClarifaiClient` (the inventories are read
    through it, read-only, every request rate limited and retried by its policy), a
    mapping of inventory name to pandas DataFrame or Arrow table, a directory of
    ``<inventory>.parquet`` files, or a :class:`Snapshot`. ``inventories`` limits what a
    client or a directory is read for (default: all 14).

    ``prune_plan``: a prune plan to show against the versions (a ``PrunePlan``, its
    ``to_dict()``/JSON, a DataFrame of its rows); the report shows it, never makes it.
    ``splits``: ``{source: {split: target dataset}}`` added to the splits detected by
    name and bulk operation (``detect_splits``). ``stale_after``: an open task
    unchanged that long is stale, judged at ``now`` (default: when the snapshot was
    taken). ``taken_at``/``api_base`` describe frames given as a mapping.

    Returns the page and the :class:`ReportData` it shows (for its numbers, e.g.
    :func:`~connector.report.facts.report_facts`); :func:`build_report` returns the page
    alone. Never writes to the API and never shows the PAT. Raises ValidationError for
    a bad argument or input, and the client's typed errors when reading fails."""
    build = RunLog()
    snapshot = to_snapshot(source, inventories=inventories, taken_at=taken_at, api_base=api_base, progress=progress)
    data = analyze(
        snapshot,
        prune_plan=prune_plan,
        splits=splits,
        detect_splits=detect_splits,
        stale_after=stale_after,
        share_tolerance=share_tolerance,
        top_concepts=top_concepts,
        now=now,
        title=title,
        build=build,
    )
    if progress is not None:
        progress("render", 0, 1)
    return page.render(data, build), data


def build_report(
    source: Any,
    *,
    prune_plan: Any = None,
    splits: SplitsArg | None = None,
    detect_splits: bool = True,
    stale_after: timedelta = timedelta(days=7),
    share_tolerance: float = 0.05,
    top_concepts: int = 25,
    inventories: Iterable[str] | None = None,
    taken_at: datetime | None = None,
    api_base: str | None = None,
    now: datetime | None = None,
    title: str | None = None,
    progress: Progress | None = None,
) -> str:
    """The page of :func:`make_report` (same arguments, same errors): one
    self-contained HTML page about an app, from a client, inventory frames, a directory
    of ``<inventory>.parquet`` files or a :class:`Snapshot` (see ``docs/report.md``)."""
    page_text, _ = make_report(
        source,
        prune_plan=prune_plan,
        splits=splits,
        detect_splits=detect_splits,
        stale_after=stale_after,
        share_tolerance=share_tolerance,
        top_concepts=top_concepts,
        inventories=inventories,
        taken_at=taken_at,
        api_base=api_base,
        now=now,
        title=title,
        progress=progress,
    )
    return page_text


def check_target(path: str | os.PathLike[str]) -> Path:
    """``path`` as the report's file, checked before anything is read: not a directory,
    and no file where a directory must be. Raises ValidationError otherwise."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise ValidationError(f"{str(target)!r} is a directory; give the report's file name, e.g. report.html")
    blocker = next((p for p in target.parents if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise ValidationError(f"cannot write {str(target)!r}: {str(blocker)!r} is a file, not a directory")
    return target


def write_report(source: Any, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Build the report (same arguments as :func:`build_report`) and write it to the
    local file ``path`` with :func:`write_html` (atomically). The path is checked
    before anything is read. Returns the path."""
    target = check_target(path)
    return write_html(build_report(source, **kwargs), target)


def write_html(text: str, path: str | os.PathLike[str]) -> Path:
    """Write a page to the local file ``path``, atomically: written under a temporary
    name in the same directory and renamed into place, so a failure never leaves a half
    page and an older report stays until the new one is complete. Parent directories
    are made. Returns the path; ValidationError if ``path`` cannot be a file."""
    target = check_target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    logger.info("report written to %s (%d bytes)", target, len(text.encode("utf-8")))
    return target


__all__ = [
    "ReportData",
    "SplitsArg",
    "analyze",
    "build_report",
    "check_target",
    "make_report",
    "to_snapshot",
    "write_html",
    "write_report",
]
