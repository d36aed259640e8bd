"""The emulator's state: the store of every app's data plus the accepted PATs, the
recorded response violations, reset and seeding, and the handful of operations the
admin API and tests call directly. Each concern lives in its own module; this class
only wires them to one lock."""

from __future__ import annotations

from typing import Any

from connector.emulator.backend import bulk_operations, dataset_versions, inputs_add_jobs, lifecycle, tasks
from connector.emulator.backend.accounts import Accounts
from connector.emulator.backend.apps import create_app
from connector.emulator.backend.seed import seed_demo
from connector.emulator.backend.showcase import seed_showcase
from connector.emulator.backend.snapshot import snapshot
from connector.emulator.backend.store import AppData, Obj, Store
from connector.emulator.options import EmulatorOptions, check_seed

__all__ = ["EmulatorState"]


class EmulatorState(Store):
    """All emulator data, in memory, seeded from ``options`` on creation. Thread-safe
    through ``lock`` (the API holds it for the whole of each request; the methods here
    take it themselves)."""

    def __init__(self, options: EmulatorOptions) -> None:
        super().__init__(options)
        self.accounts = Accounts()
        #: Responses that broke their official message (``validate_responses`` mode),
        #: appended by the HTTP layer, cleared by :meth:`reset`.
        self.violations: list[dict[str, Any]] = []
        self.reset(seed=options.seed, seed_inputs=options.seed_inputs)

    def reset(self, seed: str = "empty", seed_inputs: int | None = None) -> None:
        """Forget everything, then seed ``"empty"`` (just the user and app), ``"demo"``
        (a realistic app with ``seed_inputs`` inputs, default ``options.seed_inputs``) or
        ``"showcase"`` (the demo app with a month of history added).
        The accepted PATs return to the options' ones. ValueError for another seed."""
        check_seed(seed)
        with self.lock:
            self.clear()
            self.violations = []
            self.accounts.clear()
            self.accounts.add_from(self.options)
            create_app(self, self.options.user_id, {"id": self.options.app_id})
            n_inputs = self.options.seed_inputs if seed_inputs is None else seed_inputs
            if seed == "demo":
                seed_demo(self, n_inputs)
            elif seed == "showcase":
                seed_showcase(self, n_inputs)
            self.changed()

    def default_app(self, app_id: str | None = None) -> AppData | None:
        """The emulated user's app ``app_id`` (default: the options' app), or None."""
        return self.app_data(self.options.user_id, app_id or self.options.app_id)

    def tick(self) -> None:
        """Advance every time-based lifecycle to now (see :func:`.lifecycle.tick`)."""
        lifecycle.tick(self)

    def snapshot(self) -> dict[str, Any]:
        """A normalized JSON-able dump of the data, lifecycles advanced to now (see
        :func:`.snapshot.snapshot`)."""
        with self.lock:
            self.tick()
            return snapshot(self)

    def set_task_progress(
        self,
        task_id: str,
        status: str | None = None,
        work_percent: int | None = None,
        review_percent: int | None = None,
        *,
        app_id: str | None = None,
    ) -> Obj:
        """Set a task's status name (e.g. ``TASK_DONE``) and/or its estimated work and
        review percents. Raises KeyError if the task does not exist, ValueError for a
        bad value."""
        with self.lock:
            return tasks.set_task_progress(
                self, self.default_app(app_id), task_id, status, work_percent, review_percent
            )

    def fail_dataset_version(
        self, dataset_id: str, version_id: str, status: str = "DATASET_VERSION_FAILURE", *, app_id: str | None = None
    ) -> Obj:
        """Put a dataset version in a terminal failure status (or another
        ``DATASET_VERSION_*`` status). Raises KeyError if it does not exist."""
        with self.lock:
            return dataset_versions.set_version_status(self, self.default_app(app_id), dataset_id, version_id, status)

    def end_bulk_operation(
        self, op_id: str, status: str = "BULK_OPERATION_FAILED", *, app_id: str | None = None
    ) -> Obj:
        """End a bulk operation in a terminal status (never applied). Raises KeyError if it
        does not exist, ValueError for a status that is not a terminal BULK_OPERATION_*."""
        with self.lock:
            return bulk_operations.end_bulk_operation(self, self.default_app(app_id), op_id, status)

    def end_inputs_add_job(self, job_id: str, status: str = "JOB_FAILED", *, app_id: str | None = None) -> Obj:
        """End an inputs add job in a terminal status. Raises KeyError if it does not
        exist, ValueError for a status that is not a terminal JOB_*."""
        with self.lock:
            return inputs_add_jobs.end_add_job(self, self.default_app(app_id), job_id, status)

    def advance_task(self, app: AppData, task_id: str, meta: dict[str, Any], now: float, seconds: float) -> None:
        """Move one task to where ``now`` puts it (see :func:`.tasks.advance_task`)."""
        tasks.advance_task(app, task_id, meta, now, seconds)
