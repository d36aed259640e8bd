"""The emulator's command: ``python -m connector.emulator`` runs it, and the
``clarifai-connector emulator`` command of the command line is this same command.

It parses the flags into :class:`~connector.emulator.options.EmulatorOptions` and
serves with :func:`connector.emulator.server.run` (imported when the command runs, so
``--help`` needs no server dependencies).
"""

from __future__ import annotations

from typing import Any

import click

from connector.emulator.options import DEV_PAT, SEEDS, VALIDATE_ENV, EmulatorOptions

__all__ = ["emulator", "main", "options_from_flags"]

_DEFAULTS = EmulatorOptions()


def options_from_flags(**flags: Any) -> EmulatorOptions:
    """The :class:`EmulatorOptions` for the command's flag values (None = default)."""
    values = {key: value for key, value in flags.items() if value is not None}
    return EmulatorOptions(**values)


@click.command("emulator", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default=_DEFAULTS.host, show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=_DEFAULTS.port,
    show_default=True,
    type=click.IntRange(0, 65_535),
    help="Port (0 picks a free one).",
)
@click.option("--user-id", default=_DEFAULTS.user_id, show_default=True, help="The emulated user id.")
@click.option("--app-id", default=_DEFAULTS.app_id, show_default=True, help="The emulated app id.")
@click.option(
    "--pat",
    envvar="CLARIFAI_PAT",
    default=DEV_PAT,
    show_envvar=True,
    help="Key the emulator accepts (default: CLARIFAI_PAT, else a fixed development key, printed at start).",
)
@click.option(
    "--seed",
    type=click.Choice(SEEDS),
    default=_DEFAULTS.seed,
    show_default=True,
    help="Start with a realistic demo app, the demo app with a month of history (showcase) or an empty one.",
)
@click.option(
    "--seed-inputs",
    type=click.IntRange(0),
    default=_DEFAULTS.seed_inputs,
    show_default=True,
    help="Inputs in the demo (or showcase) seed.",
)
@click.option(
    "--latency-ms", type=click.FloatRange(0), default=0.0, show_default=True, help="Added to every API request."
)
@click.option(
    "--latency-jitter-ms",
    type=click.FloatRange(0),
    default=0.0,
    show_default=True,
    help="Random extra latency, uniform in [0, this].",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(0),
    default=0.0,
    show_default=True,
    help="Requests per second per account before 429 CONN_THROTTLED (0 = off; the real API allows 15).",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Probability that a request fails, all fault kinds mixed.",
)
@click.option(
    "--random-seed", type=int, default=0, show_default=True, help="Seed for every random choice (faults, jitter)."
)
@click.option(
    "--task-work-seconds",
    type=click.FloatRange(0),
    default=0.0,
    show_default=True,
    help="Seconds a new labeling task takes to reach 100% work (and as long again for review), "
    "then it is TASK_DONE (0 = tasks move only through the admin API).",
)
@click.option(
    "--status-as-names/--status-as-numbers",
    default=False,
    show_default=True,
    help="Send status codes as enum names instead of integers.",
)
@click.option(
    "--validate-responses/--no-validate-responses",
    default=False,
    show_default=True,
    envvar=VALIDATE_ENV,
    show_envvar=True,
    help="Check every response against its official message (slower); a violation answers 500 "
    "and is listed at /_emulator/violations.",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="warning",
    show_default=True,
    help="Server log level (info logs every request).",
)
@click.pass_context
def emulator(ctx: click.Context, /, log_level: str, **flags: Any) -> None:
    """Serve a local Clarifai-compatible API (REST v2) for tests and demos.

    Point the connector at it with CLARIFAI_API_BASE=http://127.0.0.1:8080. Faults,
    throttling and background progress can be changed while it runs through the admin
    API at /_emulator (see docs/emulator.md). Stop it with Ctrl-C.
    """
    from connector.emulator import server

    source = ctx.get_parameter_source("pat")
    pat_source = "CLARIFAI_PAT" if source == click.core.ParameterSource.ENVIRONMENT else "--pat"
    options = options_from_flags(**flags)  # click has checked every value
    if not options.pat:
        raise click.UsageError("the emulator needs a non-empty PAT (CLARIFAI_PAT or --pat)")
    try:
        server.run(options, pat_source=pat_source, log_level=log_level, echo=click.echo)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {options.host}:{options.port}: {exc.strerror or exc}") from exc


def main() -> None:
    """Entry point for ``python -m connector.emulator``."""
    emulator.main(prog_name="python -m connector.emulator")
