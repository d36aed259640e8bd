"""What the page shows, computed: the one object :mod:`connector.report.build` makes
and :mod:`connector.report.page` renders."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from connector.report.balance import ClassBalance, SplitCheck
from connector.report.lifecycle import TasksView, VersionsView
from connector.report.snapshot import Snapshot


@dataclasses.dataclass
class ReportData:
    """Everything the page shows, computed (see :func:`connector.report.build.analyze`)."""

    snapshot: Snapshot
    title: str
    generated_at: datetime
    #: The moment staleness is judged at: the end of the snapshot, unless told otherwise.
    as_of: datetime
    balance: ClassBalance | None
    splits: list[SplitCheck]
    versions: VersionsView | None
    tasks: TasksView | None
    share_tolerance: float
    version: str


__all__ = ["ReportData"]
