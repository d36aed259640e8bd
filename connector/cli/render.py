"""Human output of the command line: aligned tables (rich) and short value renderings.

Tables go to stdout, drawn without side borders so they stay readable in a log. On a
terminal they fit its width; in a pipe or a log file rows are never wrapped (the
console is made wide enough), so one row stays one line for grep.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from connector.operations.base import human_duration

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from connector.cli.common import CliState

#: Rows a table shows unless ``--show-all`` asks for every row.
DEFAULT_ROW_LIMIT = 50

#: Styles of the action a plan row takes (terminal only; plain text elsewhere).
ACTION_STYLES = {
    "delete": "red",
    "remove": "red",
    "add": "green",
    "change": "yellow",
    "keep": "dim",
    "stay": "dim",
    "unchanged": "dim",
    "absent": "dim",
}


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a table: its header and how to get a row's text."""

    header: str
    value: Callable[[Mapping[str, Any]], Any]
    style_by_value: Mapping[str, str] | None = None

    @classmethod
    def key(cls, header: str, key: str | None = None, **kw: Any) -> Column:
        """A column showing ``row[key]`` (``key`` defaults to the header)."""
        name = key or header
        return cls(header, lambda row: row.get(name), **kw)


def text(value: Any) -> str:
    """A cell's text: ``-`` for nothing, lists joined with commas, booleans as yes/no."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value) if value else "(none)"
    return str(value)


def age(days: float | None) -> str:
    """An age given in days, to its two largest units (``29d 23h``, ``5m 2s``)."""
    if days is None:
        return "-"
    return " ".join(human_duration(timedelta(days=float(days))).split()[:2])


def wide_console(state: CliState) -> Console:
    """The stdout console, or one wide enough never to wrap a row when stdout is not a
    terminal."""
    console = state.console
    if console.is_terminal:
        return console
    from rich.console import Console

    return Console(file=console.file, soft_wrap=True, width=max(console.width, 240), no_color=True)


def print_table(
    state: CliState,
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any]],
    *,
    title: str | None = None,
    limit: int | None = DEFAULT_ROW_LIMIT,
    more_hint: str = "",
) -> int:
    """Print ``rows`` as an aligned table (at most ``limit`` of them; None: all) and,
    when rows were left out, a line saying how many. Returns the rows printed."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in columns:
        table.add_column(column.header, overflow="fold")
    shown = hidden = 0
    for row in rows:
        if limit is not None and shown >= limit:
            hidden += 1
            continue
        cells = []
        for column in columns:
            cell = text(column.value(row))
            style = (column.style_by_value or {}).get(cell)
            cells.append(f"[{style}]{_escape(cell)}[/]" if style else _escape(cell))
        table.add_row(*cells)
        shown += 1
    console = wide_console(state)
    if shown:
        if console.is_terminal:
            console.print(table, highlight=False)
        else:  # plain text for a pipe or a log: no padding after the last column
            with console.capture() as captured:
                console.print(table, highlight=False)
            console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
            console.file.flush()
    if hidden:
        console.print(f"... and {hidden} more row{'s' if hidden != 1 else ''} not shown{more_hint}", highlight=False)
    return shown


def _escape(value: str) -> str:
    from rich.markup import escape

    return escape(value)


def say(state: CliState, message: str) -> None:
    """A line of the human rendering on stdout (nothing with ``--json``)."""
    if not state.json_output:
        wide_console(state).print(message, highlight=False, markup=False)


__all__ = [
    "ACTION_STYLES",
    "DEFAULT_ROW_LIMIT",
    "Column",
    "age",
    "print_table",
    "say",
    "text",
    "wide_console",
]
