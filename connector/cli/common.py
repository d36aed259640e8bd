"""Shared conventions of every ``clarifai-connector`` command.

Every command built on this module behaves the same way:

Configuration
    ``--base-url``, ``--user-id`` and ``--app-id`` override ``CLARIFAI_API_BASE``,
    ``CLARIFAI_USER_ID`` and ``CLARIFAI_APP_ID``. They are accepted both on the group
    (``clarifai-connector --app-id A export ...``) and on each command; the value given
    last wins. The PAT is **never** a flag (flags end up in shell history and process
    lists): it comes from ``CLARIFAI_PAT``, from ``--pat-file PATH`` (or
    ``CLARIFAI_PAT_FILE``; the file's first line), or from a hidden interactive prompt
    when stdin is a terminal. ``--pat-file`` wins over the environment.

Errors and exit codes
    :func:`handle_errors` turns exceptions into one readable line on stderr,
    ``error: <message>`` (for API errors the message names the call, the status name
    and code, the HTTP status, the API's description and the ``req_id``), and exits
    with a documented code. The traceback is shown only with ``--debug``.

    ====  ===========================================================================
    code  meaning
    ====  ===========================================================================
    0     success
    1     the operation failed (verification, wait failed or timed out, unexpected)
    2     usage or validation error: bad flag, bad argument, bad configuration;
          nothing was written
    3     authentication / authorisation failed (bad or missing PAT, no scope)
    4     not found (app, dataset, version, task ... does not exist)
    5     a guard refused a destructive plan (re-run with ``--force`` to apply it)
    6     API or transient failure after retries (throttled, 5xx, outcome unknown,
          partial failure of a batch, any other API status)
    130   interrupted (Ctrl-C)
    ====  ===========================================================================

Output
    Results go to stdout; progress, logs and errors go to stderr. ``--json`` prints
    one JSON document on stdout (see :func:`emit`) instead of the human rendering.
    Progress bars (:func:`progress`) are drawn only when stderr is a terminal and
    ``--json`` is off.

Dry runs and confirmation
    A command that writes takes ``--dry-run`` (:func:`dry_run_option`): it reads, plans
    and prints the plan, and changes nothing. The commands that change or delete things
    (prune, split, tasks update/delete/cleanup, apply) show their plan and then ask
    before applying it when stdin is a terminal; ``--yes`` (:func:`review_options`)
    skips the question. When stdin is not a terminal nobody can answer, so they refuse
    to apply without ``--yes`` (exit 2, nothing written). ``--dry-run`` never needs it.

Progress
    On a terminal, progress is a bar on stderr. Elsewhere (a pipe, a scheduler's log)
    a stage that runs longer than :data:`PROGRESS_LOG_AFTER` seconds (a wait, mostly)
    writes a line on stderr when its state changes, and one every
    :data:`PROGRESS_LOG_INTERVAL` seconds while it does not.

Typical use::

    @click.command()
    @connection_options
    @output_options
    @dry_run_option
    @handle_errors
    def prune(dry_run: bool, ...) -> None:
        state = cli_state()
        with state.client() as client:
            report = ...
        emit(report, human=lambda r: state.console.print(...))
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar, cast

import click

from connector.config import ClarifaiConfig, Secret
from connector.errors import (
    ArgumentError,
    AuthenticationError,
    ClarifaiError,
    ConfigurationError,
    ConnectorError,
    GuardError,
    InvalidArgumentError,
    MissingObjectError,
    NotFoundError,
    ValidationError,
)
from connector.ids import looks_like_secret

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.progress import Progress

    from connector.client import ClarifaiClient

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# -- exit codes -------------------------------------------------------------------------
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_GUARD = 5
EXIT_API = 6
EXIT_INTERRUPTED = 130

#: Exit codes by meaning (the table of the module docstring and of docs/cli.md).
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_FAILED: "the operation failed (verification, wait failed or timed out, unexpected error)",
    EXIT_USAGE: "usage or validation error; nothing was written",
    EXIT_AUTH: "authentication or authorisation failed",
    EXIT_NOT_FOUND: "an object (app, dataset, version, task...) was not found",
    EXIT_GUARD: "a guard refused a destructive plan (use --force to apply it)",
    EXIT_API: "API or transient failure after retries (throttled, 5xx, outcome unknown, partial failure)",
    EXIT_INTERRUPTED: "interrupted",
}


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an exception (see the module docstring)."""
    if isinstance(exc, (KeyboardInterrupt, click.Abort)):
        return EXIT_INTERRUPTED
    if isinstance(exc, AuthenticationError):
        return EXIT_AUTH
    if isinstance(exc, (NotFoundError, MissingObjectError)):
        return EXIT_NOT_FOUND
    if isinstance(exc, GuardError):
        return EXIT_GUARD
    if isinstance(exc, (ValidationError, ConfigurationError, InvalidArgumentError, click.UsageError)):
        return EXIT_USAGE
    if isinstance(exc, ClarifaiError):
        return EXIT_API
    return EXIT_FAILED  # OperationError and anything unexpected


