"""Scale past one worker: four task processes share one account whose limit (15
requests/s, enforced by the emulator) is lower than what they ask for together (each
client's ceiling is the whole 15/s). Each client lowers its pace on the 429s it gets, so
every task finishes (no error surfaced) and the 429s stay few."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.airflow.conftest import connection_json

REPO = Path(__file__).resolve().parents[2]
PROCESSES = 4
PER_PAGE = 40


@pytest.mark.timeout(240)
def test_four_task_processes_share_the_account_limit_without_a_failed_task(
    clarifai_env: Any, airflow_db: Path, tmp_path: Path
) -> None:
    admin = clarifai_env.admin
    admin.reset(seed="demo", seed_inputs=1000, pat=clarifai_env.pat)
    admin.set_rate_limit(15)
    env = {
        **os.environ,
        "AIRFLOW_CONN_CLARIFAI_DEFAULT": connection_json(
            clarifai_env, rate_limit=15, retry_max_attempts=8, retry_max_elapsed=120
        ),
    }
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.airflow_task",
                "dataset_inputs",
                str(tmp_path / f"part-{i}.parquet"),
                str(PER_PAGE),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        for i in range(PROCESSES)
    ]
    outputs = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=200)
            assert proc.returncode == 0, err[-3000:]
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    log = [r for r in admin.requests() if r["path"].startswith("/v2/")]
    throttled = sum(1 for r in log if r["http_status"] == 429)
    assert all(o["result"]["rows"] == 1000 for o in outputs)  # every task exported the whole listing
    assert sum(o["stats"]["throttled"] for o in outputs) == throttled  # every 429 was seen and absorbed
    assert sum(o["stats"]["requests"] for o in outputs) == len(log)
    lowered = [o["rate"] for o in outputs if o["stats"]["throttled"]]
    assert all(rate < 15 for rate in lowered)  # a client that was throttled slowed down
    print(
        f"\n{PROCESSES} task processes, {len(log)} requests, {throttled} answered 429, 0 failed tasks; final rates {[round(o['rate'], 2) for o in outputs]}"
    )
