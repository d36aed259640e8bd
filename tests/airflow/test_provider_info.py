"""Registration: the provider info is valid for Airflow, names this distribution, loads
without importing anything, and Airflow's own CLI lists the provider."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from airflow_provider.get_provider_info import get_provider_info

REPO = Path(__file__).resolve().parents[2]


def test_provider_info_is_valid_for_airflow() -> None:
    import airflow
    import jsonschema

    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_entry_point_names_this_distribution() -> None:
    (entry,) = [
        ep for ep in metadata.entry_points(group="apache_airflow_provider") if ep.dist.name == "clarifai-connector"
    ]
    info = entry.load()()
    assert info == get_provider_info()
    assert info["package-name"] == entry.dist.metadata["Name"] == "clarifai-connector"


def test_provider_info_module_imports_nothing() -> None:
    """Every Airflow process loads it: it must not import Airflow or the connector."""
    code = (
        "import sys; import airflow_provider.get_provider_info as m; m.get_provider_info(); "
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('airflow', 'connector', 'httpx', 'pandas')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_every_class_and_module_named_exists() -> None:
    info = get_provider_info()
    modules = [
        m for key in ("hooks", "operators", "sensors", "triggers") for item in info[key] for m in item["python-modules"]
    ]
    for name in modules:
        importlib.import_module(name)
    dotted = [c["hook-class-name"] for c in info["connection-types"]] + info["extra-links"]
    dotted += [a[k] for a in info["asset-uris"] for k in ("handler", "factory", "to_openlineage_converter")]
    for path in dotted:
        module, _, attr = path.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attr)), path


def test_connection_form_is_declared_for_the_ui(airflow_db: Path) -> None:
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    behaviour = manager.field_behaviours["clarifai"]
    assert set(behaviour["hidden_fields"]) == {"login", "schema", "port"}
    assert behaviour["relabeling"]["password"].startswith("Personal access token")
    widgets = {k for k in manager.connection_form_widgets if k.startswith("extra__clarifai__")}
    assert widgets == {f"extra__clarifai__{name}" for name in ("user_id", "app_id", "rate_limit", "portal_url")}
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    from airflow_provider.assets import sanitize_uri

    runtime = ProvidersManagerTaskRuntime()
    assert runtime.hooks["clarifai"].hook_class_name == "airflow_provider.hooks.clarifai.ClarifaiHook"
    assert runtime.asset_uri_handlers["clarifai"] is sanitize_uri


@pytest.mark.timeout(180)
def test_airflow_providers_list_shows_it(airflow_db: Path) -> None:
    env = {**os.environ}
    out = subprocess.run(
        [sys.executable, "-m", "airflow", "providers", "list", "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=170,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    providers = {p["package_name"]: p for p in json.loads(out.stdout[out.stdout.index("[") :])}
    assert providers["clarifai-connector"]["description"].startswith("Clarifai")
