"""Waiting for an object to finish: dataset versions, bulk operations, inputs add jobs and
labeling tasks.

Everything but the I/O lives here and is shared by the synchronous waits of this module and
the asynchronous ones of :mod:`connector.operations.async_waits`: the pure classifiers (what
one read of an object means: ``"done"``, ``"pending"`` or ``"failed"``), the schedule (a hard
deadline, exponential backoff with jitter), progress events and the structured errors
(:class:`~connector.errors.WaitFailedError`, :class:`~connector.errors.WaitTimeoutError`).
The sync and the async wait of an object therefore read it at the same moments and end the
same way. Every wait is read-only.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, TypeVar

from connector.errors import ValidationError, WaitFailedError, WaitKind, WaitTimeoutError
from connector.ids import shown
from connector.objects import BulkOperation, DatasetVersion, InputsAddJob, Task, TaskCounts, TaskStatusCountPerUser
from connector.operations.base import ProgressCallback, report
from connector.operations.checks import check_id
from connector.protocols import ClientProtocol
from connector.status_codes import (
    BULK_OPERATION_DONE,
    BULK_OPERATION_PENDING,
    INPUTS_ADD_JOB_DONE,
    INPUTS_ADD_JOB_PENDING,
    TASK_DONE,
    TASK_FAILED,
    VERSION_FAILED,
    VERSION_READY,
    code_name,
    parse_status_code,
    status_code_of,
)

T = TypeVar("T")

#: What one read of an object says.
WaitState = Literal["done", "pending", "failed"]
DONE: WaitState = "done"
PENDING: WaitState = "pending"
FAILED: WaitState = "failed"

#: How far a task wait goes: until the task is done, or until its estimated work or review
#: percent reaches ``percent``.
TaskUntil = Literal["done", "work", "review"]

#: The hint a failed wait gives unless its kind has a better one.
_FAILED_HINT = "inspect the object in the Clarifai portal and run again once fixed"
_TIMEOUT_HINT = "wait longer (raise the timeout) or check the object in the portal"


# -- classifiers (pure) --------------------------------------------------------------------


def _description(obj: Mapping[str, Any]) -> str:
    """The description of an object's status, or "" when it has none."""
    return str((obj.get("status") or {}).get("description") or "")


def classify_dataset_version(version: Mapping[str, Any]) -> WaitState:
    """READY is done; FAILURE / UNEXPECTED_ERROR / CONFLICT failed; anything else pending."""
    code = status_code_of(version)
    if code in VERSION_READY:
        return DONE
    if code in VERSION_FAILED:
        return FAILED
    return PENDING


def _classify_job(obj: Mapping[str, Any], done: frozenset[Any], pending: frozenset[Any]) -> WaitState:
    """A job-like object: a ``done`` code is done; a ``pending`` code, or no status yet, is
    pending; any other status is a failure."""
    code = status_code_of(obj)
    if code in done:
        return DONE
    if code is None or code in pending:
        return PENDING
    return FAILED


def classify_bulk_operation(operation: Mapping[str, Any]) -> WaitState:
    """SUCCESS is done; PENDING / IN_PROGRESS (or no status yet) pending; FAILED / CANCELLED /
    INVALID_REQUEST / UNEXPECTED_ERROR (any other status) failed."""
    return _classify_job(operation, BULK_OPERATION_DONE, BULK_OPERATION_PENDING)


def classify_inputs_add_job(job: Mapping[str, Any]) -> WaitState:
    """JOB_COMPLETED is done; QUEUED / RUNNING / PAUSED (or no status yet) pending; any
    other status failed."""
    return _classify_job(job, INPUTS_ADD_JOB_DONE, INPUTS_ADD_JOB_PENDING)


