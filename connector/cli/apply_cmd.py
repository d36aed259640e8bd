"""``clarifai-connector apply PLAN.json``: apply a plan saved with ``--plan-out``.

The plan file says which operation it belongs to (prune, split, tasks.cleanup,
tasks.delete, tasks.update) and which app it was made for. The plan is shown, checked
against the app's current state by the operation's own apply (a version protected
since, a task reopened since, an input gone from the source... is skipped and listed;
a split the current state contradicts is refused), confirmed like any other plan, and
applied. ``--dry-run`` shows the plan and what the check would skip now.
"""

from __future__ import annotations

from pathlib import Path

import click

from connector.cli.common import (
    cli_state,
    connection_options,
    dry_run_option,
    handle_errors,
    note,
    output_options,
)
from connector.cli.plans import ApplySettings, ReviewOptions, load_plan, review_and_apply
from connector.cli.render import say
from connector.errors import ValidationError
from connector.operations.base import OperationResult


@click.command("apply")
@click.argument("plan_file", metavar="PLAN.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Apply a plan its guard refuses (prune: too many deletions; split: targets holding inputs from elsewhere).",
)
@click.option(
    "--batch-size", type=click.IntRange(min=1), default=None, help="Ids per write request (default: as saved)."
)
@click.option("--timeout", type=click.FloatRange(min=0), default=None, help="Seconds to wait for server work.")
@click.option("--yes", "-y", is_flag=True, help="Apply without asking. Required when stdin is not a terminal.")
@click.option("--show-all", is_flag=True, help="List every row of the plan, not only what changes.")
@connection_options
@output_options
@dry_run_option
@handle_errors
def apply(
    plan_file: Path,
    force: bool,
    batch_size: int | None,
    timeout: float | None,
    yes: bool,
    show_all: bool,
    dry_run: bool,
) -> None:
    """Apply a plan saved with --plan-out (prune, split, tasks update/delete/cleanup).

    The plan must have been made for the configured app. It is checked against the
    current state first: rows that no longer hold are skipped and listed (or, for a
    split the state now contradicts, the plan is refused). Asks before applying on a
    terminal; --yes skips the question and is required when stdin is not a terminal."""
    saved = load_plan(plan_file)
    state = cli_state()
    with state.client() as client:
        config = client.config
        if saved.user_id is not None or saved.app_id is not None:
            if (saved.user_id, saved.app_id) != (config.user_id, config.app_id):
                raise ValidationError(
                    f"the plan in {str(plan_file)!r} was made for app {saved.user_id}/{saved.app_id}, not "
                    f"{config.user_id}/{config.app_id}: point the command at that app (--user-id, --app-id) "
                    "or make the plan again"
                )
        else:
            note(
                f"{plan_file} does not say which app it was made for (a plan saved from Python); "
                f"applying it to {config.user_id}/{config.app_id}"
            )
        made = f", made {saved.created_at}" if saved.created_at else ""
        note(f"Applying the {saved.kind.operation} plan in {plan_file}{made}; it is checked against the app first")
        kind, plan = saved.kind, saved.plan

        def preview() -> OperationResult | None:
            if kind.recheck is None:
                return None
            skipped = kind.recheck(client, plan)
            if skipped:
                say(state, f"Applied now, {len(skipped)} planned change(s) would be skipped:")
                for key, reason in skipped.items():
                    say(state, f"  {key}: {reason}")
            else:
                say(state, "Applied now, every planned change still holds.")
            return OperationResult(kind.operation, dry_run=True, details={"would_skip": skipped})

        options = saved.options
        review_and_apply(
            state,
            client,
            kind,
            plan,
            ReviewOptions(dry_run=dry_run, yes=yes, show_all=show_all),
            settings=ApplySettings(
                force=force,
                batch_size=batch_size or options.get("batch_size"),
                timeout=timeout if timeout is not None else options.get("timeout"),
            ),
            recheck_always=True,
            on_dry_run=preview,
        )


__all__ = ["apply"]
