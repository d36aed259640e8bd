"""``clarifai-connector demo``: the connector's main job, end to end, in seconds.

With no API configured (no ``--base-url`` and no ``CLARIFAI_API_BASE``) it starts the
bundled emulator with the demo seed on a free loopback port, so nothing leaves the
machine, and then really does the work:

1. exports inventories to Parquet (a table of what was written);
2. splits a dataset 80/20 into train/test datasets: plan, apply, the leakage check,
   then the same split again, which must send zero writes (the idempotency promise);
3. prunes the dataset's versions with a keep policy (each version's action and reason);
4. creates a labeling task on the test split and watches it until done (the emulator
   plays the labelers: their progress is advanced through its admin API).

Pointed at a configured API it is read-only: exports, then dry runs of the split, the
prune and the task creation. ``--apply`` (with an explicit ``--dataset``) makes it write
there too; the task is then created and its status shown once, never waited for.

This is the command line's own tour; ``make demo`` (examples/demo/demo.py) also runs the
Airflow DAG and the Dagster project, which this package's commands never import.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from connector.cli.common import (
    EXIT_USAGE,
    CliState,
    CommandError,
    cli_state,
    connection_options,
    emit,
    handle_errors,
    output_options,
)
from connector.config import Secret

if TYPE_CHECKING:  # pragma: no cover
    from connector.client import ClarifaiClient
    from connector.emulator.testing import EmulatorServer

#: Inventories the demo exports.
DEMO_INVENTORIES = ("datasets", "dataset_versions", "inputs", "tasks", "model_versions")
#: Dataset the demo splits and prunes on the embedded emulator.
DEMO_DATASET = "cats-dogs"
#: The keep policy of the demo's prune: the newest READY version, failed ones older than a week go.
DEMO_KEEP_LAST = 1
DEMO_FAILED_GRACE = timedelta(days=7)
#: Run key of everything the demo creates (deterministic ids: a rerun adopts its own work).
RUN_KEY = "demo"
#: Emulated labeling progress per read of the watched task (percent).
LABELING_STEP = 25


@contextlib.contextmanager
def backend(state: CliState, seed_inputs: int) -> Iterator[EmulatorServer | None]:
    """Start the emulator (and point ``state`` at it) unless a base URL is configured;
    yield the running server, or ``None`` when the configuration is used."""
    if state.has_remote_config():
        yield None
        return
    try:
        from connector.emulator.options import EmulatorOptions
        from connector.emulator.testing import EmulatorServer
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise CommandError(
            f"the embedded emulator needs {getattr(exc, 'name', None) or exc!r}: "
            "pip install 'clarifai-connector[emulator]', or pass --base-url to use an API",
            EXIT_USAGE,
        ) from None
    options = EmulatorOptions(port=0, seed="demo", seed_inputs=seed_inputs)
    with EmulatorServer(options) as server:
        state.base_url = server.base_url
        state.user_id = server.user_id
        state.app_id = server.app_id
        state.pat = Secret(server.pat)
        yield server


@dataclasses.dataclass
class WriteCounter:
    """httpx request hook counting the requests that may change something (not GET)."""

    writes: int = 0

    def __call__(self, request: Any) -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            self.writes += 1


# -- rendering (stdout; skipped with --json) ---------------------------------------------
def _table(state: CliState, title: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if state.json_output:
        return
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("-" if v is None else str(v) for v in row))
    console = state.console
    if not console.is_terminal:  # in a pipe or a log, do not wrap rows at 80 columns
        from rich.console import Console

        console = Console(soft_wrap=True, width=max(console.width, 160))
    console.print(table)
    console.print()


def _say(state: CliState, text: str) -> None:
    if not state.json_output:
        state.console.print(text, highlight=False)


# -- steps ------------------------------------------------------------------------------
def _exports(state: CliState, client: ClarifaiClient, out: Path) -> list[dict[str, Any]]:
    from connector.cli.export_cmd import run_export

    exports = []
    for name in DEMO_INVENTORIES:
        result = run_export(name, str(out / f"{name}.parquet"), client=client)
        exports.append({k: result[k] for k in ("inventory", "rows", "pages", "path")})
    _table(
        state,
        f"1. Inventories exported to {out}",
        ("inventory", "rows", "pages", "columns", "file"),
        [(e["inventory"], e["rows"], e["pages"], _ncols(e["inventory"]), Path(e["path"]).name) for e in exports],
    )
    return exports


def _ncols(inventory: str) -> int:
    from connector.inventory.schemas import get_spec

    return len(get_spec(inventory).column_names)


def _split(
    state: CliState, client: ClarifaiClient, counter: WriteCounter, dataset_id: str, apply: bool
) -> dict[str, Any]:
    from connector.operations.split import SplitSpec, apply_split, plan_split
    from connector.operations.split import split as run_split

    spec = SplitSpec(
        dataset_id=dataset_id, ratios={"train": 0.8, "test": 0.2}, seed=RUN_KEY, stratify=True, run_key=RUN_KEY
    )
    plan = plan_split(client, spec)
    adds = plan.actions("add")
    planned = [
        (split, plan.targets[split], len(members), len(adds.get(plan.targets[split], [])))
        for split, members in plan.members.items()
    ]
    out: dict[str, Any] = {
        "dataset": dataset_id,
        "targets": dict(plan.targets),
        "source": plan.source_count,
        "plan": {s: {"target": t, "members": n, "to_add": a} for s, t, n, a in planned},
        "datasets_to_create": list(plan.create_datasets),
        "applied": apply,
    }
    _table(
        state,
        f"2. Split {dataset_id!r} ({plan.source_count} inputs) 80/20 (exact counts, seed {RUN_KEY!r}): plan",
        ("split", "target dataset", "planned inputs", "to add"),
        planned,
    )
    if not apply:
        _say(state, "   dry run: nothing written (pass --apply to write)\n")
        return out
    before = counter.writes
    result = apply_split(client, plan, recheck=False)  # applied right after planning
    out["result"] = result.to_dict()
    out["writes"] = counter.writes - before
    # apply_split has verified (it raises VerificationError otherwise): no input in two
    # targets and every planned input present. Show the evidence.
    members = {s: {i["input"]["id"] for i in client.list_dataset_inputs(t)} for s, t in plan.targets.items()}
    sets = list(members.values())
    overlap = set.intersection(*sets) if len(sets) > 1 else set()
    missing = sum(len(set(want) - members[s]) for s, want in plan.members.items())
    out["leakage"] = {
        "inputs_in_two_targets": len(overlap),
        "planned_inputs_missing": missing,
        "per_split": {s: len(m) for s, m in members.items()},
    }
    _say(
        state,
        f"   applied: {result.counts['added']} inputs added, {result.counts['datasets_created']} datasets created, "
        f"{out['writes']} write requests ({result.requests} requests, {result.elapsed:.2f}s)",
    )
    _say(
        state,
        f"   leakage check: {len(overlap)} inputs in two targets, {missing} planned inputs missing "
        f"({', '.join(f'{s}={n}' for s, n in out['leakage']['per_split'].items())})",
    )
    before = counter.writes
    _, again = run_split(client, spec)
    out["rerun"] = {
        "writes": counter.writes - before,
        "added": again.counts["added"],
        "datasets_created": again.counts["datasets_created"],
        "requests": again.requests,
    }
    _say(
        state,
        f"   same split again: {out['rerun']['writes']} write requests, {again.counts['added']} inputs added "
        f"(idempotent: reruns adopt what is there)\n",
    )
    return out


def _prune(
    state: CliState, client: ClarifaiClient, counter: WriteCounter, dataset_id: str, apply: bool
) -> dict[str, Any]:
    from connector.operations.prune import PrunePolicy, apply_prune, plan_prune

    policy = PrunePolicy(keep_last=DEMO_KEEP_LAST, delete_failed_older_than=DEMO_FAILED_GRACE)
    plan = plan_prune(client, [dataset_id], policy)
    out: dict[str, Any] = {
        "dataset": dataset_id,
        "policy": "keep the newest READY version; delete failed versions older than 7 days",
        "rows": [{k: r.get(k) for k in ("version_id", "status", "action", "reason")} for r in plan.rows],
        "would_delete": plan.delete_count,
        "guard": plan.guard,
        "applied": apply,
    }
    _table(
        state,
        f"3. Prune the versions of {dataset_id!r}: {out['policy']}",
        ("version", "status", "origin", "action", "reason"),
        [
            (
                r.get("version_id"),
                str(r.get("status") or "").replace("DATASET_VERSION_", ""),
                r.get("request_origin"),
                r.get("action"),
                r.get("reason"),
            )
            for r in plan.rows
        ],
    )
    if not apply:
        _say(state, f"   dry run: {plan.delete_count} of {len(plan.rows)} versions would be deleted; nothing written\n")
        return out
    before = counter.writes
    result = apply_prune(client, plan)
    out["result"] = result.to_dict()
    out["writes"] = counter.writes - before
    left = [v["id"] for v in client.list_dataset_versions(dataset_id)]
    out["versions_left"] = left
    _say(
        state,
        f"   applied: deleted {', '.join(result.ids['deleted']) or 'nothing'}; "
        f"verified, {len(left)} versions left ({', '.join(left)})\n",
    )
    return out


def _task(
    state: CliState, client: ClarifaiClient, server: EmulatorServer | None, target: str, apply: bool
) -> dict[str, Any] | None:
    from connector.operations.tasks import TaskSpec, create_task, watch_task
    from connector.operations.waits import task_status

    ids = [i["input"]["id"] for i in client.list_dataset_inputs(target, per_page=100, max_pages=1)]
    counts: dict[str, int] = {}
    for ann in client.list_annotations(input_ids=ids) if ids else ():
        for concept in (ann.get("data") or {}).get("concepts") or ():
            if concept.get("id"):
                counts[concept["id"]] = counts.get(concept["id"], 0) + 1
    concepts = sorted(counts, key=lambda c: (-counts[c], c))[:3]
    if not concepts:
        _say(state, f"4. Labeling task: skipped (the inputs of {target!r} carry no annotated concept)\n")
        return None
    spec = TaskSpec(
        name=f"demo: label {target}",
        concept_ids=tuple(concepts),
        workers=(client.config.user_id,),
        run_key=RUN_KEY,
        input_source="DATASET",
        input_source_id=target,
    )
    created = create_task(client, spec, dry_run=not apply)
    out: dict[str, Any] = {
        "task_id": spec.id,
        "action": created.details["action"],
        "concepts": concepts,
        "source": target,
    }
    _say(state, f"4. Labeling task {spec.id!r} on dataset {target!r} ({', '.join(concepts)}): {out['action']}")
    if not apply:
        _say(state, "   dry run: no task created\n")
        return out
    if server is None:  # a real API: show where it stands, never wait for people
        status = task_status(client, spec.id, counts=False)
        out["status"] = status.to_dict()
        _say(
            state,
            f"   status: {status.status}, work {status.work_percent:g}% "
            f"(follow it with: clarifai-connector tasks watch {spec.id})\n",
        )
        return out
    seen: list[str] = []

    def labelers_work(event: Any) -> None:
        """Each read of the task is followed by some emulated labeling work."""
        seen.append(event.message or "")
        _say(state, f"   watch: {event.message}")
        work = min(100, LABELING_STEP * len(seen))
        server.admin.set_task_progress(
            spec.id, work_percent=work, review_percent=0, status="TASK_DONE" if work >= 100 else None
        )

    final = watch_task(
        client, spec.id, until="done", timeout=30, interval=0.1, max_interval=0.2, progress=labelers_work
    )
    out["watch"] = {"reads": len(seen), "events": seen, "final": final.to_dict()}
    _say(state, f"   done: {final.status} after {len(seen)} reads (the emulator played the labelers)\n")
    return out


@click.command("demo")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the Parquet files (default: a new temporary directory).",
)
@click.option(
    "--seed-inputs",
    type=click.IntRange(0, 1_000_000),
    default=2_000,
    show_default=True,
    help="Inputs in the embedded emulator's demo app.",
)
@click.option(
    "--dataset",
    "dataset_id",
    metavar="ID",
    default=None,
    help=f"Dataset to split and prune (default: {DEMO_DATASET!r} on the emulator, else the first one).",
)
@click.option(
    "--apply",
    "apply_flag",
    is_flag=True,
    help="Against a configured API: really split, prune and create the task (needs --dataset).",
)
@connection_options
@output_options
@handle_errors
def demo(out_dir: Path | None, seed_inputs: int, dataset_id: str | None, apply_flag: bool) -> None:
    """Run the connector's main job end to end: inventory exports, a train/test split
    (applied, leakage-checked, rerun with zero writes), a prune with a keep policy and
    a labeling task watched until done, on an embedded emulator unless --base-url /
    CLARIFAI_API_BASE is set.

    Against a configured API it is read-only (dry runs) unless --apply is given.
    """
    state = cli_state()
    if apply_flag and state.has_remote_config() and not dataset_id:
        raise CommandError(
            "--apply against a configured API needs --dataset ID (the dataset to split and prune)", EXIT_USAGE
        )
    out = out_dir or Path(tempfile.mkdtemp(prefix="clarifai-demo-"))
    counter = WriteCounter()
    summary: dict[str, Any] = {"out_dir": str(out)}
    with backend(state, seed_inputs) as server:
        apply = apply_flag or server is not None
        summary["emulator"] = server.base_url if server is not None else None
        summary["applied"] = apply
        if server is not None:
            _say(
                state,
                f"Embedded emulator at {server.base_url} (demo seed, {seed_inputs} inputs): "
                "every step below is really applied.\n",
            )
        else:
            _say(
                state,
                f"Configured API {state.base_url or state.environ.get('CLARIFAI_API_BASE')}: "
                + (
                    "changes are applied (--apply).\n"
                    if apply
                    else "read-only, dry runs only (pass --apply to write).\n"
                ),
            )
        with state.client(event_hooks={"request": [counter]}) as client:
            if dataset_id:
                client.get_dataset(dataset_id)  # checked first: NotFoundError (exit 4) names it
            summary["exports"] = _exports(state, client, out)
            chosen = dataset_id
            if chosen is None:
                datasets = [d["id"] for d in client.list_datasets()]
                chosen = DEMO_DATASET if server is not None and DEMO_DATASET in datasets else next(iter(datasets), None)
            if chosen is None:
                _say(state, "The app has no dataset: split, prune and task skipped.")
            else:
                summary["split"] = _split(state, client, counter, chosen, apply)
                summary["prune"] = _prune(state, client, counter, chosen, apply)
                test_target = summary["split"]["targets"].get("test")
                summary["task"] = _task(state, client, server, test_target if apply else chosen, apply)
            summary["requests"] = client.stats.requests
            summary["writes"] = counter.writes
    emit(
        summary,
        human=lambda s: click.echo(
            f"demo finished: {len(s['exports'])} exports in {s['out_dir']}, {s['requests']} requests, {s['writes']} writes"
        ),
    )
