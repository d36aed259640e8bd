"""``clarifai-connector export``: write an inventory to Parquet, CSV or JSON Lines."""

from __future__ import annotations

import concurrent.futures
import difflib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from connector.catalog import FORMAT_NAMES, INVENTORY_NAMES
from connector.cli.common import (
    ArgumentOption,
    cli_state,
    connection_options,
    emit,
    handle_errors,
    note,
    output_options,
    progress,
)
from connector.cli.suggest import suggest_on_missing
from connector.counts import read_count
from connector.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from connector.client import ClarifaiClient


def run_export(
    inventory: str,
    out: Any,
    *,
    format: str | None = None,
    datasets: tuple[str, ...] = (),
    models: tuple[str, ...] = (),
    per_page: int | None = None,
    concurrency: int | None = None,
    max_pages: int | None = None,
    client: ClarifaiClient | None = None,
) -> dict[str, Any]:
    """Export ``inventory`` to ``out`` (a path, URI or binary stream) with a progress
    bar; returns the export summary. Builds a client from the CLI state unless one is
    given. A missing dataset or model gets a "did you mean" note."""
    state = cli_state()

    def go(c: ClarifaiClient) -> dict[str, Any]:
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="clarifai-count") as pool:
            # The listing's count (one request, `inputs` only) is on its way while
            # pyarrow is imported: its pages can then be asked for at once.
            count = pool.submit(read_count, c, inventory, concurrency=concurrency) if not (datasets or models) else None
            from connector.inventory.export import export as export_inventory

            expected = count.result() if count is not None else None
        with progress(state) as bar:
            task = bar.add_task(f"export {inventory}", total=None)
            result = export_inventory(
                c,
                inventory,
                out,
                format=format,
                datasets=list(datasets) or None,
                models=list(models) or None,
                per_page=per_page,
                concurrency=concurrency,
                max_pages=max_pages,
                expected_items=expected,
                on_rows=lambda n: bar.advance(task, n),
            )
        summary = result.to_dict()
        summary["requests"] = getattr(getattr(c, "stats", None), "requests", None)
        return summary

    if client is not None:
        with suggest_on_missing(client):
            return go(client)
    with state.client() as c, suggest_on_missing(c):
        return go(c)


def _human(summary: dict[str, Any]) -> None:
    click.echo(f"exported {summary['rows']} {summary['inventory']} rows to {summary['path']} ({summary['format']})")


class InventoryChoice(click.Choice[str]):
    """The inventory names, matched case-insensitively, with "did you mean" on a typo."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(str(value).replace("-", "_"), param, ctx)
        except click.BadParameter as exc:
            close = difflib.get_close_matches(str(value).lower().replace("-", "_"), [str(c) for c in self.choices], n=1)
            if not close:
                raise
            self.fail(f"{exc.message} (did you mean {close[0]!r}?)", param, ctx)


@click.command("export")
@click.argument("inventory", metavar="INVENTORY", type=InventoryChoice(sorted(INVENTORY_NAMES), case_sensitive=False))
@click.option(
    "--out",
    "-o",
    required=True,
    cls=ArgumentOption,
    python_names=("path_or_uri",),
    metavar="PATH|URI",
    help="Destination: a local path, - for stdout (with --format), or an fsspec URI (s3://..., memory://...).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    cls=ArgumentOption,
    python_names=("format",),
    type=click.Choice(sorted(FORMAT_NAMES)),
    default=None,
    help="Output format (default: from the --out suffix; must match a known suffix).",
)
@click.option(
    "--dataset",
    "datasets",
    multiple=True,
    metavar="ID",
    help="Dataset to list (repeatable; dataset_versions, dataset_inputs). Default: all datasets.",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="ID",
    help="Model to list (repeatable; model_versions). Default: all models.",
)
@click.option("--per-page", type=click.IntRange(1, 1000), default=None, help="Page size (default 1000).")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=None,
    help="Pages in flight at once, under the rate limit (default 8).",
)
@click.option("--max-pages", type=click.IntRange(min=1), default=None, help="Stop each listing after N pages.")
@connection_options
@output_options
@handle_errors
def export(
    inventory: str,
    out: str,
    fmt: str | None,
    datasets: tuple[str, ...],
    models: tuple[str, ...],
    per_page: int | None,
    concurrency: int | None,
    max_pages: int | None,
) -> None:
    """Export INVENTORY (apps, datasets, dataset_versions, inputs, tasks, ...) to a
    Parquet, CSV or JSON Lines file, page by page.

    The schemas are documented in docs/inventories.md. The file appears only once the
    export is complete; an existing file at --out is then replaced (its permissions
    kept), so a scheduled export refreshes its file. A symbolic link stays a link (the
    file it points to is replaced) and a special file (/dev/null, a FIFO, /dev/stdout)
    is written through. --out - streams to stdout (CSV or JSON Lines; Parquet only into
    a pipe or a file), and the summary goes to stderr. Read-only: nothing is changed
    on the API.
    """
    if not out.strip():
        raise click.BadParameter("must not be empty", param_hint="--out")
    destination: Any = out
    if out == "-":
        destination = _stdout(fmt)
    elif "://" not in out:
        destination = str(Path(out).expanduser())
    summary = run_export(
        inventory.lower(),
        destination,
        format=fmt,
        datasets=datasets,
        models=models,
        per_page=per_page,
        concurrency=concurrency,
        max_pages=max_pages,
    )
    from connector.inventory.export import descriptor_of

    if out == "-" or descriptor_of(out) == 1:  # stdout holds the data: the summary goes to stderr
        summary["path"] = out
        if cli_state().json_output:
            click.echo(json.dumps(summary), err=True)
        else:
            where = "stdout" if out == "-" else out
            note(f"exported {summary['rows']} {summary['inventory']} rows to {where} ({summary['format']})")
        return
    emit(summary, human=_human)


def _stdout(fmt: str | None) -> Any:
    """Standard output as a binary stream for ``--out -`` (ValidationError without a
    ``--format``, or for Parquet on a terminal)."""
    if fmt is None:
        raise ValidationError("--out - (stdout) needs --format csv, jsonl or parquet")
    stream = sys.stdout.buffer
    if fmt == "parquet" and sys.stdout.isatty():
        raise ValidationError("Parquet is binary: send --out - into a pipe or a file, or use --format csv or jsonl")
    return stream
