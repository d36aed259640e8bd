"""Asynchronous twins of the waits in :mod:`connector.operations.waits`, for an
:class:`~connector.aio.AsyncClarifaiClient` (Airflow triggers, Dagster sensors, asyncio code).

Same names, same arguments, same results and errors: each wait drives the same
:class:`~connector.operations.waits.Waiter` (classifier, deadline, backoff and jitter) as its
sync twin; only the reads are awaited and the pauses are ``asyncio.sleep``. Cancelling the
awaiting task stops the wait at once (nothing remote is changed: every wait is read-only).

    async with AsyncClarifaiClient(config) as client:
        version = await wait_dataset_version(client, "cats-dogs", "v1", timeout=600)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from connector.objects import BulkOperation, DatasetVersion, InputsAddJob
from connector.operations.base import ProgressCallback
from connector.operations.waits import (
    TaskStatus,
    TaskUntil,
    Waiter,
    WaitSpec,
    bulk_operation_waiter,
    inputs_add_job_waiter,
    task_status_from,
    task_waiter,
    version_waiter,
)
from connector.protocols import AsyncClientProtocol

T = TypeVar("T")

__all__ = [
    "task_status",
    "wait_bulk_operation",
    "wait_dataset_version",
    "wait_inputs_add_job",
    "wait_task",
]


async def _drive(
    waiter: Waiter[T],
    fetch: Callable[[], Awaitable[T]],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    while True:
        obj = await fetch()
        if waiter.judge(obj):
            return obj
        await sleep(waiter.pause())


async def wait_dataset_version(
    client: AsyncClientProtocol,
    dataset_id: str,
    version_id: str,
    *,
    timeout: float = 600.0,
    interval: float = 0.25,
    max_interval: float = 10.0,
    progress: ProgressCallback | None = None,
) -> DatasetVersion:
    """Async :func:`connector.operations.waits.wait_dataset_version`."""
    waiter = version_waiter(dataset_id, version_id, WaitSpec(timeout, interval, max_interval, progress))
    return await _drive(waiter, lambda: client.get_dataset_version(dataset_id, version_id))


async def wait_bulk_operation(
    client: AsyncClientProtocol,
    operation_id: str,
    *,
    timeout: float = 600.0,
    interval: float = 0.25,
    max_interval: float = 10.0,
    progress: ProgressCallback | None = None,
) -> BulkOperation:
    """Async :func:`connector.operations.waits.wait_bulk_operation`."""
    waiter = bulk_operation_waiter(operation_id, WaitSpec(timeout, interval, max_interval, progress))
    return await _drive(waiter, lambda: client.get_bulk_operation(operation_id))


async def wait_inputs_add_job(
    client: AsyncClientProtocol,
    job_id: str,
    *,
    timeout: float = 600.0,
    interval: float = 0.25,
    max_interval: float = 10.0,
    progress: ProgressCallback | None = None,
) -> InputsAddJob:
    """Async :func:`connector.operations.waits.wait_inputs_add_job`."""
    waiter = inputs_add_job_waiter(job_id, WaitSpec(timeout, interval, max_interval, progress))
    return await _drive(waiter, lambda: client.get_inputs_add_job(job_id))


async def task_status(client: AsyncClientProtocol, task_id: str, *, counts: bool = True) -> TaskStatus:
    """Async :func:`connector.operations.waits.task_status` (the count RPCs run concurrently)."""
    if not counts:
        return task_status_from(task_id, await client.get_task(task_id))
    task, ann, inp = await asyncio.gather(
        client.get_task(task_id), client.get_task_annotation_count(task_id), client.get_task_input_count(task_id)
    )
    return task_status_from(task_id, task, ann, inp)


async def wait_task(
    client: AsyncClientProtocol,
    task_id: str,
    *,
    until: TaskUntil = "done",
    percent: float | None = None,
    timeout: float = 3600.0,
    interval: float = 1.0,
    max_interval: float = 30.0,
    progress: ProgressCallback | None = None,
) -> TaskStatus:
    """Async :func:`connector.operations.waits.wait_task`."""
    waiter = task_waiter(task_id, until, percent, WaitSpec(timeout, interval, max_interval, progress))
    return await _drive(waiter, lambda: task_status(client, task_id, counts=False))
