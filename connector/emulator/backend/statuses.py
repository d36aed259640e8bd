"""Status objects as the emulator stores them: ``{"code": <int>, "description": ...}``.

Numbers and names come from :mod:`connector.status_codes`, the project's table of the
official codes; that table is a fact, not logic. Which codes end a lifecycle, and what
each resource answers, the emulator decides in its own modules, so a wrong decision in
the client under test is not mirrored here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.status_codes import CODES_BY_NAME, STATUS_CODES
from connector.status_codes import code_name as _code_name

__all__ = ["checked_name", "code", "code_name", "code_of", "name_of", "status"]

_DESCRIPTIONS = {
    "SUCCESS": "Ok",
    "MIXED_STATUS": "Mixed status",
    "DATASET_VERSION_PENDING": "Dataset version is pending",
    "DATASET_VERSION_IN_PROGRESS": "Dataset version is in progress",
    "DATASET_VERSION_READY": "Dataset version is ready",
    "DATASET_VERSION_FAILURE": "Dataset version failed",
    "BULK_OPERATION_PENDING": "Bulk operation is pending",
    "BULK_OPERATION_IN_PROGRESS": "Bulk operation is in progress",
    "BULK_OPERATION_SUCCESS": "Bulk operation succeeded",
    "BULK_OPERATION_CANCELLED": "Bulk operation was cancelled",
    "BULK_OPERATION_FAILED": "Bulk operation failed",
    "INPUT_DOWNLOAD_SUCCESS": "Download complete",
    "INPUT_DOWNLOAD_PENDING": "Download pending",
    "ANNOTATION_SUCCESS": "Annotation success",
    "TASK_IN_PROGRESS": "Task is in progress",
    "TASK_DONE": "Task is done",
    "JOB_QUEUED": "Job is queued",
    "JOB_RUNNING": "Job is running",
    "JOB_COMPLETED": "Job is completed",
    "MODEL_TRAINED": "Model is trained and ready",
}


def code(name: str) -> int:
    """The number of an official status code name; KeyError for any other name."""
    return CODES_BY_NAME[name]


def code_name(number: int) -> str:
    """The name of a status code number (for a number two names share, the one the
    client reports)."""
    return _code_name(number)


def status(name: str, description: str | None = None, details: str = "") -> dict[str, Any]:
    """A Status dict with an integer code and a description (a default one per name)."""
    out: dict[str, Any] = {
        "code": code(name),
        "description": description or _DESCRIPTIONS.get(name, name.replace("_", " ").capitalize()),
    }
    if details:
        out["details"] = details
    return out


def code_of(st: Mapping[str, Any]) -> int:
    """The code of a status dict as an integer (a parsed request carries enum names)."""
    value = st.get("code", 0)
    return code(value) if isinstance(value, str) else int(value)


def name_of(st: Mapping[str, Any] | None) -> str:
    """The code name of a stored object's status dict (``ZERO`` when it has none)."""
    return code_name((st or {}).get("code", 0))


def checked_name(name: object, prefix: str, example: str) -> str:
    """``name`` if it is an official status code name starting with ``prefix``, else
    ValueError listing the names that would do."""
    if not isinstance(name, str) or not name.startswith(prefix) or name not in CODES_BY_NAME:
        choices = ", ".join(n for n in STATUS_CODES.values() if n.startswith(prefix))
        raise ValueError(
            f"status must be the name of a {prefix}* status code (e.g. {example}), got {name!r}; one of: {choices}"
        )
    return name