def one_line(text: str) -> str:
    """Collapse whitespace (newlines included) so a message fits on one line."""
    return " ".join(str(text).split())


def error_message(exc: BaseException, *, debug: bool = False, names: Mapping[str, str] | None = None) -> str:
    """The one-line message printed for ``exc`` (without the ``error:`` prefix). An
    error that names an argument names it as ``names`` says (the command's flags, see
    :func:`argument_names`)."""
    if isinstance(exc, (KeyboardInterrupt, click.Abort)):
        return "interrupted"
    notes = "".join(f"; {note}" for note in getattr(exc, "__notes__", ()))
    if isinstance(exc, ArgumentError) and names is not None:
        text = exc.render(names) or type(exc).__name__
        if isinstance(exc, GuardError) and "--force" not in text:
            text += " (re-run with --force to apply it)"
        return one_line(text + notes)
    if isinstance(exc, ConnectorError):
        text = str(exc) or type(exc).__name__
        if isinstance(exc, GuardError) and "--force" not in text:
            text += " (re-run with --force to apply it)"
        return one_line(text + notes)
    if isinstance(exc, OSError) and exc.filename is not None:
        return one_line(f"{exc.strerror or exc}: {exc.filename}")
    hint = "" if debug else " (re-run with --debug for the traceback)"
    return one_line(f"unexpected {type(exc).__name__}: {exc}{hint}")


