"""Deferrable waits on the triggerer: dataset version READY, labeling task done (or past a
percent), bulk operation finished.

Each trigger:

* serializes only plain values (ids, numbers, the connection id) and an absolute deadline
  (``end_time``, seconds since the epoch), so a trigger moved to another triggerer keeps
  its deadline;
* reads the connection through the async-safe path and waits with the async client and
  ``connector.operations.async_waits`` (same classifiers, backoff and jitter as the sync
  waits), so it never blocks the triggerer's event loop (its modules load with this one,
  not inside the loop, and the client is built in a worker thread);
* outlives a stretch of throttling or server trouble: the client retries each read, and
  when it gives up the trigger pauses (at least the server's ``Retry-After``) and reads
  again until the deadline;
* yields exactly one event and never raises: ``{"status": "success" | "failed" |
  "timeout" | "error", ...}``; :func:`raise_for_event` turns it into the task's outcome.

The bulk operation trigger cancels the operation in ``on_kill`` (a user marked the task
failed or cleared it), not in ``cleanup`` (a triggerer restart must not cancel work).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider.hooks.clarifai import ClarifaiHook
from airflow_provider.retry import is_permanent, retry_after_of
from connector.errors import ClarifaiError, ThrottledError, TransientServerError, WaitError, WaitTimeoutError
from connector.operations.async_waits import wait_bulk_operation, wait_dataset_version, wait_task
from connector.operations.waits import classify_bulk_operation
from connector.status_codes import code_name, status_code_of

#: Seconds between reads unless told otherwise, and the cap of the backoff.
DEFAULT_POLL_INTERVAL = 5.0
DEFAULT_MAX_INTERVAL = 60.0


def raise_for_event(event: dict[str, Any], *, what: str, sensor: bool = False) -> dict[str, Any]:
    """Return a success event; otherwise raise what the task should end with:
    ``AirflowFailException`` for a terminal failure or a permanent error (no retry),
    ``AirflowSensorTimeout`` for a sensor past its deadline (no retry), and a plain
    ``AirflowException`` for an operator past its deadline or a transient error (Airflow
    retries; the retry adopts the object and waits again)."""
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSensorTimeout

    status = event.get("status")
    message = str(event.get("message") or f"{what}: {status}")
    if status == "success":
        return event
    if status == "failed" or (status == "error" and event.get("permanent")):
        raise AirflowFailException(message)
    if status == "timeout" and sensor:
        raise AirflowSensorTimeout(message)
    raise AirflowException(message)


class ClarifaiWaitTrigger(BaseTrigger):
    """Base of the Clarifai triggers: the connection, the deadline, the polling pace and
    the loop that turns a wait's outcome into one event."""

    kind = "object"

    def __init__(
        self,
        *,
        end_time: float,
        clarifai_conn_id: str = ClarifaiHook.default_conn_name,
        user_id: str | None = None,
        app_id: str | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
    ) -> None:
        super().__init__()
        self.end_time = float(end_time)
        self.clarifai_conn_id = clarifai_conn_id
        self.user_id = user_id
        self.app_id = app_id
        self.poll_interval = float(poll_interval)
        self.max_interval = max(float(max_interval), self.poll_interval)

    # -- what a subclass provides ------------------------------------------------------
    def ids(self) -> dict[str, Any]:
        """The ids of the object waited for (plain values; part of every event)."""
        raise NotImplementedError

    async def wait(self, client: Any, timeout: float) -> dict[str, Any]:
        """Wait up to ``timeout`` seconds; return the success event's extra fields."""
        raise NotImplementedError

    # -- serialization -----------------------------------------------------------------
    def _common(self) -> dict[str, Any]:
        return {
            "end_time": self.end_time,
            "clarifai_conn_id": self.clarifai_conn_id,
            "user_id": self.user_id,
            "app_id": self.app_id,
            "poll_interval": self.poll_interval,
            "max_interval": self.max_interval,
        }

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{type(self).__module__}.{type(self).__qualname__}", {**self.ids(), **self._common()}

    # -- the loop ----------------------------------------------------------------------
    def hook(self) -> ClarifaiHook:
        return ClarifaiHook(self.clarifai_conn_id, user_id=self.user_id, app_id=self.app_id)

    def _event(self, status: str, **fields: Any) -> TriggerEvent:
        return TriggerEvent({"status": status, "kind": self.kind, **self.ids(), **fields})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        yield await self._outcome()

    async def _outcome(self) -> TriggerEvent:
        start = time.monotonic()
        try:
            hook = self.hook()
            async with await hook.aget_client() as client:
                scope = {
                    "user_id": client.config.user_id,
                    "app_id": client.config.app_id,
                    "portal_url": hook.portal_url,
                }
                while True:
                    remaining = max(0.0, self.end_time - time.time())
                    try:
                        found = await self.wait(client, remaining)
                    except WaitError as exc:
                        status = "timeout" if isinstance(exc, WaitTimeoutError) else "failed"
                        return self._event(status, **scope, **exc.to_dict())
                    except (ThrottledError, TransientServerError) as exc:
                        # A stretch the client's own retries did not outlast: pause and read
                        # again, as long as the deadline allows.
                        remaining = self.end_time - time.time()
                        if remaining <= 0:
                            return self._event(
                                "timeout",
                                **scope,
                                message=f"{self._what()} not finished by its deadline; the last read failed: {exc}",
                                elapsed=round(time.monotonic() - start, 3),
                            )
                        pause = max(self.poll_interval, retry_after_of(exc) or 0.0)
                        self.log.warning("%s: %s; reading again in %.1f s", self._what(), exc, min(pause, remaining))
                        await asyncio.sleep(min(pause, remaining))
                        continue
                    return self._event("success", **scope, **found, elapsed=round(time.monotonic() - start, 3))
        except Exception as exc:  # an event, never an exception: the task decides
            permanent = is_permanent(exc) or not isinstance(exc, ClarifaiError)
            return self._event(
                "error",
                error=type(exc).__name__,
                permanent=permanent,
                message=f"{self._what()}: {type(exc).__name__}: {exc}",
                elapsed=round(time.monotonic() - start, 3),
            )

    def _what(self) -> str:
        return f"{self.kind.replace('_', ' ')} {'/'.join(str(v) for v in self.ids().values())}"


