"""Fixtures of the Dagster tests: the session's emulator reset to a small demo seed, a
ClarifaiResource and the Parquet IO manager pointed at it, a temporary Dagster instance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, instance_for_test

from connector.emulator.testing import EmulatorServer
from dagster_assets import ClarifaiParquetIOManager, ClarifaiResource
from tests.dagster.helpers import make_resource

#: Inputs of the demo seed in these tests: the same app, small enough for quick splits.
DEMO_INPUTS = 400

#: Dagster's own beta/preview notices and its use of pydantic's deprecated parse_obj_as
#: are raised inside Dagster, not by this package: shown, not errors, in this folder.
_DAGSTER_WARNINGS = (
    "ignore::dagster.BetaWarning",
    "ignore::dagster.PreviewWarning",
    "ignore:`parse_obj_as` is deprecated:DeprecationWarning",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            for spec in _DAGSTER_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(spec))


@pytest.fixture
def demo(emulator_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorServer]:
    """The session's emulator reset to the demo seed; CLARIFAI_* point at it."""
    emulator_server.admin.reset(seed="demo", seed_inputs=DEMO_INPUTS)
    for name, value in emulator_server.env().items():
        monkeypatch.setenv(name, value)
    yield emulator_server
    violations = emulator_server.admin.violations()
    assert not violations, f"emulator responses broke the official contract: {violations}"


@pytest.fixture
def resource(demo: EmulatorServer) -> ClarifaiResource:
    return make_resource(demo)


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def resources(resource: ClarifaiResource, storage: Path) -> dict[str, Any]:
    return {"clarifai": resource, "clarifai_io_manager": ClarifaiParquetIOManager(base_path=str(storage))}


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with instance_for_test() as inst:
        yield inst
