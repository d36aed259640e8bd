"""The import structure of the package, read from the source (ast): no circles, and each
layer of the emulator imports only what lies below it.

Every import counts, wherever it is written (module level, inside a function, under
``TYPE_CHECKING``): a circle through an import deferred into a function is still a circle.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from tests.support.imports import Graph, find_cycle, read_packages

PACKAGE = Path(__file__).resolve().parents[2] / "connector"


def import_graph(root: Path = PACKAGE) -> tuple[Graph, dict[str, set[str]]]:
    """(module -> the package's modules it imports, module -> every name it imports)."""
    return read_packages([root.name], root.parent)


def _third_party(names: Iterable[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] not in sys.stdlib_module_names and n.split(".")[0] != "connector"}


GRAPH, IMPORTS = import_graph()
EMULATOR = sorted(m for m in GRAPH if m == "connector.emulator" or m.startswith("connector.emulator."))


def _outside(module: str, allowed: tuple[str, ...]) -> set[str]:
    """The package modules ``module`` imports that are not under one of ``allowed``."""
    return {t for t in GRAPH[module] if not any(t == a or t.startswith(a + ".") for a in allowed)}


# -- the finder itself -------------------------------------------------------------------------


def test_the_graph_sees_deferred_and_relative_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "connector"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from . import b\n")
    (pkg / "sub" / "a.py").write_text("def f():\n    from connector.sub.b import g\n")
    (pkg / "sub" / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import f\n")
    graph, _ = import_graph(pkg)
    assert graph["connector.sub"] == {"connector.sub.b"}
    assert graph["connector.sub.a"] == {"connector.sub.b"}
    assert graph["connector.sub.b"] == {"connector.sub.a"}
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"connector.sub.a", "connector.sub.b"}
    (pkg / "sub" / "b.py").write_text("import connector.sub\n")
    graph, _ = import_graph(pkg)
    assert graph["connector.sub.b"] == {"connector.sub"}
    assert find_cycle(graph) == ["connector.sub", "connector.sub.b", "connector.sub"]
    assert find_cycle(graph, within="connector.sub.a") is None


# -- the emulator ------------------------------------------------------------------------------


def test_the_emulator_has_no_import_circle() -> None:
    assert len(EMULATOR) > 30  # the graph really covers the emulator
    assert find_cycle(GRAPH, within="connector.emulator") is None


@pytest.mark.parametrize("module", [m for m in EMULATOR if m.startswith("connector.emulator.backend")])
def test_the_backend_knows_no_http(module: str) -> None:
    """The backend holds data, constructors and lifecycles: no starlette, no routing,
    no handlers, no protobuf; only the standard library, its own modules, the options
    and the status codes."""
    assert (
        _outside(module, ("connector.emulator.backend", "connector.emulator.options", "connector.status_codes"))
        == set()
    )
    assert _third_party(IMPORTS[module]) == set()


@pytest.mark.parametrize("module", [m for m in EMULATOR if m.startswith("connector.emulator.handlers")])
def test_handlers_sit_on_the_backend_only(module: str) -> None:
    """Handlers parse and render; the API (routing, HTTP) calls them, never the reverse."""
    assert (
        _outside(module, ("connector.emulator.handlers", "connector.emulator.backend", "connector.status_codes"))
        == set()
    )
    assert _third_party(IMPORTS[module]) == set()


@pytest.mark.parametrize("module", EMULATOR)
def test_the_emulator_imports_only_core_facts_from_the_rest_of_the_package(module: str) -> None:
    """The emulator shares no logic with what it tests: from the rest of the package it
    uses the status codes only (and its test helper builds a ClarifaiConfig)."""
    allowed: tuple[str, ...] = ("connector.emulator", "connector.status_codes")
    if module == "connector.emulator.testing":
        allowed += ("connector.config",)
    assert _outside(module, allowed) == set()


def test_nothing_but_the_command_line_imports_the_emulator() -> None:
    importers = {
        m
        for m, targets in GRAPH.items()
        if not m.startswith(("connector.emulator", "connector.cli"))
        and any(t.startswith("connector.emulator") for t in targets)
    }
    assert importers == set()


def test_the_command_line_lists_the_emulators_own_command() -> None:
    """``clarifai-connector emulator`` and ``python -m connector.emulator`` are one command,
    defined by the emulator; the CLI module only names it."""
    import click

    from connector.cli.main import main
    from connector.emulator.command import emulator

    with click.Context(main) as ctx:
        assert main.get_command(ctx, "emulator") is emulator
    assert "connector.emulator.command" in GRAPH["connector.emulator.__main__"]
