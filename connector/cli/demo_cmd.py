"""``clarifai-connector demo``: see the connector work end to end in a few seconds.

With no API configured (no ``--base-url`` and no ``CLARIFAI_API_BASE``) it starts the
bundled emulator with the demo seed on a free loopback port, so nothing leaves the
machine. It then exports inventories to Parquet and runs a dry-run prune and a dry-run
split. Everything it does against the API is read-only, so it is also safe to point at
a real app.
"""
from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from connector.cli.common import CliState, cli_state, connection_options, emit, handle_errors, note, output_options
from connector.config import Secret

#: Inventories the demo exports.
DEMO_INVENTORIES = ("datasets", "dataset_versions", "inputs", "tasks", "model_versions")


@contextlib.contextmanager
def backend(state: CliState, seed_inputs: int) -> Iterator[str | None]:
    """Yield the emulator URL after starting it (and pointing ``state`` at it) unless a
    base URL is configured; then yield ``None`` and use the configuration."""
    if state.has_remote_config():
        yield None
        return
    try:
        from connector.emulator.options import EmulatorOptions
        from connector.emulator.testing import EmulatorServer
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        from connector.cli.common import EXIT_USAGE, CommandError

        raise CommandError(
            f"the embedded emulator needs {getattr(exc, 'name', None) or exc!r}: "
            "pip install 'clarifai-connector[emulator]', or pass --base-url to use an API", EXIT_USAGE,
        ) from None
    options = EmulatorOptions(port=0, seed="demo", seed_inputs=seed_inputs)
    with EmulatorServer(options) as server:
        state.base_url = server.base_url
        state.user_id = server.user_id
        state.app_id = server.app_id
        state.pat = Secret(server.pat)
        yield server.base_url


def _prune_preview(client: Any) -> dict[str, Any]:
    from connector.operations.prune import PrunePolicy, plan_prune

    plan = plan_prune(client, None, PrunePolicy(keep_last=1))
    return {"considered": len(plan.rows), "would_delete": plan.delete_count, "guard": plan.guard}


def _split_preview(client: Any, dataset_id: str) -> dict[str, Any]:
    from connector.operations.split import SplitSpec, split

    _, result = split(client, SplitSpec(dataset_id=dataset_id, ratios={"train": 0.8, "test": 0.2}), dry_run=True)
    return {"dataset": dataset_id, **result.to_dict()}


@click.command("demo")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the Parquet files (default: a new temporary directory).")
@click.option("--seed-inputs", type=click.IntRange(0, 1_000_000), default=2_000, show_default=True,
              help="Inputs in the embedded emulator's demo app.")
@connection_options
@output_options
@handle_errors
def demo(out_dir: Path | None, seed_inputs: int) -> None:
    """Run the connector end to end: inventory exports, a dry-run prune and a dry-run
    split, against an embedded emulator unless --base-url / CLARIFAI_API_BASE is set.

    Read-only against the API; only the Parquet files are written.
    """
    from connector.cli.export_cmd import run_export

    state = cli_state()
    out = out_dir or Path(tempfile.mkdtemp(prefix="clarifai-demo-"))
    summary: dict[str, Any] = {"out_dir": str(out), "exports": []}
    with backend(state, seed_inputs) as emulator_url:
        summary["emulator"] = emulator_url
        if emulator_url:
            note(f"emulator started at {emulator_url} (demo seed, {seed_inputs} inputs)")
        with state.client() as client:
            for name in DEMO_INVENTORIES:
                result = run_export(name, str(out / f"{name}.parquet"), client=client)
                summary["exports"].append({k: result[k] for k in ("inventory", "rows", "pages", "path")})
                note(f"exported {result['rows']:>7} {name} rows -> {result['path']}")
            summary["prune_dry_run"] = _prune_preview(client)
            note(f"prune (keep the newest version, dry run): {summary['prune_dry_run']['would_delete']} of "
                 f"{summary['prune_dry_run']['considered']} versions would be deleted")
            datasets = [d["id"] for d in client.list_datasets(max_pages=1)]
            if datasets:
                summary["split_dry_run"] = _split_preview(client, datasets[0])
                note(f"split of {datasets[0]!r} 80/20 (dry run): {summary['split_dry_run'].get('counts')}")
            summary["requests"] = client.stats.requests
    emit(summary, human=lambda s: click.echo(f"demo finished: {len(s['exports'])} exports in {s['out_dir']}"))