@dataclasses.dataclass
class TaskStatus:
    """A task's progress: status name, estimated work/review percents, and per-worker
    annotation and input counts (empty unless asked for)."""

    task_id: str
    status: str
    work_percent: float
    review_percent: float
    inputs_estimated: int
    annotation_counts: list[dict[str, Any]]
    input_counts: list[dict[str, Any]]
    #: The task's status code and description as the API sent them.
    status_code: int | None = None
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def task_status_from(
    task_id: str,
    task: Task,
    annotation_counts: TaskCounts | None = None,
    input_counts: TaskCounts | None = None,
) -> TaskStatus:
    """Build a :class:`TaskStatus` from a task object and, optionally, the answers of
    GetTaskAnnotationCount / GetTaskInputCount."""
    metrics = task.get("metrics") or {}
    work, review = metrics.get("work") or {}, metrics.get("review") or {}
    code = status_code_of(task)
    return TaskStatus(
        task_id=task_id,
        status=code_name(code),
        work_percent=float(work.get("inputs_percent_estimated") or 0),
        review_percent=float(review.get("inputs_percent_estimated") or 0),
        inputs_estimated=int(work.get("inputs_count_estimated") or 0),
        annotation_counts=[_count_row(c) for c in (annotation_counts or {}).get("counts", [])],
        input_counts=[_count_row(c) for c in (input_counts or {}).get("counts", [])],
        status_code=code,
        description=_description(task),
    )


_CountField = Literal["pending", "awaiting_review", "success", "review_denied", "awaiting_consensus_review"]
_COUNT_FIELDS: tuple[_CountField, ...] = (
    "pending",
    "awaiting_review",
    "success",
    "review_denied",
    "awaiting_consensus_review",
)


def _count_row(c: TaskStatusCountPerUser) -> dict[str, Any]:
    user = c.get("user_id") or ((c.get("worker") or {}).get("user") or {}).get("id") or ""
    fields = _COUNT_FIELDS
    return {"user_id": user, **{k: int(c.get(k) or 0) for k in fields}}


def classify_task(status: TaskStatus, until: TaskUntil = "done", percent: float | None = None) -> WaitState:
    """TASK_DONE is done; TASK_FAILED / TASK_WONT_DO failed; with ``until="work"`` (or
    ``"review"``) reaching ``percent`` estimated work (review) percent is done too."""
    code = status.status_code if status.status_code is not None else parse_status_code(status.status)
    if code in TASK_DONE:
        return DONE
    if code in TASK_FAILED:
        return FAILED
    if until == "work" and status.work_percent >= float(percent or 0):
        return DONE
    if until == "review" and status.review_percent >= float(percent or 0):
        return DONE
    return PENDING


def check_task_until(until: object, percent: object) -> tuple[TaskUntil, float | None]:
    """Validate a task wait's ``until`` and ``percent``; ValidationError names the argument."""
    if until not in ("done", "work", "review"):
        raise ValidationError(
            "{argument} must be 'done', 'work' or 'review', got {value}", argument="until", value=shown(until)
        )
    if until == "done":
        return "done", None
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 < float(percent) <= 100:
        raise ValidationError(
            "{until} {mode!r} needs {argument} in (0, 100], got {value}",
            argument="percent",
            mode=until,
            value=shown(percent),
        )
    return until, float(percent)


# -- the schedule and the outcome, shared by sync and async waits ----------------------------


@dataclasses.dataclass(frozen=True)
class Reading:
    """What one read of a waited-for object shows: its state, status and progress."""

    state: WaitState
    status_code: int | None = None
    description: str = ""
    done: int = 0
    total: int | None = None
    #: A short human summary for progress events and error messages.
    summary: str = ""


