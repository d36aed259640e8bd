"""The few core names this package needs that the core is still landing.

Status groups and the task classifier are promised by the core (``connector.status_codes``
named groups, ``connector.operations.waits.classify_task``); until they are on the main
branch the same decisions are made here from the current core. Delete a fallback as soon
as its core name exists.
"""

from __future__ import annotations

from connector.operations.tasks import TaskStatus

try:  # pragma: no cover - whichever branch exists
    from connector.status_codes import TASK_DONE, TASK_FAILED, VERSION_FAILED, VERSION_READY
except ImportError:  # pragma: no cover
    VERSION_READY = frozenset({64015})
    VERSION_FAILED = frozenset({64020, 64025, 64030})
    TASK_DONE = frozenset({54002})
    TASK_FAILED = frozenset({54003, 54005})

try:  # pragma: no cover - whichever branch exists
    from connector.status_codes import status_code_of
except ImportError:  # pragma: no cover
    from connector.operations.base import status_code_of

#: TASK_IDLE: a parked task (cleanup treats it as abandoned).
TASK_IDLE_CODE = 54006

try:  # pragma: no cover - whichever branch exists
    from connector.operations.waits import classify_task
except ImportError:  # pragma: no cover

    def classify_task(status: TaskStatus, until: str = "done", percent: float | None = None) -> str:
        """``"done"`` when the task is TASK_DONE or its work (``until="work"``) or review
        (``until="review"``) percent reached ``percent``; ``"failed"`` for TASK_FAILED /
        TASK_WONT_DO; ``"pending"`` otherwise. Pure."""
        if status.status == "TASK_DONE":
            return "done"
        if status.status in ("TASK_FAILED", "TASK_WONT_DO"):
            return "failed"
        if until == "work" and percent is not None and status.work_percent >= float(percent):
            return "done"
        if until == "review" and percent is not None and status.review_percent >= float(percent):
            return "done"
        return "pending"


__all__ = [
    "TASK_DONE",
    "TASK_FAILED",
    "TASK_IDLE_CODE",
    "VERSION_FAILED",
    "VERSION_READY",
    "classify_task",
    "status_code_of",
]