class ClarifaiDatasetVersionTrigger(ClarifaiWaitTrigger):
    """Wait until a dataset version is READY (``failed`` on FAILURE / UNEXPECTED_ERROR /
    CONFLICT). Success event: ``dataset_id``, ``version_id``, ``status_name``."""

    kind = "dataset_version"

    def __init__(self, *, dataset_id: str, version_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dataset_id = dataset_id
        self.version_id = version_id

    def ids(self) -> dict[str, Any]:
        return {"dataset_id": self.dataset_id, "version_id": self.version_id}

    async def wait(self, client: Any, timeout: float) -> dict[str, Any]:
        version = await wait_dataset_version(
            client,
            self.dataset_id,
            self.version_id,
            timeout=timeout,
            interval=self.poll_interval,
            max_interval=self.max_interval,
        )
        return {"status_name": code_name(status_code_of(version))}


class ClarifaiTaskTrigger(ClarifaiWaitTrigger):
    """Wait until a labeling task is done, or (``until="work"`` / ``"review"``) until its
    estimated work / review percent reaches ``percent`` (``failed`` on TASK_FAILED /
    TASK_WONT_DO). Success event: ``task_id`` and ``task_status`` (status, percents)."""

    kind = "task"

    def __init__(
        self, *, labeling_task_id: str, until: str = "done", percent: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        # Not ``task_id``: the triggerer sets that attribute to the Airflow task's id.
        self.labeling_task_id = labeling_task_id
        self.until = until
        self.percent = None if percent is None else float(percent)

    def ids(self) -> dict[str, Any]:
        return {"labeling_task_id": self.labeling_task_id}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        classpath, kwargs = super().serialize()
        return classpath, {**kwargs, "until": self.until, "percent": self.percent}

    async def wait(self, client: Any, timeout: float) -> dict[str, Any]:
        status = await wait_task(
            client,
            self.labeling_task_id,
            until=self.until,  # type: ignore[arg-type]
            percent=self.percent,
            timeout=timeout,
            interval=self.poll_interval,
            max_interval=self.max_interval,
        )
        return {
            "task_status": {
                "status": status.status,
                "work_percent": status.work_percent,
                "review_percent": status.review_percent,
            }
        }


class ClarifaiBulkOperationTrigger(ClarifaiWaitTrigger):
    """Wait until a bulk operation succeeds (``failed`` on FAILED / CANCELLED /
    INVALID_REQUEST / UNEXPECTED_ERROR). With ``cancel_on_kill`` (default), a user killing
    the task cancels the operation if it is still running."""

    kind = "bulk_operation"

    def __init__(self, *, operation_id: str, cancel_on_kill: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operation_id = operation_id
        self.cancel_on_kill = bool(cancel_on_kill)

    def ids(self) -> dict[str, Any]:
        return {"operation_id": self.operation_id}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        classpath, kwargs = super().serialize()
        return classpath, {**kwargs, "cancel_on_kill": self.cancel_on_kill}

    async def wait(self, client: Any, timeout: float) -> dict[str, Any]:
        op = await wait_bulk_operation(
            client, self.operation_id, timeout=timeout, interval=self.poll_interval, max_interval=self.max_interval
        )
        return {
            "status_name": code_name(status_code_of(op)),
            "processed": int((op.get("progress") or {}).get("processed") or 0),
        }

    async def on_kill(self) -> None:
        """Cancel the operation when a user kills the task (if it has not finished)."""
        if not self.cancel_on_kill:
            return
        async with await self.hook().aget_client() as client:
            op = await client.get_bulk_operation(self.operation_id)
            if classify_bulk_operation(op) == "pending":
                await client.cancel_bulk_operations([self.operation_id])
                self.log.info("cancelled bulk operation %s", self.operation_id)
