"""The report's headline numbers (report_facts) for the emulator's showcase app, checked
against the emulator's own state (tests.support.report_oracle) and against the page
made with them; make_report and write_html, the pieces the orchestrators use."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest

from connector.errors import ValidationError
from connector.operations import PrunePolicy, plan_prune
from connector.report import collect, make_report, report_facts, write_html
from tests.support.report_oracle import FAILED, PENDING, READY, expected
from tests.support.report_page import ReportPage

SHOWCASE_INPUTS = 800


@pytest.fixture
def showcase(emulator):
    emulator.admin.reset(seed="showcase", seed_inputs=SHOWCASE_INPUTS)
    return emulator


def test_facts_match_the_emulator_and_the_page(showcase, client):
    plan = plan_prune(client, None, PrunePolicy(keep_last=2))
    snapshot = collect(client)
    page_text, data = make_report(snapshot, prune_plan=plan)
    facts = report_facts(data)
    json.dumps(facts)  # plain JSON, as XCom and metadata want it
    want = expected(showcase)

    assert {k: v for k, v in facts["rows"].items() if k in want.counts} == want.counts
    assert facts["taken_at"] == snapshot.taken_at.isoformat()
    counts, unlabeled = want.concept_counts(want.inputs)
    assert facts["inputs"] == len(want.inputs) == SHOWCASE_INPUTS
    assert facts["unlabeled"] == unlabeled and facts["labeled"] == len(want.inputs) - unlabeled
    assert facts["concepts"] == len(counts)

    # The drifted products split: leaks and missing inputs, as the emulator holds them.
    train, test = want.members["products-train"], want.members["products-test"]
    (products,) = [s for s in facts["splits"] if s["source"] == "products"]
    assert products["targets"] == {"train": "products-train", "test": "products-test"}
    assert products["leaked"] == len(train & test) == 12
    assert products["missing"] == len(want.members["products"] - train - test) > 0
    assert products["outside"] == 0
    assert facts["splits_flagged"] == 1

    statuses = [s for versions in want.versions.values() for s in versions.values()]
    assert facts["versions"] == {
        "total": len(statuses),
        "ready": sum(s in READY for s in statuses),
        "failed": sum(s in FAILED for s in statuses),
        "pending": sum(s in PENDING for s in statuses),
    }
    assert facts["prune_deletes"] == plan.delete_count > 0 and facts["prune_guard"] is None

    stale = want.stale(snapshot.taken_until, timedelta(days=7))
    assert {"label-traffic", "label-pets"} <= stale and "fresh-pets" not in stale
    assert facts["tasks"]["stale"] == len(stale)
    assert facts["tasks"]["total"] == len(want.tasks)
    assert facts["tasks"]["failed"] == sum(t["status"] in ("TASK_FAILED", "TASK_WONT_DO") for t in want.tasks.values())

    # The page says the same.
    page = ReportPage.parse(page_text)
    split = page.split("products")
    assert (split["leaked"], split["missing"]) == (products["leaked"], products["missing"])
    assert page.section("tasks").int("data-stale") == facts["tasks"]["stale"]
    assert {k: v for k, v in page.inventory_rows().items() if v is not None} == facts["rows"]


def test_facts_leave_out_what_was_not_read(showcase, client):
    _, data = make_report(client, inventories=["datasets", "tasks"])
    facts = report_facts(data)
    assert set(facts["rows"]) == {"datasets", "tasks"}
    assert "inputs" not in facts and "versions" not in facts and "prune_deletes" not in facts
    assert facts["splits"] == [] and facts["splits_flagged"] == 0
    assert facts["tasks"]["total"] == len(expected(showcase).tasks)


def test_write_html_replaces_a_page_atomically_and_refuses_a_directory(tmp_path):
    target = tmp_path / "deep" / "report.html"
    assert write_html("<p>one</p>", target) == target
    write_html("<p>two</p>", target)
    assert target.read_text() == "<p>two</p>"
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]  # no temporary file left
    assert oct(os.stat(target).st_mode & 0o777) == "0o644"
    with pytest.raises(ValidationError, match="is a directory"):
        write_html("<p>x</p>", tmp_path)
