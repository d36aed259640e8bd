"""The app report of the emulator's demo app, as the tests and the docs' screenshots use it.

    python -m tests.support.report_demo docs/images     # regenerate the committed screenshots

:func:`prepare` gives the demo app what a report is about beyond the seed: a stratified
train/test/validation split of ``cats-dogs`` (so the splits section has something to
check). :func:`demo_prune_plan` is the dry-run plan of the demo's prune policy.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

#: The split the demo app gets: ``cats-dogs`` into ``cats-dogs-train`` / ``-test`` / ``-validation``.
SPLIT_SOURCE = "cats-dogs"
SPLIT_RATIOS = {"train": 0.7, "test": 0.2, "validation": 0.1}

#: Section anchors of the report and the screenshot file of each.
SECTION_IMAGES = {
    "summary": "report-summary.png",
    "class-balance": "report-class-balance.png",
    "splits": "report-splits.png",
    "versions": "report-versions.png",
    "tasks": "report-tasks.png",
    "run": "report-run.png",
}
FULL_IMAGE = "report.png"


def prepare(client: Any) -> Any:
    """Split the demo's ``cats-dogs`` dataset (stratified, seeded); returns the result."""
    from connector.operations import SplitSpec, split

    spec = SplitSpec(dataset_id=SPLIT_SOURCE, ratios=SPLIT_RATIOS, seed="report", stratify=True)
    _, result = split(client, spec)
    return result


def demo_prune_plan(client: Any) -> Any:
    """The dry-run plan of the demo's prune policy (newest READY kept, failed versions
    older than a week deleted, plus: no more than the 2 newest READY)."""
    from connector.operations import PrunePolicy, plan_prune

    return plan_prune(client, None, PrunePolicy(keep_last=2, delete_failed_older_than=timedelta(days=7)))


def screenshots(out_dir: Path, *, seed_inputs: int = 5000) -> list[Path]:
    """Build the demo app's report on a fresh emulator and save a full-page screenshot
    and one per section into ``out_dir``."""
    from connector.client import ClarifaiClient
    from connector.emulator.testing import EmulatorServer
    from connector.report import write_report
    from tests.support.chromium import ensure_chromium, visit

    browser, why = ensure_chromium()
    if browser is None:
        raise SystemExit(f"error: {why}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with (
        EmulatorServer(seed="demo", seed_inputs=seed_inputs) as server,
        ClarifaiClient(server.client_config()) as client,
    ):
        prepare(client)
        plan = demo_prune_plan(client)
        page = write_report(client, out_dir / ".report.html", prune_plan=plan)
    try:
        sections = {ident: out_dir / name for ident, name in SECTION_IMAGES.items()}
        result = visit(page, browser=browser, screenshot=out_dir / FULL_IMAGE, sections=sections)
    finally:
        page.unlink(missing_ok=True)
    if result.console_errors or result.errors or len(result.requests) != 1:
        raise SystemExit(f"error: the page misbehaved: {result}")
    return [out_dir / FULL_IMAGE, *sections.values()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshots of the demo app's report.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed-inputs", type=int, default=5000)
    args = parser.parse_args(argv)
    for path in screenshots(args.out_dir, seed_inputs=args.seed_inputs):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