class Waiter(Generic[T]):
    """One wait in progress: judges each read (progress event, done, or a
    :class:`WaitFailedError`) and says how long to pause before the next one (or raises
    :class:`WaitTimeoutError` once the deadline has passed). No I/O: the sync and async
    waits drive it the same way::

        waiter = Waiter(...)
        while not waiter.judge(obj := fetch()):
            sleep(waiter.pause())
        return obj

    Pauses are ``interval * backoff**n`` capped at ``max_interval``, with jitter in
    [50%, 100%], and cut so that the last read happens at the deadline.
    """

    def __init__(
        self,
        *,
        kind: WaitKind,
        object_id: str,
        what: str,
        read: Callable[[T], Reading],
        timeout: float,
        interval: float,
        max_interval: float,
        backoff: float = 1.6,
        progress: ProgressCallback | None = None,
        operation: str = "wait",
        on_failure: Callable[[T, Reading], tuple[str, str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        check_schedule(timeout, interval, max_interval, backoff)
        self.kind, self.object_id, self.what = kind, object_id, what
        self._read, self._progress, self._operation = read, progress, operation
        self._on_failure = on_failure
        self._timeout, self._interval, self._max_interval, self._backoff = timeout, interval, max_interval, backoff
        self._clock, self._rng = clock, rng or random.Random()
        self._start = clock()
        self._deadline = self._start + timeout
        self._attempt = 0
        self.last: Reading | None = None

    @property
    def elapsed(self) -> float:
        return max(0.0, self._clock() - self._start)

    def judge(self, obj: T) -> bool:
        """True when ``obj`` is done; raises WaitFailedError when it failed."""
        reading = self._read(obj)
        self.last = reading
        report(
            self._progress, self._operation, self.what, reading.done, reading.total, reading.summary or reading.state
        )
        if reading.state == DONE:
            return True
        if reading.state == FAILED:
            if self._on_failure is not None:
                head, hint = self._on_failure(obj, reading)
            else:
                desc = f": {reading.description}" if reading.description else ""
                head, hint = f"{self.what} ended in {code_name(reading.status_code)}{desc}", _FAILED_HINT
            raise WaitFailedError(
                head,
                hint=hint,
                kind=self.kind,
                object_id=self.object_id,
                status_code=reading.status_code,
                description=reading.description,
                elapsed=self.elapsed,
            )
        return False

    def pause(self) -> float:
        """Seconds to sleep before the next read; WaitTimeoutError once the deadline passed."""
        now = self._clock()
        if now >= self._deadline:
            last = self.last or Reading(PENDING)
            raise WaitTimeoutError(
                f"{self.what} not finished after {self._timeout:g}s (last state: {last.summary or last.state})",
                hint=_TIMEOUT_HINT,
                kind=self.kind,
                object_id=self.object_id,
                status_code=last.status_code,
                description=last.description,
                elapsed=self.elapsed,
                timeout=self._timeout,
            )
        pause = min(self._max_interval, self._interval * self._backoff**self._attempt) * self._rng.uniform(0.5, 1.0)
        self._attempt += 1
        return max(0.0, min(pause, self._deadline - now))


def check_schedule(
    timeout: object,
    interval: object,
    max_interval: object,
    backoff: object = 1.6,
    *,
    names: Mapping[str, str] | None = None,
) -> None:
    """ValidationError naming the argument for a negative timeout, a non-positive
    interval, or a backoff below 1. ``names`` renames the arguments for a caller whose
    own arguments are called otherwise (``{"interval": "poll_interval"}``)."""
    names = names or {}
    number: dict[str, float] = {}
    for name, value in (
        ("timeout", timeout),
        ("interval", interval),
        ("max_interval", max_interval),
        ("backoff", backoff),
    ):
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise ValidationError(
                "{argument} must be a number of seconds, got {value}",
                argument=names.get(name, name),
                value=shown(value),
            )
        number[name] = value
    if number["timeout"] < 0:
        raise ValidationError(
            "{argument} must not be negative, got {value}", argument=names.get("timeout", "timeout"), value=timeout
        )
    for name in ("interval", "max_interval"):
        if number[name] <= 0:
            raise ValidationError(
                "{argument} must be a positive number of seconds, got {value}",
                argument=names.get(name, name),
                value=number[name],
            )
    if number["backoff"] < 1:
        raise ValidationError(
            "{argument} must be at least 1, got {value}", argument=names.get("backoff", "backoff"), value=backoff
        )


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
    kind: WaitKind = "object",
    object_id: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
) -> T:
    """Call ``fetch`` until ``classify`` says ``"done"``; return the last object.

    The general form of every wait: ``classify`` returns ``"done"``, ``"pending"`` or
    ``"failed"``, ``describe`` (optional) gives ``(done, total, summary)`` for progress.
    Raises :class:`WaitFailedError` at once on ``"failed"`` and :class:`WaitTimeoutError`
    when ``timeout`` seconds pass (a last read is made at the deadline). Errors from
    ``fetch`` propagate (the client already retried transient ones).
    """

    def read(obj: T) -> Reading:
        done, total, summary = describe(obj) if describe else (0, None, "")
        code = status_code_of(obj) if isinstance(obj, Mapping) else None
        desc = _description(obj) if isinstance(obj, Mapping) else ""
        state = classify(obj)
        if state not in (DONE, PENDING, FAILED):
            raise ValueError(f"classify returned {state!r}, not 'done', 'pending' or 'failed'")
        return Reading(state, code, desc, done, total, summary)

    waiter = Waiter(
        kind=kind,
        object_id=object_id or what,
        what=what,
        read=read,
        timeout=timeout,
        interval=interval,
        max_interval=max_interval,
        backoff=backoff,
        progress=progress,
        operation=operation,
        clock=clock,
        rng=rng,
    )
    return _drive(waiter, fetch, sleep)


# -- how each kind of object is read ---------------------------------------------------------


def read_dataset_version(version: Mapping[str, Any]) -> Reading:
    code = status_code_of(version)
    desc = _description(version)
    return Reading(classify_dataset_version(version), code, desc, summary=code_name(code))


def read_bulk_operation(operation: Mapping[str, Any]) -> Reading:
    code = status_code_of(operation)
    desc = _description(operation)
    processed = int((operation.get("progress") or {}).get("processed") or 0)
    return Reading(classify_bulk_operation(operation), code, desc, processed, None, code_name(code))


def read_inputs_add_job(job: Mapping[str, Any]) -> Reading:
    code = status_code_of(job)
    desc = _description(job)
    p = job.get("progress") or {}
    done = int(p.get("success_count") or 0) + int(p.get("failed_count") or 0)
    total = done + int(p.get("pending_count") or 0) + int(p.get("in_progress_count") or 0)
    return Reading(classify_inputs_add_job(job), code, desc, done, total, code_name(code))


def task_reader(until: TaskUntil, percent: float | None) -> Callable[[TaskStatus], Reading]:
    def read(st: TaskStatus) -> Reading:
        pct = st.review_percent if until == "review" else st.work_percent
        summary = f"{st.status} work {st.work_percent:g}% review {st.review_percent:g}%"
        return Reading(classify_task(st, until, percent), st.status_code, st.description, int(pct), 100, summary)

    return read


def task_failure(st: TaskStatus, _reading: Reading) -> tuple[str, str]:
    """The message of a task wait that ended without the task being done."""
    head = (
        f"task {st.task_id} ended as {st.status} without being done "
        f"(work {st.work_percent:g}%, review {st.review_percent:g}%)"
    )
    return head, "reopen it in the Clarifai portal, or create a new task"


@dataclasses.dataclass(frozen=True)
class WaitSpec:
    """The arguments of one wait, checked before its first read."""

    timeout: float
    interval: float
    max_interval: float
    progress: ProgressCallback | None = None


def _waiter(
    kind: WaitKind,
    object_id: str,
    what: str,
    read: Callable[[T], Reading],
    spec: WaitSpec,
    rng: random.Random | None,
    clock: Callable[[], float],
    *,
    operation: str = "wait",
    on_failure: Callable[[T, Reading], tuple[str, str]] | None = None,
) -> Waiter[T]:
    """A :class:`Waiter` on the schedule of ``spec``: what the factories below share."""
    return Waiter(
        kind=kind,
        object_id=object_id,
        what=what,
        read=read,
        timeout=spec.timeout,
        interval=spec.interval,
        max_interval=spec.max_interval,
        progress=spec.progress,
        operation=operation,
        on_failure=on_failure,
        rng=rng,
        clock=clock,
    )


def version_waiter(
    dataset_id: str,
    version_id: str,
    spec: WaitSpec,
    rng: random.Random | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Waiter[DatasetVersion]:
    _check_ids(dataset_id=dataset_id, version_id=version_id)
    object_id = f"{dataset_id}/{version_id}"
    return _waiter("dataset_version", object_id, f"dataset version {object_id}", read_dataset_version, spec, rng, clock)


def bulk_operation_waiter(
    operation_id: str, spec: WaitSpec, rng: random.Random | None = None, clock: Callable[[], float] = time.monotonic
) -> Waiter[BulkOperation]:
    _check_ids(operation_id=operation_id)
    what = f"bulk operation {operation_id}"
    return _waiter("bulk_operation", operation_id, what, read_bulk_operation, spec, rng, clock)


def inputs_add_job_waiter(
    job_id: str, spec: WaitSpec, rng: random.Random | None = None, clock: Callable[[], float] = time.monotonic
) -> Waiter[InputsAddJob]:
    _check_ids(job_id=job_id)
    return _waiter("inputs_add_job", job_id, f"inputs add job {job_id}", read_inputs_add_job, spec, rng, clock)


def task_waiter(
    task_id: str,
    until: object,
    percent: object,
    spec: WaitSpec,
    rng: random.Random | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Waiter[TaskStatus]:
    until_, percent_ = check_task_until(until, percent)
    _check_ids(task_id=task_id)
    read = task_reader(until_, percent_)
    return _waiter(
        "task", task_id, f"task {task_id}", read, spec, rng, clock, operation="tasks", on_failure=task_failure
    )


def _check_ids(**ids: object) -> None:
    for name, value in ids.items():
        check_id(name, value, name.removesuffix("_id").replace("_", " ") + " id")


# -- the synchronous waits -----------------------------------------------------------------


def _drive(waiter: Waiter[T], fetch: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T:
    while True:
        obj = fetch()
        if waiter.judge(obj):
            return obj
        sleep(waiter.pause())


def wait_dataset_version(
    client: ClientProtocol,
    dataset_id: str,
    version_id: str,
    *,
    timeout: float = 600.0,
    interval: float = 0.25,
    max_interval: float = 10.0,
    progress: ProgressCallback | None = None,
) -> DatasetVersion:
    """Wait until a dataset version is READY and return it. WaitFailedError on FAILURE /
    UNEXPECTED_ERROR / CONFLICT, WaitTimeoutError at the deadline, NotFoundError when it
    does not exist. Read-only."""
    waiter = version_waiter(dataset_id, version_id, WaitSpec(timeout, interval, max_interval, progress))
    return _drive(waiter, lambda: client.get_dataset_version(dataset_id, version_id))


def wait_bulk_operation(
    client: ClientProtocol,
    operation_id: str,
    *,
    timeout: float = 600.0,
    interval: float = 0.25,
    max_interval: float = 10.0,
    progress: ProgressCallback | None = None,
) -> BulkOperation:
    """Wait until a bulk operation succeeds and return it. WaitFailedError on FAILED /
    CANCELLED / INVALID_REQUEST / UNEXPECTED_ERROR, WaitTimeoutError at the deadline.
    Read-only."""
    waiter = bulk_operation_waiter(operation_id, WaitSpec(timeout, interval, max_interval, progress))
    return _drive(waiter, lambda: client.get_bulk_operation(operation_id))


def wait_inputs_add_job(
    client: ClientProtocol,
    job_id: str,
    *,
    timeout: float = 600.0,
    interval: float = 0.25,
    max_interval: float = 10.0,
    progress: ProgressCallback | None = None,
) -> InputsAddJob:
    """Wait until an inputs add job completes and return it. WaitFailedError on FAILED /
    CANCELLED / UNEXPECTED_ERROR, WaitTimeoutError at the deadline. Read-only."""
    waiter = inputs_add_job_waiter(job_id, WaitSpec(timeout, interval, max_interval, progress))
    return _drive(waiter, lambda: client.get_inputs_add_job(job_id))


def task_status(client: ClientProtocol, task_id: str, *, counts: bool = True) -> TaskStatus:
    """Read a task's status and progress (GetTask, and the count RPCs when ``counts``)."""
    task = client.get_task(task_id)
    ann = client.get_task_annotation_count(task_id) if counts else None
    inp = client.get_task_input_count(task_id) if counts else None
    return task_status_from(task_id, task, ann, inp)


def wait_task(
    client: ClientProtocol,
    task_id: str,
    *,
    until: TaskUntil = "done",
    percent: float | None = None,
    timeout: float = 3600.0,
    interval: float = 1.0,
    max_interval: float = 30.0,
    progress: ProgressCallback | None = None,
) -> TaskStatus:
    """Wait until the task is done (``until="done"``) or its estimated work percent
    (``until="work"``) / review percent (``until="review"``) reaches ``percent``; return
    its last status. WaitFailedError when the task fails or is marked WONT_DO,
    WaitTimeoutError at the deadline. Read-only."""
    waiter = task_waiter(task_id, until, percent, WaitSpec(timeout, interval, max_interval, progress))
    return _drive(waiter, lambda: task_status(client, task_id, counts=False))
