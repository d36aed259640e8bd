"""A local Clarifai-compatible API server: the test double for the connector's tests,
the demo's default backend, and something to run your own DAGs and jobs against offline.

Public API (imported lazily, so ``import connector.emulator`` stays cheap)::

    EmulatorOptions, DEV_PAT, FAULT_KINDS       start-up options
    SCRIPTED_ONLY_FAULT_KINDS                   fault kinds only a scripted rule injects
    create_app(options) -> ASGI app             the server app (API + admin API)
    run(options)                                serve it with uvicorn
    EmulatorServer, EmulatorAdmin, run_emulator in-process server for tests

Start it from a shell with ``python -m connector.emulator`` or
``clarifai-connector emulator`` (both run :mod:`connector.emulator.command`).

Inside, from the bottom: :mod:`.options`, the backend (:mod:`.backend`: data,
constructors, lifecycles; no HTTP), the per-resource request handlers
(:mod:`.handlers`), then the HTTP side (:mod:`.routing`, :mod:`.api`, the middlewares,
:mod:`.runtime`, :mod:`.admin`, :mod:`.server`). See docs/architecture.md, "Inside the
emulator".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.emulator.options import DEV_PAT, FAULT_KINDS, SCRIPTED_ONLY_FAULT_KINDS, EmulatorOptions

if TYPE_CHECKING:  # pragma: no cover
    from connector.emulator.server import create_app, run
    from connector.emulator.testing import EmulatorAdmin, EmulatorServer, run_emulator

__all__ = [
    "DEV_PAT",
    "FAULT_KINDS",
    "SCRIPTED_ONLY_FAULT_KINDS",
    "EmulatorAdmin",
    "EmulatorOptions",
    "EmulatorServer",
    "create_app",
    "run",
    "run_emulator",
]

_LAZY = {
    "create_app": "connector.emulator.server",
    "run": "connector.emulator.server",
    "EmulatorAdmin": "connector.emulator.testing",
    "EmulatorServer": "connector.emulator.testing",
    "run_emulator": "connector.emulator.testing",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'connector.emulator' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
