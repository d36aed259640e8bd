"""Helpers of the Dagster tests (import them from here, never from conftest)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from dagster import EnvVar, ExecuteInProcessResult

from connector.emulator.testing import EmulatorServer
from dagster_assets import ClarifaiResource

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "dagster"
PIPELINE = EXAMPLES / "pipeline" / "definitions.py"
APP_PROJECT = EXAMPLES / "app_project"


def make_resource(server: EmulatorServer, **overrides: Any) -> ClarifaiResource:
    """A resource for ``server`` with quick retries and no client-side rate limit; the
    PAT comes from ``CLARIFAI_PAT`` (an EnvVar, as in production)."""
    values: dict[str, Any] = {
        "pat": EnvVar("CLARIFAI_PAT"),
        "user_id": server.user_id,
        "app_id": server.app_id,
        "base_url": server.base_url,
        "rate_limit": 0,
        "retry_max_attempts": 3,
        "retry_initial_wait": 0.01,
        "retry_max_wait": 0.05,
        "retry_max_elapsed": 5,
    }
    values.update(overrides)
    return ClarifaiResource(**values)


def load_module(path: Path, name: str) -> ModuleType:
    """Import a file as module ``name`` (fresh each time: module-level settings re-read)."""
    sys.modules.pop(name, None)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def checks_by_name(result: ExecuteInProcessResult) -> dict[tuple[str, str], Any]:
    """``(asset key string, check name) -> AssetCheckEvaluation`` of a run."""
    return {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}


def materialized(result: ExecuteInProcessResult) -> dict[str, Any]:
    """``asset key string -> metadata`` of every materialization of a run."""
    return {e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()}


def rpcs(server: EmulatorServer, *, mutated: bool | None = None, since: int | None = None) -> list[str]:
    return [r["rpc"] for r in server.admin.requests(mutated=mutated, since=since)]
