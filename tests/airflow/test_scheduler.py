"""The labeling DAG under a real Airflow: scheduler, dag-processor, triggerer, api-server
and LocalExecutor workers (``airflow standalone``) on SQLite, against the emulator. The
wait is deferred to the triggerer (the sensor's task instance is seen DEFERRED and the
triggerer runs our trigger) and the task resumes on a worker when the labeling task is
done. Bounded in time; every process started is killed at the end, also on failure."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.airflow.conftest import DAGS_FOLDER, connection_json

REPO = Path(__file__).resolve().parents[2]
RUN_ID = "scheduled-labeling-1"
DEADLINE = 300.0


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _stop(proc: subprocess.Popen[Any]) -> None:
    """Stop ``airflow standalone`` and everything it started (one process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # standalone's children may outlive it
    proc.wait(timeout=15)


def _prepare(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.airflow_prepare", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _wait_until_up(api_port: int, proc: subprocess.Popen[Any], deadline: float) -> None:
    """Until the api-server answers and reports a healthy scheduler and triggerer."""
    import httpx

    while time.monotonic() < deadline and proc.poll() is None:
        try:
            health = httpx.get(f"http://127.0.0.1:{api_port}/api/v2/monitor/health", timeout=2).json()
            if all((health.get(part) or {}).get("status") == "healthy" for part in ("scheduler", "triggerer")):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise AssertionError("airflow standalone did not come up in time")


def _query(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # locked for a moment by a writer
        return []


@pytest.mark.slow
@pytest.mark.timeout(DEADLINE + 120)
def test_labeling_dag_defers_to_the_triggerer_and_resumes(clarifai_env: Any, tmp_path: Path) -> None:
    home = tmp_path / "airflow"
    api, worker_logs, triggerer_logs = _free_ports(3)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(worker_logs),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(triggerer_logs),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "600",
        "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
        "AIRFLOW_CONN_CLARIFAI_DEFAULT": connection_json(clarifai_env),
        "CLARIFAI_POLL_SECONDS": "0.5",
    }
    clarifai_env.admin.set_options(task_work_seconds=8.0)
    conf = json.dumps({"export_dir": str(tmp_path / "exports"), "cleanup_older_than": "7d"})
    _prepare(env, "setup", "clarifai_labeling")

    db = home / "airflow.db"
    log_path = tmp_path / "standalone.log"
    seen: list[str] = []
    run_state = None
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "airflow"), "standalone"],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + DEADLINE
            _wait_until_up(api, proc, deadline)
            _prepare(env, "trigger", "clarifai_labeling", RUN_ID, conf)
            while time.monotonic() < deadline and proc.poll() is None:
                rows = _query(
                    db, "select state from task_instance where run_id = ? and task_id = 'wait_until_labeled'", RUN_ID
                )
                if rows and rows[0][0] and (not seen or seen[-1] != rows[0][0]):
                    seen.append(rows[0][0])
                run = _query(db, "select state from dag_run where run_id = ?", RUN_ID)
                run_state = run[0][0] if run else None
                if run_state in ("success", "failed"):
                    break
                time.sleep(0.25)
        finally:
            _stop(proc)
    output = log_path.read_text(errors="replace")
    states = _query(db, "select task_id, state, try_number from task_instance where run_id = ?", RUN_ID)
    assert run_state == "success", (run_state, states, seen, output[-6000:])

    # The wait went through DEFERRED: the worker paused it, the triggerer ran our trigger
    # (its log, which the triggerer writes next to the task's), and a worker resumed it.
    assert "deferred" in seen and seen[-1] == "success", seen
    logs = home / "logs" / "dag_id=clarifai_labeling" / f"run_id={RUN_ID}" / "task_id=wait_until_labeled"
    assert "Pausing task as DEFERRED" in (logs / "attempt=1.log").read_text()
    (trigger_log,) = [p.read_text() for p in logs.glob("attempt=1.log.trigger.*.log")]
    assert "starting" in trigger_log and "Trigger fired event" in trigger_log
    assert "'status': 'success', 'kind': 'task'" in trigger_log and "TASK_DONE" in trigger_log
    # The labeling task the run created is done, the old finished ones were cleaned up.
    tasks = {t["id"]: t["status"] for t in clarifai_env.admin.snapshot()["demo/demo"]["tasks"]}
    created = [t for t in tasks if t != "label-pets"]
    assert len(created) == 1 and tasks[created[0]] == "TASK_DONE" and set(tasks) == {"label-pets", created[0]}
    assert list((tmp_path / "exports").glob("annotations-*.parquet"))
