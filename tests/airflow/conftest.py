"""Airflow test setup: one throwaway AIRFLOW_HOME with a migrated SQLite metadata DB for
the whole session, the example DAGs folder as the DAGs folder, and a ``clarifai_default``
connection pointing at the session's emulator.

AIRFLOW_HOME must be set before anything imports airflow (its configuration is read
once, at import): this module sets it when pytest loads it, and refuses to run if airflow
was imported earlier with another home.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "examples" / "airflow" / "dags"

_HOME = Path(tempfile.mkdtemp(prefix="clarifai-airflow-home-"))
AIRFLOW_ENV = {
    "AIRFLOW_HOME": str(_HOME),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
    "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME / 'airflow.db'}",
    "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(_HOME / "logs"),
    # Poll quickly in the example DAGs' waits (read when a DAG file is parsed).
    "CLARIFAI_POLL_SECONDS": "0.2",
}
if "airflow" in sys.modules and os.environ.get("AIRFLOW_HOME") != str(_HOME):  # pragma: no cover
    raise RuntimeError("airflow was imported before tests/airflow/conftest.py could set AIRFLOW_HOME")
os.environ.update(AIRFLOW_ENV)

#: The PAT of the Airflow tests' emulator: distinctive, so a leak is easy to find.
CANARY_PAT = "pat-canary-7f3c9e1d5b2a4f60"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The session's migrated metadata DB (migrated once, ~3 s), with the ``clarifai`` pool."""
    from airflow.utils import db

    db.upgradedb()
    from airflow.models.pool import Pool

    Pool.create_or_update_pool("clarifai", slots=4, description="Clarifai API", include_deferred=False)
    return _HOME


def connection_json(server: Any, **extra: Any) -> str:
    """``AIRFLOW_CONN_*`` JSON for a connection to ``server`` (fast retries for tests)."""
    extras = {
        "user_id": server.user_id,
        "app_id": server.app_id,
        "rate_limit": 0,
        "retry_max_attempts": 3,
        "retry_max_elapsed": 10,
        **extra,
    }
    return json.dumps({"conn_type": "clarifai", "host": server.base_url, "password": server.pat, "extra": extras})


@pytest.fixture
def clarifai_env(emulator_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The session's emulator reset to the demo seed (200 inputs) with the canary PAT,
    ``clarifai_default`` pointing at it; no response may break its official message."""
    emulator_server.admin.reset(
        seed="demo", seed_inputs=200, pat=CANARY_PAT, version_pending_seconds=0.05, version_in_progress_seconds=0.05
    )
    monkeypatch.setenv("AIRFLOW_CONN_CLARIFAI_DEFAULT", connection_json(emulator_server))
    yield emulator_server
    violations = emulator_server.admin.violations()
    assert not violations, f"emulator responses broke the official contract: {violations}"
