"""``make demo``: the whole job on the bundled emulator in a couple of minutes: every
inventory, the Airflow maintenance DAG, the Dagster project and the app report.

    python examples/demo/demo.py            # what `make demo` runs
    python examples/demo/demo.py --help

It starts the emulator with the showcase seed (the demo app plus a month of history,
20,000 inputs), the API's latency (50-100 ms) and its rate limit (15 requests/s), then:

1. exports every inventory (14) to Parquet in demo-output/before/ (progress bars on a
   terminal);
2. runs the nightly maintenance DAG of examples/airflow with ``airflow dags test`` in a
   throwaway AIRFLOW_HOME on SQLite: exports, prune plan (dry run), the report with that
   plan, the gate, prune, split of each maintained dataset, a snapshot of each target;
3. materializes the Dagster project of examples/dagster/pipeline: the cats-dogs split with
   its blocking checks and the training manifest, the labeling-task flow (job, emulated
   labelers, sensor, per-task export), the inventories with their checks and the report;
4. exports every inventory again (the app as the orchestrators left it) to demo-output/
   and builds demo-output/report.html from those files, with what the next nightly prune
   would delete; then prints where everything is.

Each orchestrator runs in a process of its own, as it would in production; this script
imports neither. Everything is rewritten by the next run (the emulator starts afresh).

Against the real API only when asked (``--real-api`` or ``CLARIFAI_DEMO_REAL_API=1``),
with the ``CLARIFAI_*`` variables: read-only there (the exports, the DAG as a dry run,
the Dagster inventories and reports) unless ``--apply``, which prunes, splits and
snapshots the datasets named with ``--dataset``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from connector.config import ClarifaiConfig
    from connector.emulator.testing import EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "examples" / "airflow" / "dags"
DAGSTER_STEP = Path(__file__).with_name("dagster_step.py")
NIGHTLY = "clarifai_nightly_maintenance"
#: What the nightly DAG maintains on the showcase app (cats-dogs is the Dagster project's).
MAINTAINED = ("street-scenes", "traffic-cams", "shelf-audit")
#: The nightly DAG's keep policy (its default): the newest 2 READY versions of each dataset.
KEEP_LAST = 2
#: What a run writes under the output directory (and removes first): nothing else there is touched.
OUTPUTS = ("before", "airflow", "dagster", "logs", "report.html")
#: The API's rate limit, and the latency a request takes on it.
RATE_LIMIT = 15.0
LATENCY_MS, JITTER_MS = 50.0, 50.0
#: Seconds a new dataset version spends PENDING, then IN_PROGRESS, on the emulator.
VERSION_PENDING_SECONDS, VERSION_IN_PROGRESS_SECONDS = 0.2, 0.3


class DemoError(Exception):
    """A step failed; the message says which, and where its log is."""


@dataclasses.dataclass
class Api:
    """Where the demo runs: the embedded emulator, or an API the user configured."""

    base_url: str
    pat: str
    user_id: str
    app_id: str
    rate_limit: float = RATE_LIMIT
    emulator: EmulatorServer | None = None

    @classmethod
    def of_emulator(cls, server: EmulatorServer, rate_limit: float = RATE_LIMIT) -> Api:
        return cls(server.base_url, server.pat, server.user_id, server.app_id, rate_limit, server)

    @classmethod
    def from_env(cls) -> Api:
        from connector.config import ClarifaiConfig

        config = ClarifaiConfig.from_env()
        if not config.app_id:
            raise DemoError("set CLARIFAI_APP_ID: the demo works on one app")
        rate = config.rate_limit if config.rate_limit else RATE_LIMIT
        return cls(config.base_url, config.pat.reveal(), config.user_id, config.app_id, rate)

    @property
    def is_emulator(self) -> bool:
        return self.emulator is not None

    def config(self) -> ClarifaiConfig:
        from connector.config import ClarifaiConfig

        return ClarifaiConfig(
            pat=self.pat, user_id=self.user_id, app_id=self.app_id, base_url=self.base_url, rate_limit=self.rate_limit
        )

    def env(self) -> dict[str, str]:
        """CLARIFAI_* for a child process (the PAT goes to the child only, never to a file)."""
        return {
            "CLARIFAI_API_BASE": self.base_url,
            "CLARIFAI_PAT": self.pat,
            "CLARIFAI_USER_ID": self.user_id,
            "CLARIFAI_APP_ID": self.app_id,
            "CLARIFAI_RATE_LIMIT": str(self.rate_limit),
        }


def child_env(**extra: str) -> dict[str, str]:
    """This environment without Airflow, Dagster or Clarifai settings, plus ``extra``:
    each orchestrator gets exactly the settings the demo gives it."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DAGSTER", "CLARIFAI_"))}
    if os.environ.get("CLARIFAI_EMULATOR_VALIDATE_RESPONSES"):
        base["CLARIFAI_EMULATOR_VALIDATE_RESPONSES"] = os.environ["CLARIFAI_EMULATOR_VALIDATE_RESPONSES"]
    bindir = str(Path(sys.executable).parent)
    base["PATH"] = bindir + os.pathsep + base.get("PATH", "")
    return {**base, **extra}


