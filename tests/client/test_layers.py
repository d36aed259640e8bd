"""The package's layers, held against its source: every import of every module (read with
ast; deferred and TYPE_CHECKING imports count) must stay within what its layer may use,
and no import circle may exist. docs/architecture.md ("Layers") states the same rules.

The emulator's inner layers (backend, handlers, HTTP) are checked by
tests/emulator/test_layers.py; this file checks the package as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support.imports import find_cycle, read_packages

#: The project's importable packages; the wrappers are checked once their folders exist.
PACKAGES = ("connector", "airflow_provider", "dagster_assets")

#: layer -> the other layers its modules may import (a layer may always import itself).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "operations": frozenset({"core"}),
    "inventory": frozenset({"core"}),
    "cli": frozenset({"operations", "inventory", "core", "emulator", "report"}),
    # The emulator takes facts from the core (status codes, routes), never logic.
    "emulator": frozenset({"core"}),
    # The report reads inventory frames (and the core they are built on); it never writes.
    "report": frozenset({"inventory", "core"}),
    # The orchestrators wrap the operations, the inventories and the report.
    "airflow": frozenset({"operations", "inventory", "report", "core"}),
    "dagster": frozenset({"operations", "inventory", "report", "core"}),
}

#: The only core modules the emulator may import, and per emulator module any extra.
EMULATOR_CORE = frozenset({"connector.status_codes", "connector.routes"})
EMULATOR_CORE_EXTRA = {"connector.emulator.testing": frozenset({"connector.config"})}

#: Third-party packages only one part of the project may import.
OWN_DEPENDENCIES = {
    "airflow": "airflow",
    "dagster": "dagster",
    "starlette": "emulator",
    "uvicorn": "emulator",
    "clarifai_grpc": "emulator",
    "google": "emulator",  # protobuf
}


def layer_of(module: str) -> str:
    """The layer a module belongs to (every module under connector/ directly is core)."""
    parts = module.split(".")
    if parts[0] == "airflow_provider":
        return "airflow"
    if parts[0] == "dagster_assets":
        return "dagster"
    if parts[0] != "connector":
        raise ValueError(f"{module} is in no layer")
    if len(parts) == 1:
        return "core"
    sub = {"operations", "inventory", "cli", "emulator", "report"}
    if parts[1] in sub:
        return parts[1]
    return "core"


def violations(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import that crosses the layers the wrong way, as ``"a -> b (layer x -> y)"``."""
    found = []
    for module, targets in sorted(graph.items()):
        layer = layer_of(module)
        for target in sorted(targets):
            target_layer = layer_of(target)
            if target_layer == layer:
                continue
            allowed = target_layer in MAY_IMPORT[layer]
            if allowed and layer == "emulator":
                allowed = target in EMULATOR_CORE | EMULATOR_CORE_EXTRA.get(module, frozenset())
            if not allowed:
                found.append(f"{module} -> {target} ({layer} -> {target_layer})")
    return found


def stray_dependencies(module: str, names: set[str]) -> set[str]:
    """The imported names of packages that belong to another part of the project."""
    layer = layer_of(module)
    return {name for name in names if OWN_DEPENDENCIES.get(name.split(".")[0], layer) != layer}


GRAPH, IMPORTS = read_packages(PACKAGES)


# -- the reader and the rules themselves ---------------------------------------------------------


def test_the_reader_sees_deferred_relative_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "connector"
    (pkg / "operations").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "client.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .operations import x\n"
    )
    (pkg / "operations" / "__init__.py").write_text("from . import x\n")
    (pkg / "operations" / "x.py").write_text("def f():\n    from ..client import C\n    import httpx\n")
    graph, imports = read_packages(["connector"], root=tmp_path)
    assert graph == {
        "connector": set(),
        "connector.client": {"connector.operations.x"},
        "connector.operations": {"connector.operations.x"},
        "connector.operations.x": {"connector.client"},
    }
    assert "httpx" in imports["connector.operations.x"]
    assert find_cycle(graph) == ["connector.client", "connector.operations.x", "connector.client"]
    # The core knows no operation, even for typing only.
    assert violations(graph) == ["connector.client -> connector.operations.x (core -> operations)"]


