"""Importing the provider (what every DAG file does at parse time) stays lean: no
connector client, no pandas, no emulator, no API call."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: Modules a DAG file importing the operators must not pull in (not even the connector's
#: configuration and errors: they load when a task runs).
HEAVY = (
    "connector",
    "pandas",
    "pyarrow",
    "connector.client",
    "connector.aio",
    "connector.transport",
    "connector.operations",
    "connector.inventory",
    "connector.emulator",
    "dagster",
    "dagster_assets",
)


def test_importing_what_dag_files_import_pulls_in_no_client_pandas_or_emulator() -> None:
    """Operators, sensors, hook, links, assets: what a DAG file imports when it is parsed.
    (Triggers load on the triggerer, where the async client is what they are for.)"""
    code = (
        "import sys\n"
        "import airflow_provider.operators, airflow_provider.sensors, airflow_provider.hooks\n"
        "import airflow_provider.links, airflow_provider.assets\n"
        "assert 'airflow_provider.triggers.clarifai' not in sys.modules\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m in heavy or m.startswith(tuple(h + '.' for h in heavy))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_package_root_imports_no_airflow() -> None:
    code = "import sys, airflow_provider; print(any(m == 'airflow' or m.startswith('airflow.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "False"
