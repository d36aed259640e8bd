"""The report in a real browser: headless Chromium (Debian's package, installed by the
test setup when missing) driven by Playwright for Python."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from connector.report import write_report
from tests.support.chromium import ensure_chromium, in_ci, visit
from tests.support.report_demo import demo_prune_plan

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def chromium() -> Path:
    path, why = ensure_chromium()
    if path is None:
        if in_ci():
            pytest.fail(f"CI needs the browser: {why}")
        pytest.skip(why)
    return path


@pytest.mark.timeout(1200)  # the first run may install the browser with apt-get
def test_the_demo_report_opens_offline_without_errors(demo, client, tmp_path, chromium):
    page = write_report(client, tmp_path / "report.html", prune_plan=demo_prune_plan(client))
    shot = tmp_path / "report.png"
    seen = visit(page, browser=chromium, screenshot=shot)
    assert seen.requests == [page.resolve().as_uri()]  # the file itself, nothing else
    assert seen.console_errors == [] and seen.errors == [] and seen.dialogs == []
    assert seen.scripts == 0
    assert seen.title == "App report: demo"
    for heading in ("Summary", "Class balance", "Splits", "Dataset versions", "Labeling tasks", "This run"):
        assert heading in seen.text
    assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 50_000


@pytest.mark.timeout(1200)
def test_hostile_ids_are_shown_as_text_and_run_nothing(tmp_path, chromium):
    evil = "<script>alert(1)</script>"
    attr = '"><img src=x onerror=alert(2)>'
    frames = {
        "inputs": pd.DataFrame({"id": [evil, "b"], "concept_ids": [[attr], [evil]]}),
        "dataset_inputs": pd.DataFrame({"dataset_id": [evil, f"{evil}-train", f"{evil}-test"], "input_id": [evil] * 3}),
        "tasks": pd.DataFrame({"id": ["t"], "name": [evil], "status_name": ["TASK_IN_PROGRESS"]}),
    }
    page = write_report(frames, tmp_path / "hostile.html", title=attr)
    seen = visit(page, browser=chromium)
    assert seen.dialogs == [] and seen.errors == [] and seen.console_errors == []
    assert seen.scripts == 0 and seen.requests == [page.resolve().as_uri()]
    assert evil in seen.text and attr in seen.text and seen.title == attr
