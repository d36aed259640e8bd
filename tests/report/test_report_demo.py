"""The report of the emulator's demo app, read back from the HTML and checked against
the emulator's own state (tests.support.report_oracle), not against the report's code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.operations import PrunePolicy, plan_prune
from connector.report import COLUMNS, build_report, collect, write_report
from tests.support.report_demo import SPLIT_RATIOS, SPLIT_SOURCE
from tests.support.report_oracle import expected
from tests.support.report_page import ReportPage


@pytest.fixture
def page(demo, client) -> ReportPage:
    return ReportPage.parse(build_report(client))


def test_summary_counts_every_inventory_as_the_emulator_holds_it(demo, page):
    want = expected(demo)
    rows = page.inventory_rows()
    assert set(rows) == {
        "apps",
        "datasets",
        "dataset_versions",
        "dataset_inputs",
        "inputs",
        "annotations",
        "concepts",
        "tasks",
        "models",
        "model_versions",
        "workflows",
        "bulk_operations",
        "inputs_add_jobs",
        "collaborators",
    }
    for name, count in want.counts.items():
        assert rows[name] == count, name
    cards = {el.attrs["data-figure"]: el.int("data-value") for el in page.section("summary").find_all(data_figure=True)}
    assert cards["inputs"] == len(want.inputs) and cards["tasks"] == len(want.tasks)


def test_class_balance_matches_the_emulator_overall_and_per_dataset(demo, page):
    want = expected(demo)
    counts, unlabeled, table = page.concept_counts()
    want_counts, want_unlabeled = want.concept_counts(want.inputs)
    assert counts == want_counts
    assert unlabeled == want_unlabeled > 0  # the seed leaves about 10% unlabeled
    assert table.int("data-inputs") == len(want.inputs)
    assert table.int("data-labeled") == len(want.inputs) - want_unlabeled
    nonempty = {ds for ds, m in want.members.items() if m}
    assert set(page.datasets_in_balance()) == nonempty
    for ds in nonempty:
        counts, unlabeled, table = page.concept_counts(ds)
        assert (counts, unlabeled) == want.concept_counts(want.members[ds]), ds
        assert table.int("data-inputs") == len(want.members[ds])


def test_split_shares_per_target_match_the_emulator(demo, page):
    want = expected(demo)
    source = want.members[SPLIT_SOURCE]
    targets = {f"{SPLIT_SOURCE}-{s}": want.members[f"{SPLIT_SOURCE}-{s}"] for s in SPLIT_RATIOS}
    assert page.split_sources() == [SPLIT_SOURCE]
    split = page.split(SPLIT_SOURCE)
    assert split["source_inputs"] == len(source) and not split["app"]
    assert split["sizes"] == {t: len(m) for t, m in targets.items()}
    assert (split["leaked"], split["missing"], split["outside"]) == (0, 0, 0)
    src_counts, src_unlabeled = want.concept_counts(source)
    assert set(split["shares"]) == set(src_counts) | ({""} if src_unlabeled else set())
    for concept, row in split["shares"].items():
        src = src_unlabeled if concept == "" else src_counts[concept]
        assert row["source"] == (src, pytest.approx(src / len(source), abs=1e-6))
        for target, members in targets.items():
            counts, unlabeled = want.concept_counts(members)
            n = unlabeled if concept == "" else counts.get(concept, 0)
            assert row[target] == (n, pytest.approx(n / len(members), abs=1e-6)), (concept, target)


def test_leaks_missing_and_foreign_inputs_are_counted_and_named(demo, client):
    train, test = f"{SPLIT_SOURCE}-train", f"{SPLIT_SOURCE}-test"
    leaked = sorted(i["input"]["id"] for i in client.list_dataset_inputs(train))[:3]
    client.post_dataset_inputs(test, leaked)  # three inputs now in two targets
    client.post_inputs(
        [{"id": "fresh-1", "data": {"image": {"url": "https://example.com/f.jpg"}}, "dataset_ids": [SPLIT_SOURCE]}]
    )
    foreign = next(i["input"]["id"] for i in client.list_dataset_inputs("products"))
    client.post_dataset_inputs(test, [foreign])
    split = ReportPage.parse(build_report(client)).split(SPLIT_SOURCE)
    assert (split["leaked"], split["missing"], split["outside"]) == (3, 1, 1)
    text = split["element"].text
    for input_id in [*leaked, "fresh-1", foreign]:
        assert input_id in text
    checks = split["element"].find("ul", class_="checks").text
    assert "3 inputs in two or more targets" in checks and "1 source inputs in no target" in checks


def test_a_split_of_the_whole_app_is_found_by_its_target_names(demo, client):
    from connector.operations import SplitSpec, split

    split(client, SplitSpec(app=True, ratios={"train": 0.5, "test": 0.5}, seed="app"))
    want = expected(demo)
    page = ReportPage.parse(build_report(client))
    assert page.split_sources() == ["app", SPLIT_SOURCE]
    app = page.split("app")
    assert app["app"] and app["source_inputs"] == len(want.inputs)
    assert app["sizes"] == {"app-train": len(want.members["app-train"]), "app-test": len(want.members["app-test"])}
    assert app["missing"] == 0 and app["leaked"] == 0


def test_version_counts_lineage_and_the_prune_plan_match_the_emulator(demo, client):
    want = expected(demo)
    plan = plan_prune(client, None, PrunePolicy(keep_last=1))
    assert plan.delete_count > 0
    page = ReportPage.parse(build_report(client, prune_plan=plan))
    counts = page.version_counts()
    want_counts = want.version_counts()
    assert {ds: {k: v for k, v in c.items() if k != "would_delete"} for ds, c in counts.items()} == want_counts
    versions = page.versions()
    assert {(ds, v) for ds, vs in want.versions.items() for v in vs} == set(versions)
    for (ds, vid), attrs in versions.items():
        assert attrs["data-status"] == want.versions[ds][vid]
        assert ("data-trained" in attrs) == ((ds, vid) in want.trained)
    verdicts = {(r["dataset_id"], r["version_id"]): r["action"] for r in plan.rows}
    assert {k: a["data-action"] for k, a in versions.items()} == verdicts
    for ds, c in counts.items():
        assert c["would_delete"] == sum(1 for (d, _), a in verdicts.items() if d == ds and a == "delete")


def test_task_progress_and_staleness_match_the_emulator(demo, client):
    demo.admin.set_task_progress("label-pets", work_percent=65, review_percent=10)
    snapshot = collect(client)
    want = expected(demo)
    page = ReportPage.parse(build_report(snapshot))
    tasks = page.tasks()
    assert set(tasks) == set(want.tasks)
    for tid, info in want.tasks.items():
        attrs = tasks[tid]
        assert attrs["data-status"] == info["status"]
        assert float(attrs["data-work"]) == info["work"]
        assert float(attrs["data-review"]) == info["review"]
    assert tasks["label-pets"]["data-work"] == "65.0"
    stale = want.stale(snapshot.taken_until, timedelta(days=7))
    assert stale  # the seed's tasks are 30 days old: the open ones are stale
    assert {t for t, a in tasks.items() if "data-stale" in a} == stale
    assert page.section("tasks").int("data-stale") == len(stale)


def test_staleness_is_judged_at_the_snapshot_and_by_stale_after(demo, client):
    snapshot = collect(client)
    want = expected(demo)
    seed_age = snapshot.taken_until - min(info["changed"] for info in want.tasks.values())
    fresh = ReportPage.parse(build_report(snapshot, stale_after=seed_age + timedelta(days=1))).tasks()
    assert not [t for t, a in fresh.items() if "data-stale" in a]
    early = ReportPage.parse(build_report(snapshot, now=datetime.now(UTC) - timedelta(days=400))).tasks()
    assert not [t for t, a in early.items() if "data-stale" in a]


def test_the_report_only_reads(demo, client, tmp_path):
    write_report(client, tmp_path / "report.html", prune_plan=plan_prune(client, None, PrunePolicy(keep_last=1)))
    log = demo.admin.requests()
    assert log and all(entry["method"] == "GET" for entry in log)
    assert demo.admin.requests(mutated=True) == []


def test_run_section_counts_the_requests_the_client_sent(demo, client):
    before = client.stats.requests
    page = ReportPage.parse(build_report(client))
    sent = client.stats.requests - before
    steps = page.steps()
    reads = {name: a for name, a in steps.items() if a["data-group"] == "read"}
    assert sum(int(a["data-requests"]) for a in reads.values()) == sent == len(demo.admin.requests())
    assert int(page.section("run").attrs["data-requests"]) == sent
    assert int(reads["read inputs"]["data-rows"]) == len(expected(demo).inputs)


def test_retries_and_throttled_answers_are_reported(demo, client):
    demo.admin.script_fault("http_429", count=2, rpc="ListConcepts")
    page = ReportPage.parse(build_report(client))
    concepts = page.steps()["read concepts"]
    assert int(concepts["data-throttled"]) == 2 and int(concepts["data-retries"]) == 2
    assert int(concepts["data-requests"]) == 3
    assert int(page.section("run").attrs["data-throttled"]) == 2


def test_collect_keeps_only_the_columns_the_report_reads_and_reports_progress(demo, client):
    events = []
    snapshot = collect(client, progress=lambda step, done, total: events.append((step, done, total)))
    assert {name: table.column_names for name, table in snapshot.tables.items()} == {
        name: list(columns) for name, columns in COLUMNS.items()
    }
    assert len(snapshot.rows) == 14 and snapshot.taken_at <= snapshot.taken_until
    assert [e[1] for e in events] == list(range(15)) and {e[2] for e in events} == {14}
    assert events[0][0] == "read apps" and events[-1][0] == "read"


def test_the_pat_never_reaches_the_page(demo, client):
    html = build_report(client)
    assert demo.pat not in html
    assert client.config.base_url in html
