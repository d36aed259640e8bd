"""The report's headline numbers as plain JSON, for the places a page cannot go: an
Airflow XCom, Dagster metadata, a CLI summary, an alert.

They are the numbers the page's summary shows ("at a glance"), taken from the same
:class:`~connector.report.model.ReportData`, so the page and its facts never disagree.
Small by construction: counts, and one entry per split checked (never per input).
"""

from __future__ import annotations

from typing import Any

from connector.report.lifecycle import FAILED, PENDING, READY
from connector.report.model import ReportData

__all__ = ["report_facts"]


def report_facts(data: ReportData) -> dict[str, Any]:
    """The headline numbers of a report, JSON-safe (no timestamps as objects):

    * ``rows``: rows of every inventory read (``{inventory: rows}``);
    * ``taken_at``: when the inventories were read (ISO 8601, or None);
    * ``inputs``, ``labeled``, ``unlabeled``, ``concepts`` (when inputs were read);
    * ``splits``: ``[{"source", "targets", "leaked", "missing", "outside", "worst_gap"}]``
      and ``splits_flagged``: how many leak or miss inputs;
    * ``versions``: ``{"total", "ready", "failed", "pending"}``, and with a prune plan
      ``prune_deletes`` and ``prune_guard``;
    * ``tasks``: ``{"total", "open", "done", "failed", "stale"}``.

    Sections the inventories did not allow are left out. Pure."""
    snap = data.snapshot
    facts: dict[str, Any] = {
        "rows": dict(snap.rows),
        "taken_at": snap.taken_at.isoformat() if snap.taken_at else None,
    }
    if data.balance is not None:
        overall = data.balance.overall
        facts.update(
            inputs=overall.inputs,
            labeled=overall.labeled,
            unlabeled=overall.unlabeled,
            concepts=overall.concept_count,
        )
    facts["splits"] = [
        {
            "source": "app" if check.is_app else check.source,
            "targets": {t.split: t.dataset_id for t in check.targets},
            "leaked": check.leaked,
            "missing": check.missing,
            "outside": check.outside,
            "worst_gap": round(check.worst_gap, 4),
        }
        for check in data.splits
    ]
    facts["splits_flagged"] = sum(1 for check in data.splits if check.leaked or check.missing)
    if data.versions is not None:
        counts = data.versions.counts
        facts["versions"] = {
            "total": data.versions.total,
            "ready": counts.get(READY, 0),
            "failed": counts.get(FAILED, 0),
            "pending": counts.get(PENDING, 0),
        }
        if data.versions.plan is not None:
            facts["prune_deletes"] = data.versions.plan.deletes
            facts["prune_guard"] = data.versions.plan.guard
    if data.tasks is not None:
        counts = data.tasks.counts
        facts["tasks"] = {
            "total": data.tasks.total,
            "open": counts.get("open", 0),
            "done": counts.get("done", 0),
            "failed": counts.get("failed", 0),
            "stale": data.tasks.stale,
        }
    return facts
