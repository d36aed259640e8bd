"""Plan → review → apply on the command line.

Every command that changes or deletes things (``prune``, ``split``, ``tasks update``,
``tasks delete``, ``tasks cleanup``) and ``apply`` follow the same steps:

1. **plan** (read only) and show it: a summary line first (``Plan: 2 to delete, 9 to
   keep``), then an aligned table of the rows that change (every row with
   ``--show-all``);
2. ``--plan-out PATH`` saves the plan as JSON (with the operation it belongs to and the
   app it was made for), to be applied later with ``clarifai-connector apply PATH``;
3. ``--dry-run`` stops here;
4. a guard that refuses the plan (prune's ``--max-delete`` / ``--max-delete-share``;
   split's targets holding inputs from elsewhere)
   ends the command with exit code 5, the refused plan shown above the error;
5. **confirm**: on a terminal the command asks (``--yes`` skips the question); when
   stdin is not a terminal nobody can answer, so it refuses to apply without ``--yes``
   (exit 2, nothing written);
6. **apply** with the operation's own apply (which checks the plan against the current
   state again when time has passed: after a question, or for a saved plan), then show
   what was done.

The human rendering never builds the plan's JSON (a split of 100,000 inputs has as
many rows); ``--json`` and ``--plan-out`` do.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import click

from connector.cli.common import (
    EXIT_FAILED,
    EXIT_USAGE,
    CliState,
    CommandError,
    argument_names,
    error_message,
    interactive,
    note,
    progress_callback,
    to_jsonable,
)
from connector.cli.render import ACTION_STYLES, DEFAULT_ROW_LIMIT, Column, age, print_table, say, text
from connector.errors import ValidationError
from connector.operations.base import OperationResult, Plan, iter_document_json
from connector.operations.prune import PrunePlan, apply_prune, check_guard, recheck_protections
from connector.operations.split import SplitPlan, apply_split, recheck_split
from connector.operations.split import check_guard as check_split_guard
from connector.operations.tasks import CleanupPlan, TaskUpdatePlan, apply_cleanup, apply_update_task, recheck_cleanup

#: The ``format`` field of a saved plan file, and its version.
PLAN_FILE_FORMAT = "clarifai-connector-plan"
PLAN_FILE_VERSION = 1

ProgressFn = Callable[[Any], None]


# -- how a plan is shown ----------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class PlanView:
    """How one plan is shown and confirmed."""

    #: The first line: ``Plan: 2 to delete, 9 to keep ...``.
    summary: str
    #: Columns of the table of rows.
    columns: tuple[Column, ...]
    #: Whether a row is a change (shown without ``--show-all``).
    is_change: Callable[[Mapping[str, Any]], bool]
    #: Whether applying the plan writes anything at all.
    writes: bool
    #: The confirmation question (``Delete 2 dataset versions?``).
    question: str
    #: Extra tables printed between the summary and the rows (split: per target).
    extra: Callable[[CliState], None] | None = None


def _action(header: str = "action") -> Column:
    return Column.key(header, "action", style_by_value=ACTION_STYLES)


def _short(prefix: str) -> Callable[[Mapping[str, Any]], Any]:
    return lambda row: str(row.get("status") or "").removeprefix(prefix) or None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def prune_view(plan: PrunePlan) -> PlanView:
    actions = Counter(r["action"] for r in plan.rows)
    deletes = actions.get("delete", 0)
    datasets = len(plan.datasets)
    summary = (
        f"Plan: {deletes} to delete, {actions.get('keep', 0)} to keep "
        f"({_plural(len(plan.rows), 'version')} in {_plural(datasets, 'dataset')})"
    )
    columns = (
        Column.key("dataset", "dataset_id"),
        Column.key("version", "version_id"),
        Column("status", _short("DATASET_VERSION_")),
        Column("age", lambda r: age(r.get("age_days"))),
        Column("origin", lambda r: None if r.get("request_origin", "").endswith("NOT_SET") else r["request_origin"]),
        _action(),
        Column.key("reason"),
    )
    return PlanView(
        summary,
        columns,
        lambda r: r["action"] == "delete",
        writes=deletes > 0,
        question=f"Delete {_plural(deletes, 'dataset version')}?",
    )


def split_view(plan: SplitPlan) -> PlanView:
    spec = plan.spec
    source = spec.get("dataset_id") or "the app"
    if spec.get("version_id"):
        source = f"{source} (version {spec['version_id']})"
    creates = len(plan.create_datasets)
    snapshot = " Then a dataset version of each target (--snapshot)." if spec.get("snapshot") else ""
    creating = f"; {_plural(creates, 'dataset')} to create ({', '.join(plan.create_datasets)})" if creates else ""
    if spec.get("mode") == "server":
        shares = ", ".join(f"{plan.targets[s]} {round(float(r) * 100)}%" for s, r in spec.get("ratios", {}).items())
        state = "exists already: adopted" if plan.bulk_operation_exists else "to start"
        summary = (
            f"Plan: server-side random split of {source} ({plan.source_count} inputs) into {shares}; "
            f"bulk operation {plan.bulk_operation_id} {state}{creating}.{snapshot}"
        )
        writes = not plan.bulk_operation_exists or creates > 0 or bool(spec.get("snapshot"))
        return PlanView(summary, (), lambda r: False, writes=writes, question="Start the server-side split?")
    actions = Counter(r["action"] for r in plan.rows)
    adds, removes = actions.get("add", 0), actions.get("remove", 0)
    unchanged = actions.get("keep", 0) + actions.get("stay", 0)
    summary = (
        f"Plan: {adds} to add, {removes} to remove, {unchanged} unchanged "
        f"(source {source}: {plan.source_count} inputs, mode {spec.get('mode')}){creating}.{snapshot}"
    )
    columns = (
        Column.key("input", "input_id"),
        Column.key("concept", "stratum"),
        Column("unit", lambda r: (r.get("unit") or "").removeprefix("input:") or None),
        Column.key("split"),
        Column.key("target"),
        _action(),
    )

    def per_target(state: CliState) -> None:
        counts: dict[str, Counter[str]] = {split: Counter() for split in plan.targets}
        for row in plan.rows:
            counts.setdefault(row["split"], Counter())[row["action"]] += 1
        rows = [
            {
                "split": split,
                "target": target + (" (new)" if target in plan.create_datasets else ""),
                "add": counts[split]["add"],
                "remove": counts[split]["remove"],
                "unchanged": counts[split]["keep"] + counts[split]["stay"],
                "after": len(plan.members.get(split, ())),
            }
            for split, target in plan.targets.items()
        ]
        cols = tuple(Column.key(c) for c in ("split", "target", "add", "remove", "unchanged", "after"))
        print_table(state, cols, rows, limit=None)

    writes = adds > 0 or removes > 0 or creates > 0 or bool(spec.get("snapshot"))
    parts = [f"add {adds}"] + ([f"remove {removes}"] if removes else [])
    return PlanView(
        summary,
        columns,
        lambda r: r["action"] in ("add", "remove"),
        writes=writes,
        question=f"Apply the split ({' and '.join(parts)} dataset inputs)?",
        extra=per_target,
    )


def tasks_view(plan: CleanupPlan) -> PlanView:
    actions = Counter(r["action"] for r in plan.rows)
    deletes = actions.get("delete", 0)
    if plan.operation == "tasks.delete":
        absent = actions.get("absent", 0)
        summary = f"Plan: {deletes} to delete" + (f", {absent} not found (nothing to delete)" if absent else "")
    else:
        summary = f"Plan: {deletes} to delete, {actions.get('keep', 0)} to keep ({_plural(len(plan.rows), 'task')})"
    columns = (
        Column.key("task", "task_id"),
        Column.key("name"),
        Column("status", _short("TASK_")),
        Column("untouched for", lambda r: age(r.get("age_days"))),
        _action(),
        Column.key("reason"),
    )
    return PlanView(
        summary,
        columns,
        lambda r: r["action"] in ("delete", "absent"),
        writes=deletes > 0,
        question=f"Delete {_plural(deletes, 'task')}?",
    )


def _diff(row: Mapping[str, Any]) -> str | None:
    before, after = row.get("before"), row.get("after")
    if not isinstance(before, list) or not isinstance(after, list):
        return None
    added = [f"+{v}" for v in after if v not in before]
    removed = [f"-{v}" for v in before if v not in after]
    return " ".join(added + removed) or None


def update_view(plan: TaskUpdatePlan) -> PlanView:
    actions = Counter(r["action"] for r in plan.rows)
    changes = actions.get("change", 0)
    summary = f"Plan: {changes} to change, {actions.get('unchanged', 0)} unchanged (task {plan.task_id})"
    columns = (
        Column.key("field"),
        Column.key("before"),
        Column("", lambda r: "→"),
        Column.key("after"),
        Column("diff", _diff),
        _action(),
    )
    fields = [r["field"] for r in plan.rows if r["action"] == "change"]
    return PlanView(
        summary,
        columns,
        lambda r: r["action"] == "change",
        writes=changes > 0,
        question=f"Change {' and '.join(fields) or 'nothing'} of task {plan.task_id}?",
    )


def emit_document(doc: Mapping[str, Any]) -> None:
    """Print a plan command's ``--json`` document on stdout, the plan written a few
    hundred rows at a time (:func:`connector.operations.base.iter_document_json`): the
    same text ``emit_json`` prints, without holding the whole document in memory."""
    out = sys.stdout  # what click.echo writes to (and what CliRunner captures)
    for piece in iter_document_json(
        {k: v if isinstance(v, Plan) else to_jsonable(v) for k, v in doc.items()}, indent=2
    ):
        out.write(piece)
    out.write("\n")
    out.flush()


def show_plan(state: CliState, plan: Plan, view: PlanView, *, show_all: bool) -> None:
    """The summary line, the extra tables, and the rows that change (all with
    ``show_all``; at most :data:`DEFAULT_ROW_LIMIT` otherwise)."""
    if state.json_output:
        return
    say(state, view.summary)
    if view.extra is not None:
        view.extra(state)
    if not view.columns:
        return
    rows = plan.rows if show_all else [r for r in plan.rows if view.is_change(r)]
    hidden_unchanged = len(plan.rows) - len(rows)
    print_table(
        state,
        view.columns,
        rows,
        limit=None if show_all else DEFAULT_ROW_LIMIT,
        more_hint=": --show-all lists every row, --plan-out saves the whole plan",
    )
    if hidden_unchanged and not show_all:
        say(state, f"({_plural(hidden_unchanged, 'unchanged row')} not listed: --show-all lists them)")


# -- results ----------------------------------------------------------------------------
def _ids(values: Sequence[str], limit: int = 10) -> str:
    more = f" (+{len(values) - limit} more)" if len(values) > limit else ""
    return ", ".join(values[:limit]) + more


def _footer(result: OperationResult) -> str:
    return f" ({_plural(result.requests, 'request')}, {result.elapsed:.2f}s)"


def _skipped(state: CliState, result: OperationResult) -> None:
    for key, reason in (result.details.get("skipped") or {}).items():
        say(state, f"  skipped {key}: {reason}")


def prune_result(state: CliState, result: OperationResult) -> None:
    deleted = result.ids.get("deleted", [])
    line = f"Deleted {_plural(len(deleted), 'dataset version')}"
    say(state, line + (f": {_ids(deleted)}" if deleted else "") + _footer(result))
    _skipped(state, result)


def split_result(state: CliState, result: OperationResult) -> None:
    counts = result.counts
    created = result.ids.get("datasets_created", [])
    line = f"Added {counts.get('added', 0)}, removed {counts.get('removed', 0)} dataset inputs"
    if created:
        line += f"; created {_ids(created)}"
    say(state, line + _footer(result))
    per_split = result.details.get("per_split") or {}
    targets = result.ids.get("targets", [])
    if per_split:
        now = ", ".join(f"{split} {n} ({t})" for (split, n), t in zip(per_split.items(), targets, strict=False))
        say(state, f"Targets now hold: {now} (verified: no input in two targets)")
    for version in result.ids.get("versions", []):
        say(state, f"Snapshot: {version} (READY)")
    _skipped(state, result)
    if result.details.get("not_in_plan"):
        say(
            state,
            f"  {result.details['not_in_plan']} input(s) joined the source after the plan was made and were "
            "left out: make a new plan to place them",
        )


def tasks_result(state: CliState, result: OperationResult) -> None:
    deleted = result.ids.get("deleted", [])
    say(state, f"Deleted {_plural(len(deleted), 'task')}" + (f": {_ids(deleted)}" if deleted else "") + _footer(result))
    _skipped(state, result)


def update_result(state: CliState, result: OperationResult) -> None:
    task = (result.ids.get("task") or ["?"])[0]
    before, changes = result.details.get("before") or {}, result.details.get("changes") or {}
    if not changes:
        say(state, f"Task {task} unchanged: every field was already as planned" + _footer(result))
    else:
        parts = [f"{field} {text(before.get(field))} → {text(value)}" for field, value in changes.items()]
        say(state, f"Updated task {task}: " + "; ".join(parts) + _footer(result))
    _skipped(state, result)


# -- kinds of plans ---------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ApplySettings:
    """How to apply: the guard override, batch size and timeout (None: the
    operation's default), and whether to check the plan against the current state."""

    force: bool = False
    batch_size: int | None = None
    timeout: float | None = None
    recheck: bool = True


def _apply_prune(client: Any, plan: Plan, s: ApplySettings, progress: ProgressFn) -> OperationResult:
    kw: dict[str, Any] = {"batch_size": s.batch_size} if s.batch_size else {}
    return apply_prune(client, cast(PrunePlan, plan), force=s.force, recheck=s.recheck, progress=progress, **kw)


def _apply_split(client: Any, plan: Plan, s: ApplySettings, progress: ProgressFn) -> OperationResult:
    kw: dict[str, Any] = {"batch_size": s.batch_size} if s.batch_size else {}
    if s.timeout is not None:
        kw["timeout"] = s.timeout
    return apply_split(client, cast(SplitPlan, plan), force=s.force, recheck=s.recheck, progress=progress, **kw)


def _apply_tasks(client: Any, plan: Plan, s: ApplySettings, progress: ProgressFn) -> OperationResult:
    return apply_cleanup(client, cast(CleanupPlan, plan), recheck=s.recheck, progress=progress)


def _apply_update(client: Any, plan: Plan, s: ApplySettings, progress: ProgressFn) -> OperationResult:
    return apply_update_task(client, cast(TaskUpdatePlan, plan), recheck=s.recheck)


def _recheck_split(client: Any, plan: Plan) -> dict[str, str]:
    _, skipped, not_in_plan = recheck_split(client, cast(SplitPlan, plan))
    if not_in_plan:
        skipped = {**skipped, "(new inputs)": f"{not_in_plan} joined the source since: not in this plan"}
    return skipped


@dataclasses.dataclass(frozen=True)
class PlanKind:
    """What the command line does with one operation's plans."""

    operation: str
    plan_class: type[Plan]
    view: Callable[[Any], PlanView]
    apply: Callable[[Any, Plan, ApplySettings, ProgressFn], OperationResult]
    result: Callable[[CliState, OperationResult], None]
    #: Read-only: what applying now would skip (``apply --dry-run``); None: not known.
    recheck: Callable[[Any, Any], dict[str, str]] | None = None
    #: Raises when a guard refuses the plan (prune, split).
    guard: Callable[[Any, bool], None] | None = None


KINDS: dict[str, PlanKind] = {
    "prune": PlanKind(
        "prune",
        PrunePlan,
        prune_view,
        _apply_prune,
        prune_result,
        recheck=recheck_protections,
        guard=lambda plan, force: check_guard(plan, force=force),
    ),
    "split": PlanKind(
        "split",
        SplitPlan,
        split_view,
        _apply_split,
        split_result,
        recheck=_recheck_split,
        guard=lambda plan, force: check_split_guard(plan, force=force),
    ),
    "tasks.cleanup": PlanKind(
        "tasks.cleanup", CleanupPlan, tasks_view, _apply_tasks, tasks_result, recheck=recheck_cleanup
    ),
    "tasks.delete": PlanKind(
        "tasks.delete", CleanupPlan, tasks_view, _apply_tasks, tasks_result, recheck=recheck_cleanup
    ),
    "tasks.update": PlanKind("tasks.update", TaskUpdatePlan, update_view, _apply_update, update_result),
}


# -- plan files -------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class PlanFile:
    """A plan read from a file: the plan, its kind, and what the file says about where
    and how it was made."""

    kind: PlanKind
    plan: Plan
    user_id: str | None = None
    app_id: str | None = None
    created_at: str | None = None
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def save_plan(path: Path, plan: Plan, *, user_id: str | None, app_id: str | None, options: Mapping[str, Any]) -> None:
    """Write ``plan`` to ``path`` as JSON with the operation it belongs to, the app it
    was made for and the options its apply uses (never a secret). The file appears only
    when complete."""
    from connector.inventory.export import open_destination

    doc = {
        "format": PLAN_FILE_FORMAT,
        "version": PLAN_FILE_VERSION,
        "operation": plan.operation,
        "user_id": user_id,
        "app_id": app_id,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "options": dict(options),
        "plan": plan,
    }
    with open_destination(os.fspath(path)) as fh:
        for piece in iter_document_json(doc, indent=1):  # the plan streamed, not built whole
            fh.write(piece.encode("utf-8"))
        fh.write(b"\n")


def load_plan(path: Path) -> PlanFile:
    """Read a plan file written by ``--plan-out`` (or the ``--json`` output of a dry
    run, or a bare ``plan.to_json()`` from Python). ValidationError when it is not a
    plan this command line can apply."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{str(path)!r} is not JSON ({exc.msg} at line {exc.lineno}): not a plan file") from None
    if not isinstance(doc, dict):
        raise ValidationError(f"{str(path)!r} holds no plan (a JSON object is expected)")
    if "format" in doc:
        if doc.get("format") != PLAN_FILE_FORMAT:
            raise ValidationError(f"{str(path)!r} is not a plan file (format {doc.get('format')!r})")
        if doc.get("version") != PLAN_FILE_VERSION:
            raise ValidationError(
                f"{str(path)!r} is a plan file of version {doc.get('version')!r}; this command line reads "
                f"version {PLAN_FILE_VERSION}: make the plan again"
            )
        data = doc.get("plan")
    elif "rows" not in doc and isinstance(doc.get("plan"), dict):
        data = doc["plan"]  # the document a plan command prints with --json
    else:
        data = doc  # a plan saved from Python: plan.to_json()
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ValidationError(f"{str(path)!r} holds no plan rows")
    operation = str(data.get("operation") or doc.get("operation") or "")
    kind = KINDS.get(operation)
    if kind is None:
        raise ValidationError(f"{str(path)!r} is a plan of {operation!r}; plans of {', '.join(KINDS)} can be applied")
    return PlanFile(
        kind=kind,
        plan=kind.plan_class.from_dict(data),
        user_id=doc.get("user_id") if "format" in doc else None,
        app_id=doc.get("app_id") if "format" in doc else None,
        created_at=doc.get("created_at") if "format" in doc else None,
        options=doc.get("options") or {} if "format" in doc else {},
    )


# -- the review -------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ReviewOptions:
    """What the person asked for: a dry run, no question, a plan file, every row."""

    dry_run: bool = False
    yes: bool = False
    plan_out: Path | None = None
    show_all: bool = False


def confirm(state: CliState, view: PlanView, options: ReviewOptions) -> bool:
    """True to apply: ``--yes``, or "yes" to the question on a terminal (then the plan
    is checked again when applied: time has passed). Without a terminal, and without
    ``--yes``, a usage error (nothing written); "no" ends the command with exit 1."""
    if options.yes:
        return False
    if not interactive():
        raise CommandError(
            "refusing to apply the plan without confirmation: stdin is not a terminal, so there is no one to "
            "ask; re-run with --yes to apply it (or --dry-run to only show it); nothing was changed",
            EXIT_USAGE,
        )
    if not click.confirm(view.question, default=False, err=True):
        click.echo("Not applied: nothing was changed.", err=True)
        raise click.exceptions.Exit(EXIT_FAILED)
    return True


def review_and_apply(
    state: CliState,
    client: Any,
    kind: PlanKind,
    plan: Plan,
    options: ReviewOptions,
    *,
    settings: ApplySettings,
    dry_result: OperationResult | None = None,
    save_options: Mapping[str, Any] | None = None,
    recheck_always: bool = False,
    on_dry_run: Callable[[], OperationResult | None] | None = None,
) -> OperationResult | None:
    """Show ``plan``, save it if asked, stop on a dry run, let a guard refuse it, ask,
    apply it, and show what was done (or print the JSON document with ``--json``).
    Returns the apply's result (None when nothing was applied). ``on_dry_run`` runs
    after the plan is shown on a dry run; what it returns is the dry run's result."""
    view = kind.view(plan)
    show_plan(state, plan, view, show_all=options.show_all)
    plan_file = None
    if options.plan_out is not None:
        save_plan(
            options.plan_out,
            plan,
            user_id=client.config.user_id,
            app_id=client.config.app_id,
            options=save_options or {},
        )
        plan_file = os.fspath(options.plan_out)
        note(f"Plan saved to {plan_file}; apply it later with: clarifai-connector apply {plan_file}")

    def document(result: OperationResult | None, **extra: Any) -> dict[str, Any]:
        # The plan itself, streamed by emit_document: never built as one dict or string.
        return {"plan": plan, "result": result.to_dict() if result else None, "plan_file": plan_file, **extra}

    if options.dry_run:
        if on_dry_run is not None:
            dry_result = on_dry_run()
        if state.json_output:
            emit_document(document(dry_result, dry_run=True))
        else:
            say(state, "Dry run: nothing was changed.")
        return None
    if kind.guard is not None:
        try:
            kind.guard(plan, settings.force)
        except Exception as exc:
            if state.json_output:
                # The same words as the error line: flags, not Python arguments.
                refusal = error_message(exc, names=argument_names(click.get_current_context()))
                emit_document(document(None, refused=refusal))
            raise
    if not view.writes:
        if state.json_output:
            emit_document(document(None, applied=False))
        else:
            say(state, "Nothing to do: the plan changes nothing.")
        return None
    asked = confirm(state, view, options)
    settings = dataclasses.replace(settings, recheck=recheck_always or asked)
    with progress_callback(state) as callback:
        result = kind.apply(client, plan, settings, callback)
    if state.json_output:
        emit_document(document(result, applied=True))
    else:
        kind.result(state, result)
    return result


__all__ = [
    "KINDS",
    "PLAN_FILE_FORMAT",
    "PLAN_FILE_VERSION",
    "ApplySettings",
    "PlanFile",
    "PlanKind",
    "PlanView",
    "ReviewOptions",
    "confirm",
    "load_plan",
    "prune_view",
    "review_and_apply",
    "save_plan",
    "show_plan",
    "split_view",
    "tasks_view",
    "update_view",
]
