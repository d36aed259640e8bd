"""Helpers for the Airflow tests: a minimal task context to run an operator's ``execute``
outside a DAG run, and running a deferred task's trigger to its event."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any


@dataclasses.dataclass
class FakeTaskInstance:
    """The parts of a running task instance the operators use: ids and XCom pushes."""

    dag_id: str = "dag"
    task_id: str = "task"
    run_id: str = "manual__2026-01-01T00:00:00+00:00"
    map_index: int = -1
    try_number: int = 1
    xcom: dict[str, Any] = dataclasses.field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


def make_context(task_id: str = "task", **ti: Any) -> dict[str, Any]:
    """A task context with a fake task instance and real outlet event accessors."""
    from airflow.sdk.execution_time.context import OutletEventAccessors

    instance = FakeTaskInstance(task_id=task_id, **ti)
    return {
        "ti": instance,
        "task_instance": instance,
        "run_id": instance.run_id,
        "outlet_events": OutletEventAccessors(),
    }


def run_trigger(trigger: Any) -> dict[str, Any]:
    """Run a trigger (as the triggerer would) to its first event; return the payload.
    Like the triggerer, it first hands the trigger its task instance (which sets the
    trigger's ``task_id`` to the Airflow task's)."""
    import types

    trigger.task_instance = types.SimpleNamespace(task_id="airflow-task-id", dag_id="dag", run_id="run", map_index=-1)

    async def first() -> Any:
        gen = trigger.run()
        try:
            return await anext(gen)
        finally:
            await gen.aclose()

    return asyncio.run(first()).payload


def roundtrip(trigger: Any) -> Any:
    """Rebuild a trigger from its ``serialize()`` as the triggerer does, and check the
    kwargs are plain JSON values."""
    import importlib
    import json

    classpath, kwargs = trigger.serialize()
    json.dumps(kwargs)  # plain values only
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    return rebuilt
