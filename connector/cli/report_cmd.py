"""``clarifai-connector report``: the app report as one self-contained HTML page.

Reads the inventories from the API (``CLARIFAI_*`` / the connection flags) or from
exported Parquet files (``--from-parquet DIR``, no API needed), optionally with a
prune plan to show against the dataset versions: a plan's JSON (``--prune-plan``, as
``prune --dry-run --json`` prints it) or a policy (``--keep-last`` ...), planned here
from the versions just read, with the operations' own decision function. Read-only.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from connector.cli.common import cli_state, connection_options, emit, handle_errors, output_options, progress
from connector.errors import ValidationError

_SPLIT = re.compile(r"^\s*([^=\s]+)\s*=\s*(.+)$")


def parse_splits(values: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """``("cats=train:cats-tr,test:cats-te",)`` -> ``{"cats": {"train": "cats-tr", "test": "cats-te"}}``."""
    out: dict[str, dict[str, str]] = {}
    for text in values:
        match = _SPLIT.match(text)
        pairs = [p.partition(":") for p in match.group(2).split(",")] if match else []
        if not match or not pairs or any(not sep or not k.strip() or not v.strip() for k, sep, v in pairs):
            raise ValidationError(
                f"bad --split {text!r}: use SOURCE=SPLIT:DATASET,SPLIT:DATASET, e.g. cats=train:cats-tr,test:cats-te"
            )
        out[match.group(1)] = {k.strip(): v.strip() for k, _, v in pairs}
    return out


def read_plan_file(path: Path) -> dict[str, Any]:
    """A prune plan from a JSON file: the plan itself (``PrunePlan.to_json()``) or the
    ``{"plan": ..., "result": ...}`` document ``prune --json`` prints."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValidationError(f"{str(path)!r} is not JSON: {exc}") from None
    if isinstance(data, dict) and "rows" not in data and isinstance(data.get("plan"), dict):
        data = data["plan"]
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ValidationError(f"{str(path)!r} holds no prune plan (a JSON object with 'rows', as prune --json prints)")
    return data


def plan_from_snapshot(snapshot: Any, policy: Any, now: datetime | None = None) -> Any:
    """The prune plan ``policy`` gives for the versions and lineage of ``snapshot``,
    decided by the operations' own pure function, without another read: the same rows
    ``plan_prune`` would make from the same state."""
    from connector.operations.prune_inventory import plan_prune_from_inventory

    versions = snapshot.table("dataset_versions")
    if versions is None:
        raise ValidationError("a prune policy needs the dataset_versions inventory (missing from the source)")
    models = snapshot.table("model_versions")
    if models is None and not policy.allow_trained:
        raise ValidationError("a prune policy needs the model_versions inventory (training lineage protects versions)")
    moment = now or snapshot.taken_until or datetime.now(UTC)
    return plan_prune_from_inventory(versions, models, policy, now=moment)


@click.command("report")
@click.option(
    "--out", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The HTML file to write."
)
@click.option(
    "--from-parquet",
    "from_parquet",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Build from the <inventory>.parquet files in DIR (as export and demo write them) instead of the API.",
)
@click.option(
    "--prune-plan",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Show this prune plan (JSON, as 'prune --dry-run --json' prints) against the versions.",
)
@click.option(
    "--keep-last", type=int, default=None, help="Show what a prune keeping the newest N READY versions would delete."
)
@click.option("--keep-younger-than", metavar="DURATION", help="... keeping versions younger than this (e.g. 30d).")
@click.option("--delete-failed-older-than", metavar="DURATION", help="... deleting failed versions older than this.")
@click.option(
    "--stale-after",
    metavar="DURATION",
    default="7d",
    show_default=True,
    help="An open task unchanged this long is stale.",
)
@click.option(
    "--split",
    "splits",
    multiple=True,
    metavar="SOURCE=SPLIT:DATASET,...",
    help="A split to check besides those found by name (repeatable), e.g. cats=train:cats-tr,test:cats-te.",
)
@click.option("--title", default=None, help="The page's title.")
@connection_options
@output_options
@handle_errors
def report(
    out: Path,
    from_parquet: Path | None,
    prune_plan: Path | None,
    keep_last: int | None,
    keep_younger_than: str | None,
    delete_failed_older_than: str | None,
    stale_after: str,
    splits: tuple[str, ...],
    title: str | None,
) -> None:
    """Write the app report: one self-contained HTML page (no script, nothing fetched)
    with the inventory counts, class balance, splits, dataset versions, labeling tasks
    and this run's requests. Read-only: nothing is changed on the API.

    A prune plan is shown against the versions when given: --prune-plan FILE, or a
    policy (--keep-last, --keep-younger-than, --delete-failed-older-than), planned from
    the versions read. See docs/report.md.
    """
    from connector.cli.ops import parse_duration
    from connector.report import check_target, collect, load_parquet, write_report

    policy_given = keep_last is not None or keep_younger_than or delete_failed_older_than
    if prune_plan is not None and policy_given:
        raise ValidationError("give --prune-plan or a prune policy (--keep-last ...), not both")
    check_target(out)
    stale = parse_duration(stale_after, "stale_after")
    split_map = parse_splits(splits)
    policy = None
    if policy_given:
        from connector.operations.prune import PrunePolicy

        policy = PrunePolicy(
            keep_last=keep_last,
            keep_younger_than=parse_duration(keep_younger_than, "keep_younger_than"),
            delete_failed_older_than=parse_duration(delete_failed_older_than, "delete_failed_older_than"),
        )
    plan: Any = read_plan_file(prune_plan) if prune_plan is not None else None

    state = cli_state()
    if from_parquet is not None:
        snapshot = load_parquet(from_parquet)
    else:
        with state.client() as client, progress(state) as bar:
            task = bar.add_task("read inventories", total=None)

            def advance(step: str, done: int, total: int) -> None:
                bar.update(task, description=step, completed=done, total=total)

            snapshot = collect(client, progress=advance)
    if policy is not None:
        plan = plan_from_snapshot(snapshot, policy).to_dict()
    path = write_report(snapshot, out, prune_plan=plan, splits=split_map or None, stale_after=stale, title=title)
    totals = snapshot.run.totals
    summary = {
        "path": str(path),
        "bytes": path.stat().st_size,
        "source": snapshot.origin,
        "rows": dict(snapshot.rows),
        "requests": totals.requests,
        "retries": totals.retries,
        "throttled": totals.throttled,
        "prune_plan_deletes": sum(1 for r in plan["rows"] if r.get("action") == "delete") if plan else None,
    }
    emit(
        summary,
        human=lambda s: click.echo(
            f"wrote {s['path']} ({s['bytes'] / 1024:.0f} KB) from {s['source']}: "
            f"{s['rows'].get('inputs', 0):,} inputs, {s['rows'].get('datasets', 0):,} datasets, "
            f"{s['rows'].get('dataset_versions', 0):,} versions, {s['rows'].get('tasks', 0):,} tasks; "
            f"{s['requests']} requests"
        ),
    )
