"""Status objects as the emulator stores them: ``{"code": <int>, "description": ...}``.

Codes, their names and the parsing of a status come from :mod:`connector.status_codes`
(the project's enum of the official codes): facts, not decisions. Which codes end a
lifecycle, and what each resource answers, the emulator decides in its own modules,
so a wrong decision in the client under test is not mirrored here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.status_codes import StatusCode, code_name, parse_status_code, status_code_of

__all__ = ["checked_code", "code_name", "code_of", "name_of", "status"]

_DESCRIPTIONS = {
    StatusCode.SUCCESS: "Ok",
    StatusCode.MIXED_STATUS: "Mixed status",
    StatusCode.DATASET_VERSION_PENDING: "Dataset version is pending",
    StatusCode.DATASET_VERSION_IN_PROGRESS: "Dataset version is in progress",
    StatusCode.DATASET_VERSION_READY: "Dataset version is ready",
    StatusCode.DATASET_VERSION_FAILURE: "Dataset version failed",
    StatusCode.BULK_OPERATION_PENDING: "Bulk operation is pending",
    StatusCode.BULK_OPERATION_IN_PROGRESS: "Bulk operation is in progress",
    StatusCode.BULK_OPERATION_SUCCESS: "Bulk operation succeeded",
    StatusCode.BULK_OPERATION_CANCELLED: "Bulk operation was cancelled",
    StatusCode.BULK_OPERATION_FAILED: "Bulk operation failed",
    StatusCode.INPUT_DOWNLOAD_SUCCESS: "Download complete",
    StatusCode.INPUT_DOWNLOAD_PENDING: "Download pending",
    StatusCode.ANNOTATION_SUCCESS: "Annotation success",
    StatusCode.TASK_IN_PROGRESS: "Task is in progress",
    StatusCode.TASK_DONE: "Task is done",
    StatusCode.JOB_QUEUED: "Job is queued",
    StatusCode.JOB_RUNNING: "Job is running",
    StatusCode.JOB_COMPLETED: "Job is completed",
    StatusCode.MODEL_TRAINED: "Model is trained and ready",
}


def status(code: StatusCode, description: str | None = None, details: str = "") -> dict[str, Any]:
    """A Status dict with an integer code and a description (a default one per code)."""
    out: dict[str, Any] = {
        "code": int(code),
        "description": description or _DESCRIPTIONS.get(code, code.name.replace("_", " ").capitalize()),
    }
    if details:
        out["details"] = details
    return out


def code_of(st: Mapping[str, Any]) -> int:
    """The code of a status dict as an integer (a parsed request carries enum names)."""
    value = parse_status_code(st.get("code", 0))
    return 0 if value is None else int(value)


def name_of(obj: Mapping[str, Any]) -> str:
    """The code name of a stored object's ``status`` (``ZERO`` when it has none)."""
    return code_name(status_code_of(obj) or 0)


def checked_code(name: object, prefix: str, example: str) -> StatusCode:
    """The code named ``name`` if that is an official status code name starting with
    ``prefix``, else ValueError listing the names that would do."""
    members = StatusCode.__members__
    if not isinstance(name, str) or not name.startswith(prefix) or name not in members:
        choices = ", ".join(n for n in members if n.startswith(prefix))
        raise ValueError(
            f"status must be the name of a {prefix}* status code (e.g. {example}), got {name!r}; one of: {choices}"
        )
    return members[name]
