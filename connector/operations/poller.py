"""The one wait every operation shares, and the idempotent create-or-adopt step.

:func:`poll` reads an object until it is terminal: jittered exponential backoff, a hard
deadline (:class:`~connector.errors.WaitTimeoutError`), immediate failure on a terminal
error status (:class:`~connector.errors.WaitFailedError`), progress on every read.
:func:`create_or_adopt` turns a create into an idempotent one: "already exists" and
"outcome unknown" are resolved by reading the object back.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from connector.errors import (
    ALREADY_EXISTS_CODES,
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
    OutcomeUnknownError,
    PartialFailureError,
    ValidationError,
    WaitFailedError,
    WaitTimeoutError,
)
from connector.operations.base import (
    ProgressCallback,
    report,
    status_code_of,
    unwrap,
)
from connector.status_codes import code_name

logger = logging.getLogger(__name__)

T = TypeVar("T")

DONE, PENDING, FAILED = "done", "pending", "failed"

#: Dataset version statuses (any other is pending).
VERSION_READY = 64015
VERSION_FAILED = frozenset({64020, 64025, 64030})
#: Bulk operation statuses.
BULK_SUCCESS = 25400
BULK_PENDING = frozenset({25402, 25403})
#: Inputs add job statuses.
JOB_DONE = 64002
JOB_PENDING = frozenset({64000, 64001, 64008})


def poll(
    fetch: Callable[[], T],
    classify: Callable[[T], str],
    *,
    what: str,
    timeout: float = 600.0,
    interval: float = 0.25,
    max_interval: float = 10.0,
    backoff: float = 1.6,
    progress: ProgressCallback | None = None,
    describe: Callable[[T], tuple[int, int | None, str]] | None = None,
    operation: str = "wait",
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
) -> T:
    """Call ``fetch`` until ``classify`` says ``"done"``; return the last object.

    ``classify`` returns ``"done"``, ``"pending"`` or ``"failed"``. Raises
    :class:`WaitFailedError` at once on ``"failed"`` and :class:`WaitTimeoutError` when
    ``timeout`` seconds pass (a last read is made at the deadline). Sleeps are
    ``interval * backoff**n`` capped at ``max_interval``, with jitter in [50%, 100%].
    Errors from ``fetch`` propagate (the client already retried transient ones).
    """
    if timeout < 0:
        raise ValidationError(f"timeout must not be negative, got {timeout}")
    if interval <= 0 or max_interval <= 0:
        raise ValidationError("poll intervals must be positive")
    rng = rng or random.Random()
    deadline = clock() + timeout
    attempt = 0
    while True:
        obj = fetch()
        state = classify(obj)
        done, total, message = describe(obj) if describe else (0, None, "")
        report(progress, operation, what, done, total, message or state)
        if state == DONE:
            return obj
        if state == FAILED:
            if isinstance(obj, dict):
                state_text = code_name(status_code_of(obj))
                desc = (obj.get("status") or {}).get("description", "")
            else:
                state_text, desc = message or "a failure status", ""
            raise WaitFailedError(
                f"{what} ended in {state_text}"
                + (f": {desc}" if desc else "")
                + "; inspect the object in the Clarifai portal and run again once fixed"
            )
        now = clock()
        if now >= deadline:
            raise WaitTimeoutError(
                f"{what} not finished after {timeout:g}s (last state: {message or state}); "
                "wait longer (raise the timeout) or check the object in the portal"
            )
        pause = min(max_interval, interval * backoff**attempt) * rng.uniform(0.5, 1.0)
        sleep(max(0.0, min(pause, deadline - now)))
        attempt += 1


# -- waits on specific objects ---------------------------------------------------------


def classify_dataset_version(version: dict[str, Any]) -> str:
    code = status_code_of(version)
    if code == VERSION_READY:
        return DONE
    if code in VERSION_FAILED:
        return FAILED
    return PENDING


def wait_dataset_version(
    client: Any,
    dataset_id: str,
    version_id: str,
    *,
    timeout: float = 600.0,
    progress: ProgressCallback | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Wait until a dataset version is READY; WaitFailedError on FAILURE/UNEXPECTED_ERROR/
    CONFLICT, WaitTimeoutError at the deadline. Read-only."""
    return poll(
        lambda: unwrap(client.get_dataset_version(dataset_id, version_id), "dataset_version"),
        classify_dataset_version,
        what=f"dataset version {dataset_id}/{version_id}",
        timeout=timeout,
        progress=progress,
        describe=lambda v: (0, None, code_name(status_code_of(v))),
        **kwargs,
    )


