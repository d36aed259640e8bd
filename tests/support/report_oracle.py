"""What an app report must say, computed straight from the emulator's state (its
in-memory objects and its admin snapshot), with none of the report's code.

The oracle's rules, written out independently: an input carries a concept when the
concept is among its own ``data.concepts`` or those of an annotation of it (input
level, regions, frames); version statuses fall in READY / failed (FAILURE,
UNEXPECTED_ERROR, CONFLICT) / pending (PENDING, IN_PROGRESS); a task is open unless
DONE, FAILED or WONT_DO, and stale when open and unchanged for ``stale_after``.
"""

from __future__ import annotations

import collections
import dataclasses
from datetime import datetime, timedelta
from typing import Any

READY = {"DATASET_VERSION_READY"}
FAILED = {"DATASET_VERSION_FAILURE", "DATASET_VERSION_UNEXPECTED_ERROR", "DATASET_VERSION_CONFLICT"}
PENDING = {"DATASET_VERSION_PENDING", "DATASET_VERSION_IN_PROGRESS"}
FINISHED = {"TASK_DONE", "TASK_FAILED", "TASK_WONT_DO"}


def _concept_ids(data: dict[str, Any]) -> set[str]:
    found = {c["id"] for c in data.get("concepts") or [] if c.get("id")}
    for region in data.get("regions") or []:
        found |= _concept_ids(region.get("data") or {})
    for frame in data.get("frames") or []:
        found |= _concept_ids(frame.get("data") or {})
    return found


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclasses.dataclass
class Expected:
    inputs: set[str]
    concepts_of: dict[str, set[str]]
    members: dict[str, set[str]]
    versions: dict[str, dict[str, str]]  # dataset -> version -> status name
    trained: set[tuple[str, str]]
    tasks: dict[str, dict[str, Any]]  # task -> status, work, review, changed
    counts: dict[str, int]  # inventory -> rows

    def concept_counts(self, population: set[str]) -> tuple[dict[str, int], int]:
        counts: collections.Counter[str] = collections.Counter()
        unlabeled = 0
        for i in population:
            concepts = self.concepts_of.get(i, set())
            counts.update(concepts)
            unlabeled += not concepts
        return dict(counts), unlabeled

    def version_counts(self) -> dict[str, dict[str, int]]:
        out = {}
        for ds, versions in self.versions.items():
            if not versions:
                continue  # the report lists datasets that have versions
            names = list(versions.values())
            ready = sum(n in READY for n in names)
            failed = sum(n in FAILED for n in names)
            pending = sum(n in PENDING for n in names)
            out[ds] = {
                "total": len(names),
                "ready": ready,
                "failed": failed,
                "pending": pending,
                "other": len(names) - ready - failed - pending,
                "trained": sum((ds, v) in self.trained for v in versions),
            }
        return out

    def stale(self, now: datetime, after: timedelta) -> set[str]:
        return {
            t for t, info in self.tasks.items() if info["status"] not in FINISHED and now - info["changed"] >= after
        }


def expected(server: Any) -> Expected:
    """Read the emulator's default app (under its lock)."""
    state = server.state
    with state.lock:
        snap = state.snapshot()[f"{server.user_id}/{server.app_id}"]
        app = state.default_app()
        concepts_of: dict[str, set[str]] = {i: _concept_ids(obj.get("data") or {}) for i, obj in app.inputs.items()}
        for ann in app.annotations.values():
            concepts_of.setdefault(ann["input_id"], set()).update(_concept_ids(ann.get("data") or {}))
        trained = set()
        for versions in app.model_versions.values():
            for mv in versions.values():
                ds = ((mv.get("train_info") or {}).get("dataset")) or {}
                if (ds.get("version") or {}).get("id"):
                    trained.add((ds.get("id", ""), ds["version"]["id"]))
        task_status = {t["id"]: t["status"] for t in snap["tasks"]}
        tasks = {
            tid: {
                "status": task_status[tid],
                "work": app.task_meta[tid].get("work"),
                "review": app.task_meta[tid].get("review"),
                "changed": _time(task.get("modified_at") or task["created_at"]),
            }
            for tid, task in app.tasks.items()
        }
        counts = {
            "inputs": len(snap["inputs"]),
            "datasets": len(snap["datasets"]),
            "dataset_versions": sum(len(v) for v in snap["dataset_versions"].values()),
            "dataset_inputs": sum(len(m) for m in snap["dataset_inputs"].values()),
            "annotations": len(snap["annotations"]),
            "concepts": len(snap["concepts"]),
            "tasks": len(snap["tasks"]),
            "models": len(snap["models"]),
            "model_versions": sum(len(v) for v in snap["models"].values()),
            "workflows": len(snap["workflows"]),
            "bulk_operations": len(snap["bulk_operations"]),
            "collaborators": len(snap["collaborators"]),
        }
    return Expected(
        inputs=set(snap["inputs"]),
        concepts_of=concepts_of,
        members={ds: set(m) for ds, m in snap["dataset_inputs"].items()},
        versions={ds: {v["id"]: v["status"] for v in vs} for ds, vs in snap["dataset_versions"].items()},
        trained=trained,
        tasks=tasks,
        counts=counts,
    )


__all__ = ["Expected", "expected"]