class ArgumentOption(click.Option):
    """A click option that also stands for Python arguments of other names
    (``python_names``): an error naming ``input_source_id`` is shown as ``--dataset``
    on a command whose ``--dataset`` option declares that name."""

    def __init__(self, *args: Any, python_names: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.python_names = tuple(python_names)


def _flag(param: click.Parameter) -> str:
    """How a person types ``param``: its long option (``--keep-id``), or an argument's
    metavar (``TASK_IDS``)."""
    if isinstance(param, click.Option):
        longs = [o for o in param.opts if o.startswith("--")]
        return (longs or param.opts)[0]
    return param.human_readable_name


def argument_names(ctx: click.Context) -> dict[str, str]:
    """Python argument name -> how the running command spells it, read from the
    command's own parameters and those of its parent groups: ``keep_ids`` ->
    ``--keep-id`` (the option's name is the argument's), plus the ``python_names`` an
    :class:`ArgumentOption` declares. Where several options stand for one name, the one
    given on the command line wins."""
    candidates: dict[str, list[tuple[click.Parameter, click.Context]]] = {}
    current: click.Context | None = ctx
    while current is not None:
        for param in current.command.params:
            for name in (param.name, *getattr(param, "python_names", ())):
                if name:
                    candidates.setdefault(name, []).append((param, current))
        current = current.parent
    names: dict[str, str] = {}
    for name, found in candidates.items():
        given = [p for p, c in found if c.params.get(p.name or "") not in (None, False, ())]
        names[name] = _flag(given[0] if given else found[0][0])
    return names


class CommandError(click.ClickException):
    """A click exception that prints ``error: <message>`` and exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(one_line(message))
        # click declares exit_code a ClassVar but reads it from the instance it caught.
        self.exit_code = exit_code  # type: ignore[misc]  # per-instance exit code, read by click

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", file=file, err=True)


# -- state shared by the group and its commands ----------------------------------------
@dataclasses.dataclass
class CliState:
    """Options collected from the group and the command (stored in ``ctx.obj``)."""

    base_url: str | None = None
    user_id: str | None = None
    app_id: str | None = None
    pat_file: Path | None = None
    rate_limit: float | None = None
    json_output: bool = False
    debug: bool = False
    env: dict[str, str] | None = None  # tests may pass a mapping instead of os.environ
    #: A PAT set by code (e.g. the embedded emulator of ``demo``); never from a flag.
    pat: Secret | None = dataclasses.field(default=None, repr=False)
    _console: Console | None = dataclasses.field(default=None, repr=False)
    _err_console: Console | None = dataclasses.field(default=None, repr=False)

    # consoles are built lazily: `import connector.cli` stays light
    @property
    def console(self) -> Console:
        """rich console on stdout (results)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(soft_wrap=True)
        return self._console

    @property
    def err_console(self) -> Console:
        """rich console on stderr (progress, notes)."""
        if self._err_console is None:
            from rich.console import Console

            self._err_console = Console(stderr=True, soft_wrap=True)
        return self._err_console

    @property
    def environ(self) -> dict[str, str] | os._Environ[str]:
        return os.environ if self.env is None else self.env

    def has_remote_config(self) -> bool:
        """True when a base URL was configured by flag or environment (a variable set
        but empty counts: building the config then says it is empty)."""
        return self.base_url is not None or "CLARIFAI_API_BASE" in self.environ

    def read_pat(self) -> str:
        """The PAT from ``--pat-file``, else ``CLARIFAI_PAT``, else a hidden prompt when
        stdin is a terminal. Raises :class:`ConfigurationError` when there is none.
        The value is never logged or echoed."""
        if self.pat:
            return self.pat.reveal()
        if self.pat_file is not None:
            # The path is shown only when it reads as a path and cannot be a key: there is
            # no --pat flag, so pasting the PAT after --pat-file is an easy mistake.
            path = str(self.pat_file)
            if ("/" in path or path.startswith((".", "~"))) and not looks_like_secret(path):
                where = repr(path)
            else:
                where = (
                    "(not shown: it does not read as a file path; --pat-file takes a file that holds the PAT, "
                    "not the PAT itself)"
                )
            try:
                text = Path(self.pat_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a UTF-8 text file"
                raise ConfigurationError(
                    "cannot read the PAT file given by {argument} {where}: {why}",
                    argument="pat_file",
                    where=where,
                    why=why,
                ) from None
            lines = text.strip().splitlines()
            pat = lines[0].strip() if lines else ""
            if not pat:
                raise ConfigurationError(
                    "the PAT file given by {argument} {where} is empty", argument="pat_file", where=where
                )
            return pat
        pat = self.environ.get("CLARIFAI_PAT", "").strip()
        if pat:
            return pat
        if sys.stdin is not None and sys.stdin.isatty():
            pat = click.prompt("Clarifai PAT", hide_input=True, err=True).strip()
            if pat:
                return pat
        raise ConfigurationError(
            "no Clarifai PAT: set CLARIFAI_PAT or pass {argument} PATH (a file holding it)", argument="pat_file"
        )

    def build_config(self, **overrides: Any) -> ClarifaiConfig:
        """A :class:`ClarifaiConfig` from flags, then the environment; ``overrides``
        (e.g. ``pat=`` for an embedded emulator) win over both.

        Raises :class:`ConfigurationError` (exit code 2) when something is missing."""
        values: dict[str, Any] = {
            "base_url": self.base_url,
            "user_id": self.user_id,
            "app_id": self.app_id,
        }
        if self.rate_limit is not None:
            values["rate_limit"] = self.rate_limit
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "pat" not in values:
            values["pat"] = self.read_pat()
        return ClarifaiConfig.from_env(self.environ, **values)

    @contextlib.contextmanager
    def client(
        self, config: ClarifaiConfig | None = None, *, event_hooks: Any = None, **overrides: Any
    ) -> Iterator[ClarifaiClient]:
        """A :class:`~connector.client.ClarifaiClient` for this invocation, closed on exit.
        Requires an app id (``--app-id`` / ``CLARIFAI_APP_ID``) only where the call does.
        ``event_hooks`` go to httpx (e.g. to count the requests a step sends)."""
        from connector.client import ClarifaiClient

        cfg = config or self.build_config(**overrides)
        with ClarifaiClient(cfg, event_hooks=event_hooks) as c:
            if _freeze_before_work:
                gc.freeze()
            yield c


#: Set by the console script (see :func:`freeze_before_work`).
_freeze_before_work = False


def freeze_before_work(enabled: bool = True) -> None:
    """In the console script's process, freeze the objects that exist when a command
    has built its client and starts its work: the modules it imported (pyarrow, numpy,
    httpx, click, rich: some 45,000 objects) are moved out of the garbage collector's
    reach, so the collections a long listing sets off (a page of 1000 items is some
    10,000 new containers) walk only what the command itself creates. Those objects
    live as long as the process anyway. Not done when ``main`` is called in another
    program's process (a test, a notebook), whose heap is not ours to freeze."""
    global _freeze_before_work
    _freeze_before_work = enabled


def cli_state(ctx: click.Context | None = None) -> CliState:
    """The :class:`CliState` of the running command (created on first use)."""
    ctx = ctx or click.get_current_context()
    return ctx.ensure_object(CliState)


def _store(
    attr: str, convert: Callable[[Any], Any] | None = None
) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value is None or value is False or value == ():
            return
        setattr(cli_state(ctx), attr, convert(value) if convert else value)

    return callback


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time of the record (a handler bound to
    the stream of its creation would write to a stale stream after a redirection)."""

    #: Set on the handler ``--debug`` installs (so it is installed once per logger).
    _cli_debug: bool = False

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


#: True while a command run with ``--debug`` is running (read from any thread).
_debug_active = False


def _in_debug_command(record: logging.LogRecord) -> bool:
    """Log only while a command run with ``--debug`` runs: the handler outlives the
    command when the CLI is invoked in-process (tests, notebooks)."""
    return _debug_active


def _end_debug() -> None:
    global _debug_active
    _debug_active = False


def _enable_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value:
        return
    global _debug_active
    cli_state(ctx).debug = True
    _debug_active = True
    ctx.find_root().call_on_close(_end_debug)
    # The connector's own logs, and httpx's one line per request (method, URL, HTTP
    # status; never headers, so never the Authorization header).
    for name in ("connector", "httpx"):
        logger_ = logging.getLogger(name)
        if not any(getattr(h, "_cli_debug", False) for h in logger_.handlers):
            handler = _StderrHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            handler._cli_debug = True
            handler.addFilter(_in_debug_command)
            logger_.addHandler(handler)
        logger_.setLevel(logging.DEBUG)


# -- option decorators -----------------------------------------------------------------
def connection_options(f: F) -> F:
    """Add ``--base-url``, ``--user-id``, ``--app-id``, ``--pat-file``, ``--rate-limit``
    and ``--debug``. The values land in :func:`cli_state`, not in the function's kwargs."""
    options = [
        click.option(
            "--base-url",
            metavar="URL",
            expose_value=False,
            callback=_store("base_url"),
            help="API base URL (default: CLARIFAI_API_BASE, else https://api.clarifai.com).",
        ),
        click.option(
            "--user-id",
            metavar="ID",
            expose_value=False,
            callback=_store("user_id"),
            help="User id (default: CLARIFAI_USER_ID).",
        ),
        click.option(
            "--app-id",
            metavar="ID",
            expose_value=False,
            callback=_store("app_id"),
            help="App id (default: CLARIFAI_APP_ID).",
        ),
        click.option(
            "--pat-file",
            metavar="PATH",
            envvar="CLARIFAI_PAT_FILE",
            expose_value=False,
            type=click.Path(dir_okay=False, path_type=Path),
            callback=_store("pat_file"),
            help="Read the PAT from this file (first line). Default: CLARIFAI_PAT, else a hidden prompt.",
        ),
        click.option(
            "--rate-limit",
            metavar="N",
            type=click.FloatRange(min=0),
            expose_value=False,
            callback=_store("rate_limit"),
            help="Client-side requests per second (default 15; 0 = off).",
        ),
        click.option(
            "--debug",
            is_flag=True,
            is_eager=True,
            expose_value=False,
            callback=_enable_debug,
            help="Log at DEBUG level (the PAT is never logged) and show tracebacks.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def output_options(f: F) -> F:
    """Add ``--json`` (one JSON document on stdout instead of the human rendering)."""
    return click.option(
        "--json",
        "json_output",
        is_flag=True,
        expose_value=False,
        callback=_store("json_output"),
        help="Print the result as JSON on stdout.",
    )(f)


def dry_run_option(f: F) -> F:
    """Add ``--dry-run``, passed to the function as ``dry_run: bool``: plan, print the
    plan, change nothing."""
    return click.option(
        "--dry-run", is_flag=True, default=False, help="Read and plan only; print what would change and change nothing."
    )(f)


def review_options(f: F) -> F:
    """Add the options of a command that shows a plan before applying it: ``--yes``
    (``yes: bool``), ``--plan-out PATH`` (``plan_out: Path | None``) and
    ``--show-all`` (``show_all: bool``)."""
    options = [
        click.option(
            "--yes",
            "-y",
            is_flag=True,
            default=False,
            help="Apply without asking. Required to apply when stdin is not a terminal.",
        ),
        click.option(
            "--plan-out",
            metavar="PATH",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Save the plan as JSON (apply it later with: clarifai-connector apply PATH).",
        ),
        click.option(
            "--show-all", is_flag=True, default=False, help="List every row of the plan, not only what changes."
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def interactive() -> bool:
    """True when someone can answer a question: stdin is a terminal."""
    stdin = sys.stdin
    try:
        return stdin is not None and stdin.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stdin
        return False


# -- error handling ---------------------------------------------------------------------
def report_error(exc: BaseException, *, debug: bool = False, names: Mapping[str, str] | None = None) -> int:
    """Print ``exc`` as one line on stderr (traceback first when ``debug``) and return
    its exit code. ``names`` spells the arguments an error names (the command's flags)."""
    if debug and not isinstance(exc, (KeyboardInterrupt, click.Abort)):
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(f"error: {error_message(exc, debug=debug, names=names)}", err=True)
    return exit_code_for(exc)


def handle_errors(f: F) -> F:
    """Wrap a command so that connector errors (and Ctrl-C) end the process with one line
    on stderr and a documented exit code. click's own exceptions pass through."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except BrokenPipeError:
            # The reader of stdout went away (`... --out - | head`): end quietly, as a
            # pipe's writer does, without a traceback or a second error at exit.
            _detach_stdout()
            raise click.exceptions.Exit(EXIT_FAILED) from None
        except (KeyboardInterrupt, click.Abort, Exception) as exc:
            debug = False
            names: dict[str, str] | None = None
            ctx = click.get_current_context(silent=True)
            if ctx is not None:
                debug = cli_state(ctx).debug
                names = argument_names(ctx)
            code = report_error(exc, debug=debug, names=names)
            raise click.exceptions.Exit(code) from None

    return cast(F, wrapper)


def _detach_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests, notebooks)
        pass


# -- output -----------------------------------------------------------------------------
def to_jsonable(obj: Any) -> Any:
    """Plain JSON types for dataclasses, mappings, sets, paths, timestamps and enums."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(dataclasses.asdict(obj))
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = [to_jsonable(v) for v in obj]
        return sorted(items, key=str) if isinstance(obj, (set, frozenset)) else items
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "value") and hasattr(obj, "name"):  # enum
        return obj.value if isinstance(obj.value, (str, int)) else obj.name
    return str(obj)


def emit_json(obj: Any) -> None:
    """Print ``obj`` as one JSON document on stdout."""
    click.echo(json.dumps(to_jsonable(obj), indent=2, sort_keys=False))


def emit(obj: Any, human: Callable[[Any], None] | None = None) -> None:
    """Print a command's result: JSON with ``--json``, else ``human(obj)`` (default: a
    ``key: value`` listing of a mapping, or the object's text)."""
    state = cli_state()
    if state.json_output:
        emit_json(obj)
        return
    if human is not None:
        human(obj)
        return
    data = to_jsonable(obj)
    if isinstance(data, dict):
        for key, value in data.items():
            click.echo(f"{key}: {value if not isinstance(value, (dict, list)) else json.dumps(value)}")
    else:
        click.echo(str(data))


def note(message: str) -> None:
    """A human note on stderr (suppressed with ``--json`` so scripts see clean output)."""
    if not cli_state().json_output:
        click.echo(message, err=True)


def progress_enabled(state: CliState | None = None) -> bool:
    """Progress bars are drawn only on a terminal (stderr) and never with ``--json``."""
    state = state or cli_state()
    return not state.json_output and state.err_console.is_terminal


@contextlib.contextmanager
def progress(state: CliState | None = None) -> Iterator[Progress]:
    """A rich :class:`~rich.progress.Progress` on stderr, disabled (a no-op) when not a
    terminal or with ``--json``. Use ``p.add_task(...)`` / ``p.advance(task, n)``."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    state = state or cli_state()
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=state.err_console,
        transient=True,
        disable=not progress_enabled(state),
    )
    with bar:
        yield bar


#: Seconds between two progress lines of a stage whose state does not change (not a terminal).
PROGRESS_LOG_INTERVAL = 30.0
#: Seconds a stage runs before it logs progress lines (a quick stage logs none).
PROGRESS_LOG_AFTER = 2.0


class ProgressLines:
    """Progress for a log, for long stages: once a stage has been running ``after``
    seconds, one line whenever its state changes, and one every ``interval`` seconds
    while it does not. A stage that ends sooner writes nothing. ``write`` gets each
    line (stderr in the command line); ``clock`` is injectable for tests."""

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        interval: float = PROGRESS_LOG_INTERVAL,
        after: float = PROGRESS_LOG_AFTER,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self._write, self._interval, self._after = write, interval, after
        self._clock = clock or time.monotonic
        self._started: dict[tuple[str, str], float] = {}
        self._last: dict[tuple[str, str], tuple[str, float]] = {}

    def __call__(self, event: Any) -> None:
        key = (str(event.operation), str(event.stage))
        state = str(event.message or "")
        now = self._clock()
        if now - self._started.setdefault(key, now) < self._after:
            return
        previous = self._last.get(key)
        if previous is not None and previous[0] == state and now - previous[1] < self._interval:
            return
        self._last[key] = (state, now)
        from datetime import UTC, datetime

        stamp = datetime.now(UTC).strftime("%H:%M:%SZ")
        count = ""
        if event.total:
            count = f" {event.done}/{event.total}"
        elif event.done:
            count = f" {event.done}"
        message = f": {state}" if state else ""
        self._write(f"[{stamp}] {event.operation} {event.stage}{count}{message}")


@contextlib.contextmanager
def progress_callback(state: CliState | None = None) -> Iterator[Callable[[Any], None]]:
    """A progress callback for an operation (it gets ``ProgressEvent`` objects): a bar
    per stage on a terminal (not with ``--json``), otherwise :class:`ProgressLines` on
    stderr, so a scheduler's log shows a long wait moving."""
    state = state or cli_state()
    if state.err_console.is_terminal:
        with progress(state) as bar:
            stages: dict[str, Any] = {}

            def update(event: Any) -> None:
                key = f"{event.operation} {event.stage}"
                if key not in stages:
                    stages[key] = bar.add_task(key, total=event.total)
                bar.update(stages[key], completed=event.done, total=event.total)

            yield update
        return
    yield ProgressLines(lambda line: click.echo(line, err=True))


__all__ = [
    "EXIT_API",
    "EXIT_AUTH",
    "EXIT_CODES",
    "EXIT_FAILED",
    "EXIT_GUARD",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROGRESS_LOG_AFTER",
    "PROGRESS_LOG_INTERVAL",
    "ArgumentOption",
    "CliState",
    "CommandError",
    "ProgressLines",
    "argument_names",
    "cli_state",
    "connection_options",
    "dry_run_option",
    "emit",
    "emit_json",
    "error_message",
    "exit_code_for",
    "handle_errors",
    "interactive",
    "note",
    "one_line",
    "output_options",
    "progress",
    "progress_callback",
    "progress_enabled",
    "report_error",
    "review_options",
    "to_jsonable",
]
