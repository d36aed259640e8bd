"""Run one Clarifai operator as a task process would: ``python -m tests.support.airflow_task
<inventory> <path> [per_page]`` exports an inventory through ClarifaiExportInventoryOperator
(connection ``clarifai_default`` from the environment) and prints one JSON line: the
operator's result and its client's request / throttled counts."""

from __future__ import annotations

import json
import sys
from typing import Any


def main(argv: list[str]) -> int:
    from airflow_provider.hooks.clarifai import ClarifaiHook
    from airflow_provider.operators import ClarifaiExportInventoryOperator
    from tests.support.airflow import make_context

    inventory, path = argv[0], argv[1]
    per_page = int(argv[2]) if len(argv) > 2 else None
    stats: dict[str, Any] = {}
    original = ClarifaiHook.get_client

    def counting_client(self: ClarifaiHook) -> Any:  # keep the client to read its counters
        client = original(self)
        stats["client"] = client
        return client

    ClarifaiHook.get_client = counting_client  # type: ignore[method-assign]
    op = ClarifaiExportInventoryOperator(task_id="export", inventory=inventory, path=path, per_page=per_page)
    result = op.execute(make_context("export"))
    client = stats["client"]
    print(json.dumps({"result": result, "stats": client.stats.snapshot(), "rate": client._limiter.current_rate}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