class Demo:
    """The four steps, against ``api``, writing under ``out``."""

    def __init__(
        self,
        api: Api,
        out: Path,
        *,
        apply: bool,
        datasets: Sequence[str],
        console: Console | None = None,
        poll_seconds: float = 0.25,
    ) -> None:
        self.api = api
        self.out = out
        self.apply = apply
        self.datasets = tuple(datasets)
        self.console = console or Console(highlight=False)
        self.poll_seconds = poll_seconds
        self.logs = out / "logs"
        self.maintained: list[str] = list(datasets) or list(MAINTAINED)
        self.summary: dict[str, Any] = {"api": api.base_url, "emulator": api.is_emulator, "applied": apply}

    # -- helpers ------------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        self.console.print(text, highlight=False, soft_wrap=True)

    def step(self, n: int, title: str) -> None:
        self.say()
        self.say(f"[bold]{n}/4 {title}[/bold]")

    def where(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)

    @contextlib.contextmanager
    def status(self, text: str) -> Iterator[None]:
        """A spinner with ``text`` on a terminal, one line elsewhere."""
        start = time.monotonic()
        if self.console.is_terminal:
            with self.console.status(text):
                yield
        else:
            self.say(f"   {text} ...")
            yield
        self.say(f"   {text}: done in {time.monotonic() - start:.0f}s")

    def run(self, args: Sequence[str], env: Mapping[str, str], log: Path, what: str) -> None:
        """Run a child process, its output appended to ``log``; DemoError if it fails."""
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as sink:
            sink.write(f"\n$ {' '.join(args[:6])}{' ...' if len(args) > 6 else ''}\n")
            sink.flush()
            done = subprocess.run(list(args), env=dict(env), stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)
        if done.returncode != 0:
            raise DemoError(f"{what} failed (exit {done.returncode}); its log: {self.where(log)}\n{tail(log)}")

    # -- the run ------------------------------------------------------------------------
    def clear(self) -> None:
        """Remove what an earlier run wrote (and only that)."""
        from connector.inventory import INVENTORIES

        self.out.mkdir(parents=True, exist_ok=True)
        for name in (*OUTPUTS, *(f"{n}.parquet" for n in INVENTORIES)):
            path = self.out / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()

    def all(self) -> dict[str, Any]:
        start = time.monotonic()
        self.clear()
        self.step(1, f"Every inventory of the app, exported to {self.where(self.out / 'before')}/")
        before = self.export_all(self.out / "before")
        self.step(2, "Airflow: the nightly maintenance DAG (airflow dags test, throwaway AIRFLOW_HOME on SQLite)")
        self.airflow()
        self.step(3, "Dagster: the project of examples/dagster/pipeline, materialized in its own process")
        self.dagster()
        self.step(4, f"The app as the orchestrators left it: every inventory and the report in {self.where(self.out)}/")
        after = self.export_all(self.out)
        self.report(before, after)
        self.summary["elapsed"] = round(time.monotonic() - start, 1)
        (self.logs / "summary.json").write_text(json.dumps(self.summary, indent=2, default=str))
        self.say()
        self.say(f"[bold green]Demo finished in {self.summary['elapsed']:.0f}s.[/bold green] Open:")
        for path, what in (
            (self.out / "report.html", "the app now"),
            (self.summary["airflow"].get("report"), "the app as the nightly run found it, with its prune plan"),
            (self.summary["dagster"].get("report"), "the Dagster project's report asset"),
            (self.out, "the 14 inventories as Parquet (and before/: the app as seeded)"),
        ):
            if path:
                self.say(f"   {self.where(Path(path))}  ({what})")
        return self.summary

    # -- 1 and 4: every inventory ---------------------------------------------------------
    def export_all(self, dest: Path) -> dict[str, int]:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from connector.client import ClarifaiClient
        from connector.inventory import INVENTORIES, export

        rows: dict[str, int] = {}
        start = time.monotonic()
        columns = (
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("{task.description:<16}"),
            BarColumn(bar_width=24),
            TextColumn("{task.completed:>10,.0f} rows"),
            TimeElapsedColumn(),
        )
        progress = Progress(*columns, console=self.console, disable=not self.console.is_terminal)
        with ClarifaiClient(self.api.config()) as client, progress:
            for name in INVENTORIES:
                task = progress.add_task(name, total=None)
                result = export(
                    client, name, dest / f"{name}.parquet", on_rows=lambda n, t=task: progress.advance(t, n)
                )
                progress.update(task, total=max(result.rows, 1), completed=result.rows)
                rows[name] = result.rows
                if not self.console.is_terminal:
                    self.say(f"   {name:<16} {result.rows:>10,} rows")
            stats = client.stats.snapshot()
        self.say(
            f"   {len(rows)} Parquet files in {self.where(dest)}/: {stats['requests']} requests "
            f"({stats['throttled']} throttled, {stats['retries']} retried) in {time.monotonic() - start:.1f}s"
        )
        return rows

    # -- 2: Airflow ---------------------------------------------------------------------
    def airflow(self) -> None:
        datasets = list(self.datasets) or (list(MAINTAINED) if self.api.is_emulator else self._all_datasets())
        self.maintained = datasets
        conf = {
            "datasets": datasets,
            "keep_last": KEEP_LAST,
            "export_dir": str((self.out / "airflow").resolve()),
            "seed": "nightly",
            "dry_run": not self.apply,
        }
        home = Path(tempfile.mkdtemp(prefix="clarifai-demo-airflow-"))
        log = self.logs / "airflow.log"
        connection = {
            "conn_type": "clarifai",
            "host": self.api.base_url,
            "password": self.api.pat,
            "extra": {"user_id": self.api.user_id, "app_id": self.api.app_id, "rate_limit": self.api.rate_limit},
        }
        env = child_env(
            AIRFLOW_HOME=str(home),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
            AIRFLOW__CORE__UNIT_TEST_MODE="False",
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
            AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(home / "logs"),
            AIRFLOW_CONN_CLARIFAI_DEFAULT=json.dumps(connection),
            CLARIFAI_POLL_SECONDS=str(self.poll_seconds if self.api.is_emulator else 5),
        )
        airflow = [sys.executable, "-m", "airflow"]
        self.say(
            f"   maintains {', '.join(datasets)}: keep the {KEEP_LAST} newest READY versions, split 80/20, snapshot"
            + ("" if self.apply else " [yellow](dry run: plan and report only, pass --apply to write)[/yellow]")
        )
        try:
            # No pool to create: `dags test` runs one task at a time and does not use pools.
            with self.status("airflow db migrate"):
                self.run([*airflow, "db", "migrate"], env, log, "airflow db migrate")
            with self.status(f"airflow dags test {NIGHTLY}"):
                self.run([*airflow, "dags", "test", NIGHTLY, "--conf", json.dumps(conf)], env, log, "airflow dags test")
            run = read_airflow_run(home / "airflow.db", NIGHTLY)
        finally:
            shutil.rmtree(home, ignore_errors=True)
        if run["state"] != "success":
            raise DemoError(f"the DAG run ended {run['state']}: {run['tasks']}; its log: {self.where(log)}")
        self._show_airflow(run)
        self.summary["airflow"] = {
            "state": run["state"],
            "report": run.get("report"),
            "tasks": {f"{t}[{i}]" if i >= 0 else t: s for (t, i), s in run["tasks"].items()},
            "results": {f"{t}[{i}]" if i >= 0 else t: v for (t, i), v in run["xcom"].items()},
        }

    def _all_datasets(self) -> list[str]:
        import pyarrow.parquet as pq

        table = pq.read_table(self.out / "before" / "datasets.parquet", columns=["id"])
        return sorted(str(v) for v in table.column("id").to_pylist())

    def _show_airflow(self, run: dict[str, Any]) -> None:
        states: dict[str, list[str]] = {}
        for (task, _), state in sorted(run["tasks"].items()):
            states.setdefault(task, []).append(state)
        table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 2))
        for column in ("task", "state"):
            table.add_column(column)
        for task, got in states.items():
            label = got[0] if len(set(got)) == 1 else ", ".join(sorted(set(got)))
            table.add_row(task + (f" (x{len(got)})" if len(got) > 1 else ""), label)
        self.console.print(table)
        values = run["xcom"]
        prune = values.get(("prune", -1))
        if prune:
            deleted = prune["ids"].get("deleted", [])
            self.say(f"   prune: deleted {len(deleted)} versions ({', '.join(deleted) or 'none'})")
        for key in sorted(k for k in values if k[0] == "split"):
            result = values[key]
            counts = result["counts"]
            sizes = " / ".join(f"{t} {counts.get('split_' + s, 0):,}" for s, t in result["targets"].items())
            self.say(f"   split: {sizes} ({counts.get('added', 0):,} inputs added)")
        snapshots = [v for k, v in values.items() if k[0] == "snapshot"]
        if snapshots:
            self.say(
                f"   snapshots: {len(snapshots)} versions, "
                + ", ".join(sorted({s["status"].replace("DATASET_VERSION_", "") for s in snapshots}))
            )
        report = values.get(("report", -1))
        if report:
            run["report"] = report["uri"]
            facts = report["facts"]
            self.say(
                f"   report: {self.where(Path(report['uri']))} (the app as found: "
                f"{facts.get('prune_deletes', 0)} versions the plan deletes, {facts['splits_flagged']} split(s) flagged)"
            )

    # -- 3: Dagster ---------------------------------------------------------------------
    def dagster(self) -> None:
        home = Path(tempfile.mkdtemp(prefix="clarifai-demo-dagster-"))
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        log = self.logs / "dagster.log"
        summary_file = self.logs / "dagster.json"
        storage = (self.out / "dagster").resolve()
        env = child_env(DAGSTER_HOME=str(home), CLARIFAI_STORAGE=str(storage), **self.api.env())
        args = [
            sys.executable,
            str(DAGSTER_STEP),
            "--summary",
            str(summary_file),
            "--rate-limit",
            str(self.api.rate_limit),
        ]
        if self.api.emulator is not None:
            args += ["--emulator-admin", self.api.base_url]
        else:  # the split and the task flow are the demo app's (cats-dogs): read-only elsewhere
            args.append("--read-only")
        what = (
            "split, labeling-task flow, inventories with checks, report"
            if self.api.is_emulator
            else "inventories with checks, report (the split and the task flow need the demo app)"
        )
        try:
            with self.status(f"dagster: {what}"):
                try:
                    self.run(args, env, log, "the Dagster step")
                except DemoError:
                    if not summary_file.exists():
                        raise
            result = json.loads(summary_file.read_text())
        finally:
            shutil.rmtree(home, ignore_errors=True)
        self.summary["dagster"] = result
        self._show_dagster(result)
        if not result.get("success"):
            raise DemoError(f"the Dagster step failed: {json.dumps(result)[:2000]}; its log: {self.where(log)}")

    def _show_dagster(self, result: dict[str, Any]) -> None:
        split = result.get("split")
        if split:
            checks = split["checks"]
            passed = sum(c["passed"] for c in checks)
            sizes = ", ".join(f"{k.rsplit('/', 1)[-1]} {v:,}" for k, v in split["targets"].items() if v is not None)
            self.say(f"   split of cats-dogs 70/20/10: {sizes}; {passed}/{len(checks)} blocking checks passed")
            if split.get("manifest_rows") is not None:
                self.say(f"   training manifest: {split['manifest_rows']:,} rows (ran because every check passed)")
        task = result.get("task")
        if task:
            self.say(
                f"   labeling task {task.get('task_id')}: created; the labelers annotated {task.get('labeled')} inputs and "
                f"finished it; the sensor fired; {task.get('exported_rows')} annotations exported"
            )
        inv = result.get("inventories") or {}
        checks = inv.get("checks", [])
        failed = [
            f"{c['asset'].rsplit('/', 1)[-1]}:{c['check']} ({c['severity'].lower()})" for c in checks if not c["passed"]
        ]
        self.say(
            f"   inventories: {', '.join(f'{k} {v:,}' for k, v in inv.get('rows', {}).items() if v is not None)}; "
            f"{len(checks) - len(failed)}/{len(checks)} checks passed"
            + (f", not passed: {', '.join(failed)}" if failed else "")
        )
        report = inv.get("report") or {}
        if report.get("path"):
            result["report"] = report["path"]
            self.say(f"   report asset: {self.where(Path(report['path']))}")

    # -- 4: the report --------------------------------------------------------------------
    def report(self, before: Mapping[str, int], after: Mapping[str, int]) -> None:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        from connector.operations import PrunePolicy, plan_prune_from_inventory
        from connector.report import load_parquet, make_report, report_facts, write_html

        versions = pq.read_table(self.out / "dataset_versions.parquet")
        versions = versions.filter(pc.is_in(versions.column("dataset_id"), value_set=_strings(self.maintained)))
        snapshot = load_parquet(self.out, api_base=self.api.base_url, user_id=self.api.user_id, app_id=self.api.app_id)
        plan = plan_prune_from_inventory(
            versions,
            pq.read_table(self.out / "model_versions.parquet"),
            PrunePolicy(keep_last=KEEP_LAST),
            now=snapshot.taken_until,
        )
        page, data = make_report(snapshot, prune_plan=plan, title=f"App report: {self.api.app_id} after make demo")
        path = write_html(page, self.out / "report.html")
        facts = report_facts(data)
        self.summary["report"] = {"path": str(path), "facts": facts}
        self.summary["rows"] = {"before": dict(before), "after": dict(after)}

        table = Table(show_edge=False, pad_edge=False, box=None, padding=(0, 2))
        for column, right in (("inventory", False), ("before", True), ("after", True), ("", False)):
            table.add_column(column, justify="right" if right else "left")
        for name, rows in after.items():
            was = before.get(name, 0)
            change = f"{rows - was:+,}" if rows != was else ""
            table.add_row(name, f"{was:,}", f"{rows:,}", change)
        self.console.print(table)
        self.say(f"   report: {self.where(path)} ({len(page.encode()) // 1024} KB), built from those files:")
        for split in facts["splits"]:
            state = "[red]flagged[/red]" if split["leaked"] or split["missing"] else "[green]ok[/green]"
            self.say(
                f"     split of {split['source']} into {', '.join(split['targets'].values())}: "
                f"{split['leaked']} inputs in two targets, {split['missing']} in none: {state}"
            )
        versions_facts = facts.get("versions", {})
        self.say(
            f"     {versions_facts.get('total', 0)} dataset versions ({versions_facts.get('failed', 0)} failed, "
            f"{versions_facts.get('pending', 0)} pending); the next nightly prune would delete {plan.delete_count}"
        )
        tasks = facts.get("tasks", {})
        self.say(
            f"     {tasks.get('total', 0)} labeling tasks: {tasks.get('open', 0)} open ({tasks.get('stale', 0)} stale)"
        )


