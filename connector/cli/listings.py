"""``datasets list`` and ``tasks list``: the app's datasets and labeling tasks as a
table, or with ``--json`` as a list of objects (one per dataset or task, the same
fields as the table, timestamps as the API sends them: ISO 8601 with ``Z``)."""

from __future__ import annotations

from typing import Any

from connector.cli.common import CliState
from connector.cli.render import Column, print_table, say
from connector.status_codes import code_name, status_code_of


def dataset_rows(client: Any) -> list[dict[str, Any]]:
    """One row per dataset of the app, sorted by id. Read-only."""
    rows = [
        {
            "id": str(d.get("id")),
            "description": d.get("description") or "",
            "version_id": (d.get("version") or {}).get("id"),
            "created_at": d.get("created_at"),
            "modified_at": d.get("modified_at"),
        }
        for d in client.list_datasets()
    ]
    return sorted(rows, key=lambda r: r["id"])


def datasets_table(state: CliState, rows: list[dict[str, Any]]) -> None:
    if not rows:
        say(state, f"No datasets in app {state.app_id or '(configured app)'}.")
        return
    columns = (
        Column.key("dataset", "id"),
        Column.key("description"),
        Column.key("current version", "version_id"),
        Column.key("created", "created_at"),
        Column.key("modified", "modified_at"),
    )
    print_table(state, columns, rows, limit=None)


def task_rows(client: Any) -> list[dict[str, Any]]:
    """One row per labeling task of the app, sorted by id. Read-only."""
    from connector.operations.tasks import concept_ids, worker_ids

    rows = []
    for t in client.list_tasks():
        source = t.get("input_source") or {}
        rows.append(
            {
                "id": str(t.get("id")),
                "name": t.get("name") or "",
                "type": t.get("type") or "",
                "status": code_name(status_code_of(t)),
                "input_source": str(source.get("type") or "ALL_INPUTS"),
                "input_source_id": source.get("id"),
                "concept_ids": concept_ids(t),
                "worker_ids": worker_ids(t),
                "review": str((t.get("review") or {}).get("strategy") or "NONE"),
                "created_at": t.get("created_at"),
                "modified_at": t.get("modified_at"),
            }
        )
    return sorted(rows, key=lambda r: r["id"])


def tasks_table(state: CliState, rows: list[dict[str, Any]]) -> None:
    if not rows:
        say(state, "No labeling tasks in this app.")
        return
    columns = (
        Column.key("task", "id"),
        Column.key("name"),
        Column("status", lambda r: str(r["status"]).removeprefix("TASK_")),
        Column("source", lambda r: " ".join(x for x in (r["input_source"], r["input_source_id"]) if x)),
        Column.key("concepts", "concept_ids"),
        Column.key("workers", "worker_ids"),
        Column.key("review"),
        Column.key("modified", "modified_at"),
    )
    print_table(state, columns, rows, limit=None)


__all__ = ["dataset_rows", "datasets_table", "task_rows", "tasks_table"]
