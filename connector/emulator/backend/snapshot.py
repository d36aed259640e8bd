"""A normalized dump of the emulator's data, to compare the end states of two runs."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend.statuses import name_of
from connector.emulator.backend.store import AppData, Obj, Store

__all__ = ["snapshot"]


def _by_id(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda d: d["id"])


def _with_status(objects: dict[str, Obj]) -> list[dict[str, Any]]:
    return _by_id([{"id": o["id"], "status": name_of(o)} for o in objects.values()])


def _app(a: AppData) -> dict[str, Any]:
    return {
        "datasets": sorted(a.datasets),
        "dataset_versions": {
            dataset_id: _by_id(
                [
                    {
                        "id": v["id"],
                        "status": name_of(v),
                        "metrics": v.get("metrics", {}),
                        "request_origin": v.get("request_origin", ""),
                        "metadata": v.get("metadata", {}),
                    }
                    for v in versions.values()
                ]
            )
            for dataset_id, versions in sorted(a.versions.items())
        },
        "dataset_inputs": {dataset_id: sorted(m) for dataset_id, m in sorted(a.dataset_inputs.items())},
        "inputs": sorted(a.inputs),
        "annotations": sorted(a.annotations),
        "concepts": sorted(a.concepts),
        "tasks": _with_status(a.tasks),
        "bulk_operations": _with_status(a.bulk_ops),
        "models": {model_id: sorted(versions) for model_id, versions in sorted(a.model_versions.items())},
        "workflows": sorted(a.workflows),
        "collaborators": sorted(a.collaborators),
    }


def snapshot(store: Store) -> dict[str, Any]:
    """Every app's data as ``{"<user>/<app>": {...}}``: ids sorted, statuses by name, no
    timestamps. Read it with the store's lock held and its lifecycles advanced."""
    return {f"{user_id}/{app_id}": _app(a) for (user_id, app_id), a in sorted(store.apps.items())}