def _strings(values: Sequence[str]) -> Any:
    import pyarrow as pa

    return pa.array(list(values), type=pa.string())


def read_airflow_run(db: Path, dag_id: str) -> dict[str, Any]:
    """The last run of ``dag_id`` in an Airflow metadata DB (SQLite): its state, each
    task instance's state and the tasks' return values (XCom ``return_value``)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        row = conn.execute(
            "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)
        ).fetchone()
        if row is None:
            return {"state": "missing", "tasks": {}, "xcom": {}}
        run_id, state = row
        tasks = {
            (task, index): str(task_state)
            for task, index, task_state in conn.execute(
                "SELECT task_id, map_index, state FROM task_instance WHERE dag_id = ? AND run_id = ?", (dag_id, run_id)
            )
        }
        xcom = {
            (task, index): _xcom_value(value)
            for task, index, value in conn.execute(
                "SELECT task_id, map_index, value FROM xcom WHERE dag_id = ? AND run_id = ? AND key = 'return_value'",
                (dag_id, run_id),
            )
        }
    return {"run_id": run_id, "state": state, "tasks": tasks, "xcom": xcom}


def _xcom_value(value: Any) -> Any:
    """An XCom value as stored (JSON, sometimes JSON of a JSON string)."""
    for _ in range(2):
        if isinstance(value, (str, bytes)):
            try:
                value = json.loads(value)
            except ValueError:
                break
    return value


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextlib.contextmanager
def embedded_emulator(inputs: int, *, latency: bool = True, rate_limit: float = RATE_LIMIT) -> Iterator[EmulatorServer]:
    """The bundled emulator on a free loopback port: the showcase app with ``inputs``
    inputs, the API's latency and rate limit."""
    from connector.emulator.testing import EmulatorServer

    with EmulatorServer(
        port=0,
        seed="showcase",
        seed_inputs=inputs,
        latency_ms=LATENCY_MS if latency else 0.0,
        latency_jitter_ms=JITTER_MS if latency else 0.0,
        rate_limit=rate_limit,
        version_pending_seconds=VERSION_PENDING_SECONDS,
        version_in_progress_seconds=VERSION_IN_PROGRESS_SECONDS,
    ) as server:
        yield server


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Where the Parquet files, the reports and the logs go (only what the demo writes is replaced).",
)
@click.option(
    "--inputs",
    type=click.IntRange(100, 1_000_000),
    default=20_000,
    show_default=True,
    help="Inputs of the emulated app.",
)
@click.option(
    "--real-api",
    is_flag=True,
    envvar="CLARIFAI_DEMO_REAL_API",
    help="Run against the API of the CLARIFAI_* variables instead of the emulator (read-only unless --apply).",
)
@click.option(
    "--apply", "apply_flag", is_flag=True, help="With --real-api: really prune, split and snapshot --dataset."
)
@click.option(
    "--dataset", "datasets", multiple=True, metavar="ID", help="With --real-api: a dataset the DAG maintains (repeat)."
)
def main(out: Path, inputs: int, real_api: bool, apply_flag: bool, datasets: tuple[str, ...]) -> None:
    """Run the connector's whole job (inventories, the Airflow DAG, the Dagster project,
    the app report) on the bundled emulator; see the module docstring."""
    console = Console(highlight=False, soft_wrap=True)
    if apply_flag and not real_api:
        raise click.UsageError("--apply is for --real-api: on the emulator everything is applied anyway")
    if real_api and apply_flag and not datasets:
        raise click.UsageError(
            "--apply against the real API needs --dataset ID (the datasets to prune, split and snapshot)"
        )
    if datasets and not real_api:
        raise click.UsageError(
            "--dataset is for --real-api: on the emulator the demo maintains " + ", ".join(MAINTAINED)
        )
    try:
        if real_api:
            api = Api.from_env()
            console.print(
                f"[bold]The API at {api.base_url}[/bold], app {api.user_id}/{api.app_id}: "
                + (
                    "changes are applied to " + ", ".join(datasets) + " (--apply)."
                    if apply_flag
                    else "read-only, dry runs only."
                )
            )
            Demo(api, out, apply=apply_flag, datasets=datasets, console=console).all()
            return
        start = time.monotonic()
        with embedded_emulator(inputs) as server:
            console.print(
                f"[bold]Clarifai emulator[/bold] at {server.base_url}: the showcase app ({inputs:,} inputs, a month "
                f"of history), {LATENCY_MS:.0f}-{LATENCY_MS + JITTER_MS:.0f} ms per request, {RATE_LIMIT:.0f} requests/s "
                f"like the API (started in {time.monotonic() - start:.1f}s)"
            )
            Demo(Api.of_emulator(server), out, apply=True, datasets=(), console=console).all()
    except DemoError as exc:
        console.print(f"[bold red]demo failed:[/bold red] {exc}")
        sys.exit(1)


if __name__ == "__main__":
    main()
