"""The analyst example (examples/analyst/inventories.py) runs as a reader runs it, from the
API and from exported Parquet files, and its answers match the emulator's app."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from connector.client import ClarifaiClient
from connector.inventory import export
from tests.support.report_oracle import expected
from tests.support.report_page import ReportPage

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "analyst" / "inventories.py"


@pytest.fixture
def app(emulator_server: Any) -> Any:
    emulator_server.admin.reset(seed="showcase", seed_inputs=400)
    return emulator_server


def _run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CLARIFAI_")}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], env={**base, **env}, cwd=cwd, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize("source", ["api", "parquet"])
def test_the_analyst_script_answers_from_the_app(app: Any, tmp_path: Path, source: str) -> None:
    want = expected(app)
    if source == "api":
        printed = _run([], app.env(), tmp_path)
    else:
        exports = tmp_path / "exports"
        with ClarifaiClient(app.client_config(rate_limit=0)) as client:
            for name in ("inputs", "dataset_inputs", "dataset_versions", "model_versions", "tasks"):
                export(client, name, exports / f"{name}.parquet")
        app.admin.clear_requests()
        printed = _run(["--parquet", str(exports)], {}, tmp_path)
        assert app.admin.requests() == []  # the files are enough

    _, unlabeled = want.concept_counts(want.inputs)
    assert f"{unlabeled} of {len(want.inputs)} inputs carry no concept" in printed
    train, test = want.members["products-train"], want.members["products-test"]
    missing = len(want.members["products"] - train - test)
    assert f"split of products: {len(train & test)} inputs in two targets, {missing} in none" in printed
    stale = re.findall(r"^\d+\s+(\S+)\s+TASK_", printed, flags=re.M)
    assert {"label-traffic", "label-pets", "street-backlog"} <= set(stale) and "fresh-pets" not in stale

    report = tmp_path / "analyst-report.html"
    assert f"report: {report.name}" in printed
    page = ReportPage.parse(report.read_text())
    assert page.inventory_rows()["inputs"] == len(want.inputs)
    assert page.split("products")["leaked"] == len(train & test)