def _classify_job(obj: dict[str, Any], done: int, pending: frozenset[int]) -> str:
    """A job-like object: ``done`` is done, ``pending`` codes (or no status yet) are
    pending, any other status is a failure."""
    code = status_code_of(obj)
    if code == done:
        return DONE
    if code is None or code in pending:
        return PENDING
    return FAILED


def classify_bulk_operation(op: dict[str, Any]) -> str:
    return _classify_job(op, BULK_SUCCESS, BULK_PENDING)


def wait_bulk_operation(
    client: Any, operation_id: str, *, timeout: float = 600.0, progress: ProgressCallback | None = None, **kwargs: Any
) -> dict[str, Any]:
    """Wait until a bulk operation succeeds; WaitFailedError on FAILED/CANCELLED/
    INVALID_REQUEST/UNEXPECTED_ERROR. Read-only."""

    def describe(op: dict[str, Any]) -> tuple[int, int | None, str]:
        processed = int((op.get("progress") or {}).get("processed") or 0)
        return processed, None, code_name(status_code_of(op))

    return poll(
        lambda: unwrap(client.get_bulk_operation(operation_id), "bulk_operation"),
        classify_bulk_operation,
        what=f"bulk operation {operation_id}",
        timeout=timeout,
        progress=progress,
        describe=describe,
        **kwargs,
    )


def classify_inputs_add_job(job: dict[str, Any]) -> str:
    return _classify_job(job, JOB_DONE, JOB_PENDING)


def wait_inputs_add_job(
    client: Any, job_id: str, *, timeout: float = 600.0, progress: ProgressCallback | None = None, **kwargs: Any
) -> dict[str, Any]:
    """Wait until an inputs add job completes; WaitFailedError on FAILED/CANCELLED/
    UNEXPECTED_ERROR. Read-only."""

    def describe(job: dict[str, Any]) -> tuple[int, int | None, str]:
        p = job.get("progress") or {}
        done = int(p.get("success_count") or 0) + int(p.get("failed_count") or 0)
        total = done + int(p.get("pending_count") or 0) + int(p.get("in_progress_count") or 0)
        return done, total, code_name(status_code_of(job))

    return poll(
        lambda: unwrap(client.get_inputs_add_job(job_id), "inputs_add_job"),
        classify_inputs_add_job,
        what=f"inputs add job {job_id}",
        timeout=timeout,
        progress=progress,
        describe=describe,
        **kwargs,
    )


# -- idempotent create -----------------------------------------------------------------


def create_or_adopt(
    create: Callable[[], Any],
    read: Callable[[], dict[str, Any] | None],
    *,
    what: str,
    same: Callable[[dict[str, Any]], bool] | None = None,
    attempts: int = 3,
) -> tuple[dict[str, Any], bool]:
    """Create an object with a client-chosen id, or adopt the existing one.

    Returns ``(object, created)``. "Already exists" (also inside a batch answer) and
    "outcome unknown" are resolved by ``read()`` (None = absent): an existing object for
    which ``same`` is true is adopted, a different one raises :class:`ConflictError`; an
    absent one after an ambiguous failure is created again (at most ``attempts`` times).
    """
    last: Exception | None = None
    for _ in range(max(1, attempts)):
        try:
            created = create()
        except (AlreadyExistsError, OutcomeUnknownError, PartialFailureError) as exc:
            if isinstance(exc, PartialFailureError) and not _all_already_exists(exc):
                raise
            last = exc
            existing = read()
            if existing is None:
                if isinstance(exc, AlreadyExistsError):
                    raise
                logger.info("%s: outcome unknown and not found on read-back; creating again", what)
                continue
            if same is not None and not same(existing):
                raise ConflictError(
                    f"{what} already exists and differs from the requested one; "
                    "use another name/run key or delete the existing object"
                ) from exc
            logger.info("%s: adopted the existing object after %s", what, type(exc).__name__)
            return existing, False
        return created, True
    assert last is not None
    raise last


def _all_already_exists(exc: PartialFailureError) -> bool:
    return bool(exc.items) and all(i.code in ALREADY_EXISTS_CODES for i in exc.items)


def read_or_none(read: Callable[[], Any], key: str) -> dict[str, Any] | None:
    """``read()`` unwrapped at ``key``, or None when the object does not exist."""
    try:
        return unwrap(read(), key)
    except NotFoundError:
        return None
