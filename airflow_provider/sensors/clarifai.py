"""Sensors: a dataset version READY, a labeling task done (or past a percent), a bulk
operation finished.

``deferrable`` (default: Airflow's ``[operators] default_deferrable``) hands the wait to
the triggerer after one first check; otherwise the sensor pokes (``poke_interval``,
``mode="reschedule"`` frees the worker slot between pokes). Either way the sensor's
``timeout`` is the deadline (``AirflowSensorTimeout``, no retry) and a terminal failure
(a FAILED version, a task marked won't-do, a cancelled operation) fails the task without
retry.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, conf

from airflow_provider.hooks.clarifai import ClarifaiHook
from airflow_provider.links.clarifai import (
    ClarifaiDatasetVersionLink,
    ClarifaiLinksMixin,
    ClarifaiTaskLink,
    dataset_version_page,
    task_page,
)
from airflow_provider.operators.base import clarifai_errors
from airflow_provider.retry import ClarifaiRetryPolicy

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.triggers.clarifai import ClarifaiWaitTrigger


class ClarifaiBaseSensor(ClarifaiLinksMixin, BaseSensorOperator):
    """What the Clarifai sensors share: connection, deferral, error mapping.

    :param clarifai_conn_id: the Clarifai connection (default ``clarifai_default``).
    :param user_id: / :param app_id: instead of the connection's.
    :param deferrable: wait on the triggerer instead of poking.
    :param max_interval: cap of the trigger's backoff between reads (seconds).
    """

    template_fields: Sequence[str] = ("clarifai_conn_id", "user_id", "app_id")

    def __init__(
        self,
        *,
        clarifai_conn_id: str = ClarifaiHook.default_conn_name,
        user_id: str | None = None,
        app_id: str | None = None,
        deferrable: bool | None = None,
        max_interval: float = 60.0,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("retry_policy", ClarifaiRetryPolicy())
        super().__init__(**kwargs)
        self.clarifai_conn_id = clarifai_conn_id
        self.user_id = user_id
        self.app_id = app_id
        self.max_interval = max_interval
        self.deferrable = (
            conf.getboolean("operators", "default_deferrable", fallback=False) if deferrable is None else deferrable
        )

    @property
    def hook(self) -> ClarifaiHook:
        return ClarifaiHook(self.clarifai_conn_id, user_id=self.user_id, app_id=self.app_id)

    # -- what a subclass provides ------------------------------------------------------
    def check(self, client: Any, timeout: float) -> Any:
        """Read the object once (``timeout=0``) through the sync wait: return it when done;
        ``WaitTimeoutError`` when pending; ``WaitFailedError`` when it failed."""
        raise NotImplementedError

    def trigger(self, end_time: float) -> ClarifaiWaitTrigger:
        raise NotImplementedError

    def record_links(self, user_id: str, app_id: str, portal: str) -> None:
        """Set the extra links (the ids are the sensor's own)."""

    # -- poking and deferring ----------------------------------------------------------
    def poke(self, context: Context) -> bool:
        from connector.errors import WaitTimeoutError

        hook = self.hook
        with clarifai_errors(f"{type(self).__name__} {self.task_id!r}"), hook.get_client() as client:
            self.record_links(client.config.user_id, client.config.app_id or "", hook.portal_url)
            try:
                self.check(client, 0.0)
            except WaitTimeoutError as exc:
                self.log.info("not yet: %s", exc.head)
                return False
            return True

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        if self.poke(context):  # one cheap read before handing the wait to the triggerer
            return None
        self.defer(
            trigger=self.trigger(time.time() + float(self.timeout)),
            method_name="execute_complete",
            timeout=timedelta(seconds=float(self.timeout)),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Resume after the trigger: success returns; a failure or a permanent error fails
        without retry; the deadline raises AirflowSensorTimeout; a transient error raises
        for a retry."""
        from airflow_provider.triggers.clarifai import raise_for_event

        raise_for_event(event, what=type(self).__name__, sensor=True)
        if event.get("user_id"):
            self.record_links(event["user_id"], event.get("app_id") or "", event.get("portal_url") or "")
        self.log.info("%s: %s", type(self).__name__, {k: v for k, v in event.items() if k != "message"})
        return None

    def _trigger_kwargs(self, end_time: float) -> dict[str, Any]:
        return {
            "end_time": end_time,
            "clarifai_conn_id": self.clarifai_conn_id,
            "user_id": self.user_id,
            "app_id": self.app_id,
            "poll_interval": float(self.poke_interval),
            "max_interval": float(self.max_interval),
        }


class ClarifaiDatasetVersionSensor(ClarifaiBaseSensor):
    """Wait until dataset version ``version_id`` of ``dataset_id`` is READY."""

    template_fields: Sequence[str] = (*ClarifaiBaseSensor.template_fields, "dataset_id", "version_id")
    operator_extra_links = (ClarifaiDatasetVersionLink(),)

    def __init__(self, *, dataset_id: str, version_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dataset_id = dataset_id
        self.version_id = version_id

    def check(self, client: Any, timeout: float) -> Any:
        from connector.operations import wait_dataset_version

        return wait_dataset_version(client, self.dataset_id, self.version_id, timeout=timeout)

    def trigger(self, end_time: float) -> ClarifaiWaitTrigger:
        from airflow_provider.triggers.clarifai import ClarifaiDatasetVersionTrigger

        return ClarifaiDatasetVersionTrigger(
            dataset_id=self.dataset_id, version_id=self.version_id, **self._trigger_kwargs(end_time)
        )

    def record_links(self, user_id: str, app_id: str, portal: str) -> None:
        self.set_link(
            "dataset_version",
            dataset_version_page(portal or "https://clarifai.com", user_id, app_id, self.dataset_id, self.version_id),
        )


class ClarifaiTaskSensor(ClarifaiBaseSensor):
    """Wait until labeling task ``labeling_task_id`` is done, or with ``until="work"``
    (``"review"``) until its estimated work (review) percent reaches ``percent``."""

    template_fields: Sequence[str] = (*ClarifaiBaseSensor.template_fields, "labeling_task_id")
    operator_extra_links = (ClarifaiTaskLink(),)

    def __init__(
        self, *, labeling_task_id: str, until: str = "done", percent: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.labeling_task_id = labeling_task_id
        self.until = until
        self.percent = percent

    def check(self, client: Any, timeout: float) -> Any:
        from connector.operations import wait_task

        return wait_task(client, self.labeling_task_id, until=self.until, percent=self.percent, timeout=timeout)  # type: ignore[arg-type]

    def trigger(self, end_time: float) -> ClarifaiWaitTrigger:
        from airflow_provider.triggers.clarifai import ClarifaiTaskTrigger

        return ClarifaiTaskTrigger(
            labeling_task_id=self.labeling_task_id,
            until=self.until,
            percent=self.percent,
            **self._trigger_kwargs(end_time),
        )

    def record_links(self, user_id: str, app_id: str, portal: str) -> None:
        self.set_link("task", task_page(portal or "https://clarifai.com", user_id, app_id, self.labeling_task_id))


class ClarifaiBulkOperationSensor(ClarifaiBaseSensor):
    """Wait until bulk operation ``operation_id`` finishes successfully. With
    ``cancel_on_kill`` (default) killing the task cancels the operation if it still runs
    (on the triggerer when deferred, on the worker when poking)."""

    template_fields: Sequence[str] = (*ClarifaiBaseSensor.template_fields, "operation_id")

    def __init__(self, *, operation_id: str, cancel_on_kill: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operation_id = operation_id
        self.cancel_on_kill = cancel_on_kill

    def check(self, client: Any, timeout: float) -> Any:
        from connector.operations import wait_bulk_operation

        return wait_bulk_operation(client, self.operation_id, timeout=timeout)

    def trigger(self, end_time: float) -> ClarifaiWaitTrigger:
        from airflow_provider.triggers.clarifai import ClarifaiBulkOperationTrigger

        return ClarifaiBulkOperationTrigger(
            operation_id=self.operation_id, cancel_on_kill=self.cancel_on_kill, **self._trigger_kwargs(end_time)
        )

    def on_kill(self) -> None:
        """Cancel the operation when the task is killed while poking (if still running)."""
        if not self.cancel_on_kill:
            return
        from connector.operations import classify_bulk_operation

        with self.hook.get_client() as client:
            if classify_bulk_operation(client.get_bulk_operation(self.operation_id)) == "pending":
                client.cancel_bulk_operations([self.operation_id])
                self.log.info("cancelled bulk operation %s", self.operation_id)
