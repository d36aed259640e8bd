"""The import graph of the project's packages, read from the source with ``ast``.

Every import statement counts, wherever it is written: at module level, inside a function
(a deferred import), or under ``if TYPE_CHECKING:``. A deferred import still makes one
module depend on another, and a circle through one is still a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: module -> the modules of the scanned packages it imports
Graph = dict[str, set[str]]


def module_name(path: Path, root: Path) -> str:
    """``root/connector/operations/split.py`` -> ``connector.operations.split``
    (a package's ``__init__.py`` is the package itself)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, module: str, known: Iterable[str] = ()) -> set[str]:
    """Every absolute module name the source at ``path`` (module ``module``) imports.

    ``from a import b`` names ``a.b`` when that is a known module (a submodule), else
    ``a`` (a name defined in ``a``). Relative imports are resolved against ``module``."""
    modules = set(known)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join([*base, *([node.module] if node.module else [])])
            else:
                prefix = node.module or ""
            for alias in node.names:
                candidate = f"{prefix}.{alias.name}"
                names.add(candidate if candidate in modules else prefix)
    return names


def read_packages(packages: Iterable[str], root: Path = ROOT) -> tuple[Graph, dict[str, set[str]]]:
    """``(graph, imports)`` of the packages (folders under ``root``) that exist: the graph
    links each module to the scanned modules it imports; ``imports`` holds every name each
    module imports (third-party and standard library included)."""
    paths: dict[str, Path] = {}
    for package in packages:
        folder = root / package
        if folder.is_dir():
            paths.update({module_name(p, root): p for p in sorted(folder.rglob("*.py"))})
    every = {module: imports_of(path, module, paths) for module, path in paths.items()}
    graph = {module: {n for n in names if n in paths and n != module} for module, names in every.items()}
    return graph, every


def find_cycle(graph: Mapping[str, set[str]], within: str = "") -> list[str] | None:
    """One import circle (``[a, b, ..., a]``) among the modules whose names start with
    ``within`` (all by default), or None when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if not target.startswith(within):
                continue
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(m for m in graph if m.startswith(within)):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None
