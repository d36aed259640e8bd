"""Operations on a Clarifai app: dataset version pruning, train/test splits and the
labeling-task lifecycle, plus the waits (sync here and in :mod:`connector.operations.waits`,
async in :mod:`connector.operations.async_waits`).

Every operation plans (reads and decides, writes nothing), applies (writes, idempotent:
deterministic ids, "already exists" adopted, "not found" on delete is done), and
verifies by reading back. Killed at any point and run again with the same arguments,
an operation converges to the state an uninterrupted run reaches.
"""

from __future__ import annotations

from connector.errors import ConflictError
from connector.operations.base import OperationResult, Plan, ProgressCallback, ProgressEvent, deterministic_id
from connector.operations.idempotent import create_or_adopt, read_or_none
from connector.operations.prune import PrunePlan, PrunePolicy, apply_prune, plan_prune, prune
from connector.operations.prune_inventory import plan_prune_from_inventory
from connector.operations.split import SplitPlan, SplitSpec, apply_split, assign, plan_split, split
from connector.operations.tasks import (
    CleanupPlan,
    TaskSpec,
    TaskUpdatePlan,
    apply_cleanup,
    apply_update_task,
    cleanup_tasks,
    create_task,
    delete_task,
    mark_done,
    plan_cleanup,
    plan_delete_tasks,
    plan_update_task,
    update_task,
    watch_task,
)
from connector.operations.waits import (
    TaskStatus,
    classify_bulk_operation,
    classify_dataset_version,
    classify_inputs_add_job,
    classify_task,
    poll,
    task_status,
    wait_bulk_operation,
    wait_dataset_version,
    wait_inputs_add_job,
    wait_task,
)

__all__ = [
    "CleanupPlan",
    "ConflictError",
    "OperationResult",
    "Plan",
    "ProgressCallback",
    "ProgressEvent",
    "PrunePlan",
    "PrunePolicy",
    "SplitPlan",
    "SplitSpec",
    "TaskSpec",
    "TaskStatus",
    "TaskUpdatePlan",
    "apply_cleanup",
    "apply_prune",
    "apply_split",
    "apply_update_task",
    "assign",
    "classify_bulk_operation",
    "classify_dataset_version",
    "classify_inputs_add_job",
    "classify_task",
    "cleanup_tasks",
    "create_or_adopt",
    "create_task",
    "delete_task",
    "deterministic_id",
    "mark_done",
    "plan_cleanup",
    "plan_delete_tasks",
    "plan_prune",
    "plan_prune_from_inventory",
    "plan_split",
    "plan_update_task",
    "poll",
    "prune",
    "read_or_none",
    "split",
    "task_status",
    "update_task",
    "wait_bulk_operation",
    "wait_dataset_version",
    "wait_inputs_add_job",
    "wait_task",
    "watch_task",
]
