"""``clarifai-connector prune | split | tasks ...``: the operations on the command line.

Each command that changes or deletes things plans first and shows the plan (a summary
line, then a table of what changes), then asks before applying it: see
:mod:`connector.cli.plans` for the steps (``--dry-run``, ``--plan-out``, ``--yes``,
``--show-all``). ``--json`` prints ``{"plan": ..., "result": ...}`` on stdout. Exit
codes are those of :mod:`connector.cli.common` (2 for a bad argument or a missing
``--yes`` off a terminal, 5 when a guard refuses a plan...).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from connector.cli.common import (
    ArgumentOption,
    cli_state,
    connection_options,
    dry_run_option,
    emit,
    handle_errors,
    output_options,
    progress_callback,
    review_options,
)
from connector.cli.plans import KINDS, ApplySettings, ReviewOptions, review_and_apply
from connector.cli.suggest import did_you_mean, known_ids, suggest_on_missing
from connector.errors import ValidationError
from connector.ids import shown
from connector.operations.base import OperationResult, Stopwatch

if TYPE_CHECKING:  # pragma: no cover
    from connector.operations.waits import TaskUntil

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str | None, argument: str) -> timedelta | None:
    """``30d``, ``12h``, ``90m``, ``45s``, ``2w`` -> timedelta; ValidationError naming
    ``argument`` otherwise (a duration too long to hold included)."""
    if text is None:
        return None
    match = _DURATION.match(text)
    if not match:
        raise ValidationError(
            "bad duration {value} for {argument}: use a number and a unit s/m/h/d/w, e.g. 30d",
            argument=argument,
            value=shown(text),
        )
    try:
        return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
    except OverflowError:
        raise ValidationError(
            "duration {value} for {argument} is too long (at most {most} days)",
            argument=argument,
            value=shown(text),
            most=timedelta.max.days,
        ) from None


def parse_ratios(text: str) -> dict[str, float]:
    """``train=0.8,test=0.2`` -> {"train": 0.8, "test": 0.2} (ValidationError otherwise)."""
    out: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ValidationError(
                "bad {argument} {value}: use name=share pairs, e.g. train=0.8,test=0.2",
                argument="ratios",
                value=shown(text),
            )
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ValidationError(
                "bad share {share} for split {name!r} in {argument}",
                argument="ratios",
                share=shown(value),
                name=name.strip(),
            ) from None
    return out


# -- prune ------------------------------------------------------------------------------


@click.command()
@click.option("--dataset", "datasets", multiple=True, metavar="ID", help="Dataset to prune (repeatable).")
@click.option("--all-datasets", is_flag=True, help="Prune every dataset of the app.")
@click.option("--keep-last", type=int, default=None, help="Keep the newest N READY versions.")
@click.option("--keep-younger-than", metavar="DURATION", help="Keep versions younger than this (e.g. 30d).")
@click.option("--keep-id", "keep_ids", multiple=True, metavar="ID", help="Keep this version id (repeatable).")
@click.option(
    "--no-keep-pinned",
    is_flag=True,
    cls=ArgumentOption,
    python_names=("keep_pinned",),
    help="Do not protect versions whose metadata marks them pinned.",
)
@click.option("--pinned-key", default="pinned", show_default=True, help="Metadata key that pins a version.")
@click.option("--delete-failed-older-than", metavar="DURATION", help="Delete failed versions older than this.")
@click.option("--allow-trained", is_flag=True, help="Allow deleting versions a model version was trained on.")
@click.option(
    "--allow-origin",
    "allow_origins",
    multiple=True,
    type=click.Choice(["TRAINING", "EVAL_GROUND_TRUTH", "EVAL_PREDICTIONS"]),
    help="Allow deleting versions created by this origin (repeatable).",
)
@click.option("--max-delete", type=int, default=None, help="Guard: refuse plans deleting more versions.")
@click.option(
    "--max-delete-share",
    type=float,
    default=0.9,
    show_default=True,
    help="Guard: refuse plans deleting a larger share of the versions.",
)
@click.option("--force", is_flag=True, help="Apply a plan the guard refuses.")
@click.option("--batch-size", type=int, default=100, show_default=True)
@connection_options
@output_options
@dry_run_option
@review_options
@handle_errors
def prune(
    datasets: tuple[str, ...],
    all_datasets: bool,
    keep_last: int | None,
    keep_younger_than: str | None,
    keep_ids: tuple[str, ...],
    no_keep_pinned: bool,
    pinned_key: str,
    delete_failed_older_than: str | None,
    allow_trained: bool,
    allow_origins: tuple[str, ...],
    max_delete: int | None,
    max_delete_share: float,
    force: bool,
    batch_size: int,
    dry_run: bool,
    yes: bool,
    plan_out: Path | None,
    show_all: bool,
) -> None:
    """Delete old dataset versions by policy (protected versions are never deleted).

    Shows the plan (what is deleted and kept, and why), then asks before deleting;
    --yes skips the question and is required when stdin is not a terminal. --dry-run
    only shows the plan; --plan-out saves it for `clarifai-connector apply`."""
    from connector.operations.prune import PrunePolicy
    from connector.operations.prune import prune as run_prune

    if bool(datasets) == all_datasets:
        raise ValidationError("give {argument} ID (repeatable) or {all_datasets}", argument="datasets")
    policy = PrunePolicy(
        keep_last=keep_last,
        keep_younger_than=parse_duration(keep_younger_than, "keep_younger_than"),
        keep_ids=frozenset(keep_ids),
        keep_pinned=not no_keep_pinned,
        pinned_key=pinned_key,
        delete_failed_older_than=parse_duration(delete_failed_older_than, "delete_failed_older_than"),
        allow_trained=allow_trained,
        allow_origins=frozenset(allow_origins),
        max_delete=max_delete,
        max_delete_share=max_delete_share,
    )
    state = cli_state()
    with state.client() as client, suggest_on_missing(client):
        with progress_callback(state) as callback:
            # Every argument is checked before the first request, the apply's too.
            plan, planned = run_prune(
                client,
                list(datasets) or None,
                policy,
                dry_run=True,
                force=force,
                batch_size=batch_size,
                progress=callback,
            )
        review_and_apply(
            state,
            client,
            KINDS["prune"],
            plan,
            ReviewOptions(dry_run=dry_run, yes=yes, plan_out=plan_out, show_all=show_all),
            settings=ApplySettings(force=force, batch_size=batch_size),
            dry_result=planned,
            save_options={"batch_size": batch_size},
        )


# -- split ------------------------------------------------------------------------------


@click.command()
@click.option("--dataset", "dataset_id", metavar="ID", help="Source dataset.")
@click.option("--version", "version_id", metavar="ID", help="Source dataset version (with --dataset).")
@click.option("--app", "app", is_flag=True, help="Split every input of the app.")
@click.option("--concept", "concepts", multiple=True, help="With --app: only inputs with this concept (repeatable).")
@click.option("--ratios", default="train=0.8,test=0.2", show_default=True, help="Split shares, name=share pairs.")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="SPLIT=DATASET",
    help="Target dataset of a split (default <source>-<split>; repeatable).",
)
@click.option("--seed", default="0", show_default=True, help="Assignment seed.")
@click.option("--stratify", is_flag=True, help="Stratify by concept (exact counts per concept).")
@click.option("--group-by", metavar="KEY", help="Metadata key whose inputs stay together.")
@click.option("--mode", type=click.Choice(["incremental", "exact", "server"]), default="incremental", show_default=True)
@click.option("--snapshot", is_flag=True, help="Create a dataset version of each target.")
@click.option("--run-key", help="Key that makes created ids unique to one run.")
@click.option("--batch-size", type=int, default=128, show_default=True)
@click.option("--timeout", type=float, default=600.0, show_default=True, help="Seconds to wait for server work.")
@click.option(
    "--force",
    is_flag=True,
    help="Write to targets the guard refuses (holding inputs from elsewhere, or the source of another split).",
)
@connection_options
@output_options
@dry_run_option
@review_options
@handle_errors
def split(
    dataset_id: str | None,
    version_id: str | None,
    app: bool,
    concepts: tuple[str, ...],
    ratios: str,
    targets: tuple[str, ...],
    seed: str,
    stratify: bool,
    group_by: str | None,
    mode: str,
    snapshot: bool,
    run_key: str | None,
    batch_size: int,
    timeout: float,
    force: bool,
    dry_run: bool,
    yes: bool,
    plan_out: Path | None,
    show_all: bool,
) -> None:
    """Split a dataset (or the app) into train/test(/validation) datasets, reproducibly.

    Shows the plan (per target: inputs to add, to remove, unchanged; then the inputs
    that change), then asks before writing; --yes skips the question and is required
    when stdin is not a terminal. --dry-run only shows the plan; --plan-out saves it
    for `clarifai-connector apply`."""
    from connector.operations.split import SplitSpec
    from connector.operations.split import split as run_split

    target_map = {}
    for item in targets:
        name, sep, ds = item.partition("=")
        if not sep:
            raise ValidationError("bad {argument} {value}: use SPLIT=DATASET", argument="targets", value=shown(item))
        target_map[name] = ds
    spec = SplitSpec(
        dataset_id=dataset_id,
        version_id=version_id,
        app=app,
        concepts=concepts,
        ratios=parse_ratios(ratios),
        targets=target_map,
        seed=seed,
        stratify=stratify,
        group_by=group_by,
        mode=mode,
        snapshot=snapshot,
        run_key=run_key,
    )
    state = cli_state()
    with state.client() as client, suggest_on_missing(client):
        with progress_callback(state) as callback:
            # Every argument is checked before the first request, the apply's too.
            plan, planned = run_split(
                client, spec, dry_run=True, force=force, batch_size=batch_size, timeout=timeout, progress=callback
            )
        review_and_apply(
            state,
            client,
            KINDS["split"],
            plan,
            ReviewOptions(dry_run=dry_run, yes=yes, plan_out=plan_out, show_all=show_all),
            settings=ApplySettings(force=force, batch_size=batch_size, timeout=timeout),
            dry_result=planned,
            save_options={"batch_size": batch_size, "timeout": timeout},
        )


# -- tasks ------------------------------------------------------------------------------


@click.group()
def tasks() -> None:
    """Labeling tasks: list, create, watch, update, delete, cleanup."""


@tasks.command("create")
@click.option("--name", required=True)
@click.option(
    "--concept",
    "concepts",
    multiple=True,
    required=True,
    cls=ArgumentOption,
    python_names=("concept_ids",),
    help="Concept id (repeatable).",
)
@click.option("--worker", "workers", multiple=True, required=True, help="Worker user id (repeatable).")
@click.option(
    "--type",
    "task_type",
    type=click.Choice(["classification", "bounding_box", "polygon"]),
    default="classification",
    cls=ArgumentOption,
    python_names=("type",),
)
@click.option(
    "--dataset",
    "dataset_id",
    cls=ArgumentOption,
    python_names=("input_source_id", "input_source"),
    help="Label the inputs of this dataset (default: all inputs).",
)
@click.option(
    "--saved-search",
    cls=ArgumentOption,
    python_names=("input_source_id", "input_source"),
    help="Label the inputs of this saved search.",
)
@click.option(
    "--strategy",
    type=click.Choice(["FULL", "PARTITIONED"]),
    default="FULL",
    cls=ArgumentOption,
    python_names=("worker_strategy",),
)
@click.option("--partition", type=click.Choice(["EVENLY", "WEIGHTED"]), default="EVENLY")
@click.option("--weight", "weights", multiple=True, metavar="USER=W", help="Worker weight (WEIGHTED; repeatable).")
@click.option("--workers-per-input", type=int, default=1)
@click.option("--review", type=click.Choice(["NONE", "MANUAL", "CONSENSUS"]), default="NONE")
@click.option("--reviewer", "reviewers", multiple=True, help="Reviewer user id (repeatable).")
@click.option("--priority", type=click.Choice(["LOW", "MEDIUM", "HIGH"]))
@click.option("--task-id", help="Explicit task id (default: derived from --name and --run-key).")
@click.option("--run-key")
@connection_options
@output_options
@dry_run_option
@handle_errors
def create(
    name: str,
    concepts: tuple[str, ...],
    workers: tuple[str, ...],
    task_type: str,
    dataset_id: str | None,
    saved_search: str | None,
    strategy: str,
    partition: str,
    weights: tuple[str, ...],
    workers_per_input: int,
    review: str,
    reviewers: tuple[str, ...],
    priority: str | None,
    task_id: str | None,
    run_key: str | None,
    dry_run: bool,
) -> None:
    """Create a task, or adopt the identical task created before."""
    from connector.operations.tasks import TaskSpec, create_task

    if dataset_id and saved_search:
        raise ValidationError("give {argument} or {saved_search}, not both", argument="dataset_id")
    weight_map: dict[str, float] = {}
    for item in weights:
        user, sep, value = item.partition("=")
        try:
            weight_map[user] = float(value) if sep else float("nan")
        except ValueError:
            raise ValidationError(
                "bad {argument} {value}: use USER=NUMBER", argument="weights", value=shown(item)
            ) from None
    source, source_id = (
        ("DATASET", dataset_id)
        if dataset_id
        else (("SAVED_SEARCH", saved_search) if saved_search else ("ALL_INPUTS", None))
    )
    spec = TaskSpec(
        name=name,
        concept_ids=concepts,
        workers=workers,
        type=task_type,
        input_source=source,
        input_source_id=source_id,
        worker_strategy=strategy,
        partition=partition,
        weights=weight_map,
        workers_per_input=workers_per_input,
        review=review,
        reviewers=reviewers,
        priority=priority,
        task_id=task_id,
        run_key=run_key,
    )
    with cli_state().client() as client, suggest_on_missing(client):
        result = create_task(client, spec, dry_run=dry_run)
    emit(result.to_dict(), human=lambda r: click.echo(f"{r['details']['action']}: task {spec.id}"))


@tasks.command("watch")
@click.argument("task_id")
@click.option("--until", type=click.Choice(["done", "work", "review"]), default="done", show_default=True)
@click.option("--percent", type=float, help="Threshold for --until work/review.")
@click.option("--timeout", type=float, default=3600.0, show_default=True)
@click.option("--interval", type=float, default=1.0, show_default=True)
@click.option("--once", is_flag=True, help="Print the current status and exit, without waiting.")
@connection_options
@output_options
@handle_errors
def watch(task_id: str, until: TaskUntil, percent: float | None, timeout: float, interval: float, once: bool) -> None:
    """Show a task's progress, or wait until it is done or reaches a percent.

    On a terminal the wait draws a progress bar; elsewhere (a pipe, a scheduler's log)
    it writes one line on stderr whenever the task's state changes, and one every 30 s
    while it does not."""
    from connector.operations.tasks import watch_task
    from connector.operations.waits import task_status

    state = cli_state()
    with state.client() as client, suggest_on_missing(client):
        if not once:
            with progress_callback(state) as callback:
                watch_task(
                    client,
                    task_id,
                    until=until,
                    percent=percent,
                    timeout=timeout,
                    interval=interval,
                    max_interval=max(interval, 1.0),
                    progress=callback,
                )
        status = task_status(client, task_id)
    emit(
        status.to_dict(),
        human=lambda s: click.echo(
            f"task {s['task_id']}: {s['status']}, work {s['work_percent']:g}%, review {s['review_percent']:g}%"
        ),
    )


@tasks.command("update")
@click.argument("task_id")
@click.option("--worker", "workers", multiple=True, help="Worker user id (repeatable).")
@click.option("--reviewer", "reviewers", multiple=True, help="Reviewer user id (repeatable).")
@click.option("--concept", "concepts", multiple=True, help="Concept id (repeatable).")
@click.option("--mode", type=click.Choice(["overwrite", "merge", "remove"]), default="merge", show_default=True)
@click.option("--done", "mark", is_flag=True, cls=ArgumentOption, python_names=("done",), help="Mark the task done.")
@connection_options
@output_options
@dry_run_option
@review_options
@handle_errors
def update(
    task_id: str,
    workers: tuple[str, ...],
    reviewers: tuple[str, ...],
    concepts: tuple[str, ...],
    mode: str,
    mark: bool,
    dry_run: bool,
    yes: bool,
    plan_out: Path | None,
    show_all: bool,
) -> None:
    """Change workers/reviewers/concepts (overwrite, merge or remove), or mark done.

    Shows each field before → after, then asks before changing the task; --yes skips
    the question and is required when stdin is not a terminal."""
    from connector.operations.tasks import plan_update_task

    if not (workers or reviewers or concepts or mark):
        raise ValidationError(
            "nothing to update: give {argument}, {reviewers}, {concepts} or {mark}", argument="workers"
        )
    state = cli_state()
    with state.client() as client, suggest_on_missing(client):
        watch = Stopwatch(client)
        plan = plan_update_task(
            client,
            task_id,
            workers=workers or None,
            reviewers=reviewers or None,
            concepts=concepts or None,
            mode=mode,
            done=mark,
        )
        planned = OperationResult(
            operation="tasks.update",
            dry_run=True,
            counts={"would_change_fields": len(plan.changes)},
            ids={"task": [task_id]},
            requests=watch.requests,
            details={"changes": plan.changes},
        )
        review_and_apply(
            state,
            client,
            KINDS["tasks.update"],
            plan,
            ReviewOptions(dry_run=dry_run, yes=yes, plan_out=plan_out, show_all=True),
            settings=ApplySettings(),
            dry_result=planned,
        )


@tasks.command("delete")
@click.argument("task_ids", nargs=-1, required=True)
@connection_options
@output_options
@dry_run_option
@review_options
@handle_errors
def delete(task_ids: tuple[str, ...], dry_run: bool, yes: bool, plan_out: Path | None, show_all: bool) -> None:
    """Delete tasks by id. A task that does not exist is reported as not found (there
    is nothing to delete; it is not an error).

    Shows what is deleted, then asks; --yes skips the question and is required when
    stdin is not a terminal."""
    from connector.operations.tasks import plan_delete_tasks

    state = cli_state()
    with state.client() as client:
        watch = Stopwatch(client)
        plan = plan_delete_tasks(client, list(task_ids))
        absent = [row for row in plan.rows if row["action"] == "absent"]
        if absent:
            known = known_ids(client, "task")
            for row in absent:
                hint = did_you_mean(row["task_id"], known)
                if hint:
                    row["reason"] += f" ({hint})"
        planned = OperationResult(
            operation="tasks.delete",
            dry_run=True,
            counts={"would_delete": len(plan.to_delete), "not_found": len(absent)},
            ids={"would_delete": plan.to_delete, "not_found": [row["task_id"] for row in absent]},
            requests=watch.requests,
        )
        review_and_apply(
            state,
            client,
            KINDS["tasks.delete"],
            plan,
            ReviewOptions(dry_run=dry_run, yes=yes, plan_out=plan_out, show_all=show_all),
            settings=ApplySettings(),
            dry_result=planned,
        )


@tasks.command("cleanup")
@click.option("--older-than", required=True, metavar="DURATION", help="e.g. 30d")
@click.option(
    "--exclude-idle",
    is_flag=True,
    cls=ArgumentOption,
    python_names=("include_idle",),
    help="Do not treat idle tasks as abandoned.",
)
@connection_options
@output_options
@dry_run_option
@review_options
@handle_errors
def cleanup(
    older_than: str, exclude_idle: bool, dry_run: bool, yes: bool, plan_out: Path | None, show_all: bool
) -> None:
    """Delete tasks done or abandoned longer than a duration ago.

    Shows the plan (each task to delete, and why), then asks; --yes skips the question
    and is required when stdin is not a terminal."""
    from connector.operations.tasks import cleanup_tasks

    duration = parse_duration(older_than, "older_than")
    assert duration is not None
    state = cli_state()
    with state.client() as client:
        plan, planned = cleanup_tasks(client, duration, dry_run=True, include_idle=not exclude_idle)
        review_and_apply(
            state,
            client,
            KINDS["tasks.cleanup"],
            plan,
            ReviewOptions(dry_run=dry_run, yes=yes, plan_out=plan_out, show_all=show_all),
            settings=ApplySettings(),
            dry_result=planned,
        )


@tasks.command("list")
@connection_options
@output_options
@handle_errors
def list_tasks() -> None:
    """List the app's labeling tasks: status, input source, concepts, workers."""
    from connector.cli.listings import task_rows, tasks_table

    state = cli_state()
    with state.client() as client:
        rows = task_rows(client)
    emit(rows, human=lambda r: tasks_table(state, r))