def test_the_rules_refuse_each_forbidden_direction() -> None:
    refused = [
        ("connector.client", "connector.operations.split"),  # core -> operations
        ("connector.transport", "connector.inventory.frames"),  # core -> inventory
        ("connector.operations.split", "connector.cli.ops"),  # operations -> CLI
        ("connector.operations.waits", "connector.emulator.testing"),  # operations -> emulator
        ("connector.inventory.export", "connector.emulator.api"),  # inventory -> emulator
        ("connector.emulator.api", "connector.operations.waits"),  # emulator -> operations
        ("connector.emulator.api", "connector.transport"),  # emulator -> core logic
        ("connector.emulator.backend.tasks", "connector.cli.main"),  # emulator -> CLI
        ("connector.report.page", "connector.operations.prune"),  # report -> operations
        ("airflow_provider.hooks", "dagster_assets.resources"),  # wrapper -> wrapper
        ("dagster_assets.assets", "connector.cli.main"),  # wrapper -> CLI
        ("airflow_provider.triggers", "connector.emulator.testing"),  # wrapper -> emulator
        ("connector.client", "connector.emulator.testing"),  # core -> emulator
        ("connector.aio", "airflow_provider.hooks"),  # core -> orchestrator
        ("connector.config", "connector.report.page"),  # core -> report
        ("connector.inventory.frames", "connector.operations.waits"),  # inventory -> operations
        ("connector.operations.split", "connector.inventory.frames"),  # operations -> inventory
        ("connector.operations.prune", "connector.report.build"),  # operations -> report
        ("connector.inventory.frames", "connector.report.snapshot"),  # inventory -> report
    ]
    for module, target in refused:
        assert violations({module: {target}}), f"{module} -> {target} should be refused"
    accepted = [
        ("connector.cli.ops", "connector.operations.split"),
        ("connector.cli.main", "connector.emulator.command"),
        ("connector.emulator.api", "connector.status_codes"),
        ("connector.emulator.testing", "connector.config"),
        ("connector.report.page", "connector.inventory.frames"),
        ("dagster_assets.assets", "connector.inventory.export"),
        ("airflow_provider.triggers", "connector.operations.async_waits"),
        ("airflow_provider.operators.report", "connector.report.build"),
        ("dagster_assets.report", "connector.report.facts"),
    ]
    for module, target in accepted:
        assert violations({module: {target}}) == [], f"{module} -> {target} should be accepted"


def test_the_dependency_rule_refuses_strays() -> None:
    assert stray_dependencies("connector.client", {"httpx", "dagster"}) == {"dagster"}
    assert stray_dependencies("connector.operations.waits", {"airflow.sdk"}) == {"airflow.sdk"}
    assert stray_dependencies("connector.cli.main", {"starlette.applications"}) == {"starlette.applications"}
    assert stray_dependencies("connector.emulator.api", {"starlette.applications", "google.protobuf"}) == set()
    assert stray_dependencies("airflow_provider.hooks", {"airflow.sdk", "dagster"}) == {"dagster"}


# -- the package ---------------------------------------------------------------------------------


def test_the_graph_covers_the_package() -> None:
    assert {"connector.client", "connector.protocols", "connector.operations.waits", "connector.cli.main"} <= set(GRAPH)
    assert len(GRAPH) > 50


def test_no_import_circle() -> None:
    assert find_cycle(GRAPH) is None


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_each_module_imports_only_what_its_layer_may(module: str) -> None:
    assert violations({module: GRAPH[module]}) == []


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_orchestrator_and_emulator_dependencies_stay_in_their_part(module: str) -> None:
    """Airflow is imported by the Airflow provider alone, Dagster by the Dagster assets, and
    the emulator's server and protobuf packages by the emulator alone (the CLI reaches them
    through the emulator's own command)."""
    assert stray_dependencies(module, IMPORTS[module]) == set()
