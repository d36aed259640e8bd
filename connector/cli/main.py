"""The ``clarifai-connector`` command group.

Subcommands are imported only when used, so ``clarifai-connector --help`` stays fast
and a command whose optional dependencies are missing (``emulator`` needs the
``emulator`` extra) fails with a clear message instead of breaking the whole CLI.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from connector.cli.common import EXIT_USAGE, CommandError, cli_state, connection_options, output_options

#: name -> ("module", "attribute", "extra that provides its dependencies" or None)
COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "export": ("connector.cli.export_cmd", "export", None),
    "datasets": ("connector.cli.datasets_cmd", "datasets", None),
    "apply": ("connector.cli.apply_cmd", "apply", None),
    "demo": ("connector.cli.demo_cmd", "demo", "emulator"),
    "emulator": ("connector.cli.emulator_cmd", "emulator", "emulator"),
    "prune": ("connector.cli.ops", "prune", None),
    "split": ("connector.cli.ops", "split", None),
    "tasks": ("connector.cli.ops", "tasks", None),
    "report": ("connector.cli.report_cmd", "report", None),
}


def _module_exists(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


class OneLineUsageError(click.UsageError):
    """A usage error (an unknown flag, a value of the wrong type) printed like every other
    error of the CLI: one line on stderr, naming the command's help. Exit code 2."""

    def show(self, file: Any = None) -> None:
        where = f" (see '{self.ctx.command_path} --help')" if self.ctx is not None else ""
        click.echo(f"error: {self.format_message()}{where}", err=True, file=file)


def _one_line(exc: click.UsageError) -> OneLineUsageError:
    if isinstance(exc, OneLineUsageError):
        return exc
    return OneLineUsageError(exc.format_message(), exc.ctx)


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use, and whose usage errors
    (the group's own or a subcommand's) print as one line."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _one_line(exc) from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line(exc) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        names.update(name for name, (module, _, _) in COMMANDS.items() if _module_exists(module))
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in COMMANDS:
            return command
        module_name, attr, extra = COMMANDS[cmd_name]
        if not _module_exists(module_name):
            return None
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            hint = (
                f"install it with: pip install 'clarifai-connector[{extra}]'"
                if extra
                else "reinstall clarifai-connector"
            )
            missing = getattr(exc, "name", None) or str(exc)
            return _unavailable(cmd_name, f"the {cmd_name!r} command needs {missing!r}, which is not installed; {hint}")
        command = getattr(module, attr, None)
        if not isinstance(command, click.Command):
            return None
        return command


def _unavailable(name: str, message: str) -> click.Command:
    def callback(**_: Any) -> None:
        raise CommandError(message, EXIT_USAGE)

    return click.Command(
        name,
        callback=callback,
        help=f"(unavailable) {message}",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@connection_options
@output_options
@click.version_option(package_name="clarifai-connector", prog_name="clarifai-connector")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Clarifai for data engineers: inventories, dataset operations, labeling tasks and
    a local API emulator.

    Configuration comes from flags or the environment (CLARIFAI_API_BASE,
    CLARIFAI_USER_ID, CLARIFAI_APP_ID). The PAT comes from CLARIFAI_PAT, --pat-file, or
    a hidden prompt, never from a flag. Exit codes: 0 ok, 1 failed, 2 usage/validation,
    3 auth, 4 not found, 5 guard refused, 6 API/transient, 130 interrupted.
    """
    cli_state(ctx)
