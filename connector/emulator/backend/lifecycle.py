"""Background work, advanced lazily: each request first brings every time-based
lifecycle up to now (there are no background threads or tasks)."""

from __future__ import annotations

import time

from connector.emulator.backend.bulk_operations import advance_bulk_operations
from connector.emulator.backend.dataset_versions import advance_versions
from connector.emulator.backend.inputs_add_jobs import advance_add_jobs
from connector.emulator.backend.store import Store
from connector.emulator.backend.tasks import advance_tasks

__all__ = ["tick"]


def tick(store: Store) -> None:
    """Advance dataset versions, bulk operations (applying each completed one's effect
    once), inputs add jobs and, with ``task_work_seconds``, tasks to now, in that order
    (a completed bulk operation changes the inputs a task counts)."""
    now = time.time()
    options = store.options
    for app in store.apps.values():
        advance_versions(app, now, options)
        advance_bulk_operations(store, app, now)
        advance_add_jobs(store, app, now)
        if options.task_work_seconds > 0:
            advance_tasks(app, now, options.task_work_seconds)
