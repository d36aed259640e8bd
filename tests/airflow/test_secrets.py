"""PAT canary: the connection's PAT appears in no console output of ``airflow dags test``
(which prints task logs unmasked), no task log, no XCom value and no rendered template
field, with the provider's, the connector's and the HTTP stack's loggers at DEBUG.

Why ``airflow dags test`` prints secrets: it runs each task in the CLI process, so task
logs go to the CLI's console handler, whose filter is Airflow core's secrets masker, while
tasks register secrets (connection passwords, ``mask_secret``) with the Task SDK's masker,
a separate object: the console never learns them. And at DEBUG, Airflow's in-process
supervisor logs every message a task sends it, including ``MaskSecret(value=<the secret>)``,
which Airflow sends itself whenever a task reads a connection. So the PAT must never be in
anything the provider logs, returns or renders; Airflow's own DEBUG lines are its own
(docs/airflow.md says not to run ``dags test`` at DEBUG with real credentials)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.airflow.conftest import CANARY_PAT, connection_json


def _airflow_mask_secret_line(line: str) -> bool:
    return "Sending request" in line and f"msg=MaskSecret(value='{CANARY_PAT}'" in line and "supervisor.py" in line


@pytest.mark.timeout(300)
def test_the_pat_never_reaches_console_logs_xcom_or_rendered_fields(
    clarifai_env: Any, airflow_db: Path, tmp_path: Path
) -> None:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    clarifai_env.admin.set_options(task_work_seconds=0.5)
    env = {
        **os.environ,
        "AIRFLOW_CONN_CLARIFAI_DEFAULT": connection_json(clarifai_env),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "DEBUG",
    }
    conf = json.dumps({"export_dir": str(tmp_path), "cleanup_older_than": "7d"})
    out = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "clarifai_labeling", "--conf", conf],
        capture_output=True,
        text=True,
        env=env,
        timeout=280,
    )
    console = out.stdout + out.stderr
    assert out.returncode == 0, console[-4000:]
    assert "[debug    ]" in console and "[httpcore" in console  # the HTTP stack really logged at DEBUG ...
    assert "labeling task task-" in console and "exported " in console  # ... with the tasks' own logs
    leaks = [line for line in console.splitlines() if CANARY_PAT in line]
    # Airflow's own DEBUG line for the MaskSecret message it sends when a task reads the
    # connection (see the module docstring), and nothing else: no log line of the
    # provider, the connector or httpx, no error, no task log line.
    assert leaks, "expected Airflow's in-process MaskSecret DEBUG lines (has Airflow fixed them?)"
    assert all(_airflow_mask_secret_line(line) for line in leaks), leaks

    with create_session() as session:
        xcoms = session.execute(
            select(XComModel.key, XComModel.value).where(XComModel.dag_id == "clarifai_labeling")
        ).all()
        rendered = session.execute(
            select(RenderedTaskInstanceFields.rendered_fields).where(
                RenderedTaskInstanceFields.dag_id == "clarifai_labeling"
            )
        ).all()
    assert {key for key, _ in xcoms} >= {"return_value", "task_id", "uri", "plan"}
    assert CANARY_PAT not in json.dumps([value for _, value in xcoms], default=str)
    assert rendered and CANARY_PAT not in json.dumps([r for (r,) in rendered], default=str)
    logs = [p for p in (airflow_db / "logs").rglob("*") if p.is_file()]
    assert all(CANARY_PAT not in p.read_text(errors="replace") for p in logs)
