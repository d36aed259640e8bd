"""An app report people would rather look at than read: one self-contained HTML page
with inline SVG charts, built from the inventories (never from the operations: the
report reads, it never writes).

    from connector import ClarifaiClient
    from connector.report import build_report, write_report

    with ClarifaiClient() as client:
        write_report(client, "report.html")            # reads the inventories itself
    write_report("exports/", "report.html")            # or from <inventory>.parquet files
    html = build_report({"inputs": inputs_df, ...})    # or from frames you have
    html, data = make_report(source)                   # the page and what it shows
    numbers = report_facts(data)                       # its headline numbers, as JSON

Sections: summary, class balance, splits, dataset versions (with a prune plan's
verdicts when one is given), labeling tasks, and the run itself. See docs/report.md.
"""

from __future__ import annotations

from connector.report.build import (
    SplitsArg,
    analyze,
    build_report,
    check_target,
    make_report,
    to_snapshot,
    write_html,
    write_report,
)
from connector.report.facts import report_facts
from connector.report.model import ReportData
from connector.report.snapshot import COLUMNS, RunLog, Snapshot, Step, collect, from_frames, load_parquet

__all__ = [
    "COLUMNS",
    "ReportData",
    "RunLog",
    "Snapshot",
    "SplitsArg",
    "Step",
    "analyze",
    "build_report",
    "check_target",
    "collect",
    "from_frames",
    "load_parquet",
    "make_report",
    "report_facts",
    "to_snapshot",
    "write_html",
    "write_report",
]
