"""The report's parts on hand-made inventories: exact numbers, bad inputs, escaping,
bounded pages. No emulator needed."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connector.errors import ValidationError
from connector.operations.prune import PrunePlan
from connector.report import build_report, from_frames, load_parquet, write_report
from connector.report.balance import find_splits
from connector.report.lifecycle import read_plan, tasks_view, versions_view
from connector.report.snapshot import public_url
from tests.support.report_page import ReportPage

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def frames(**extra: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """A tiny app: inputs a-e; d carries y itself, the rest get concepts from annotations."""
    base = {
        "inputs": pd.DataFrame(
            {"id": ["a", "b", "c", "d", "e"], "concept_ids": [[], [], [], ["y"], []], "dataset_ids": [[]] * 5}
        ),
        "annotations": pd.DataFrame(
            {"input_id": ["a", "b", "b", "e"], "concept_ids": [["x"], ["x", "y"], ["y"], []]},
        ),
        "dataset_inputs": pd.DataFrame(
            {
                "dataset_id": ["src", "src", "src", "src", "src-train", "src-train", "src-test", "src-test"],
                "input_id": ["a", "b", "c", "d", "a", "b", "b", "z"],
                "input_concept_ids": [[], [], [], ["y"], [], [], [], []],
            }
        ),
    }
    return {**base, **extra}


def test_class_balance_unions_input_and_annotation_concepts():
    page = ReportPage.parse(build_report(frames()))
    counts, unlabeled, table = page.concept_counts()
    assert counts == {"x": 2, "y": 2}  # x: a, b; y: b (twice annotated, counted once), d
    assert unlabeled == 2  # c, and e whose only annotation has no concept
    assert table.int("data-inputs") == 5 and table.int("data-labeled") == 3
    assert page.concept_counts("src")[:2] == ({"x": 2, "y": 2}, 1)
    assert page.concept_counts("src-test")[:2] == ({"x": 1, "y": 1}, 1)  # b, and z (unknown elsewhere)


def test_split_checks_count_leaks_missing_and_foreign_inputs():
    page = ReportPage.parse(build_report(frames()))
    split = page.split("src")
    assert split["sizes"] == {"src-train": 2, "src-test": 2}
    assert (split["leaked"], split["missing"], split["outside"]) == (1, 2, 1)  # b; c and d; z
    x = split["shares"]["x"]
    assert x["source"] == (2, 0.5) and x["src-train"] == (2, 1.0) and x["src-test"] == (1, 0.5)
    samples = {d.find("summary").text: d.text for d in split["element"].find_all("details")}
    assert "b in src-train, src-test" in samples["Inputs in two targets (first 1)"]
    assert "c, d" in samples["Source inputs in no target (first 2)"]
    assert "z" in samples["Target inputs not in the source (first 1)"]


def test_find_splits_by_naming_bulk_operation_and_argument():
    ids = ["a", "a-train", "a-test", "b", "b-train", "c", "c-x", "c-y", "app-train", "app-validation"]
    found = {s.source: (s.targets, s.found_by) for s in find_splits(ids)}
    assert found == {
        "a": ((("train", "a-train"), ("test", "a-test")), "naming"),
        "app": ((("train", "app-train"), ("validation", "app-validation")), "naming"),
    }  # b has one target only: not a split
    ops = pa.table(
        {
            "operation": ["split_into_datasets", "add_metadata"],
            "source_dataset_id": ["c", "b"],
            "target_dataset_ids": [["c-x", "c-y"], ["b-train", "b-test"]],
        }
    )
    found = {s.source: (s.targets, s.found_by) for s in find_splits(ids, bulk_operations=ops)}
    assert found["c"] == ((("x", "c-x"), ("y", "c-y")), "bulk operation") and "b" not in found
    given = find_splits(ids, explicit={"a": {"fit": "b", "holdout": "c"}, "b": ["b-train", "c-x"]}, detect=False)
    assert [(s.source, s.targets, s.found_by) for s in given] == [
        ("a", (("fit", "b"), ("holdout", "c")), "argument"),
        ("b", (("train", "b-train"), ("c-x", "c-x")), "argument"),
    ]
    with pytest.raises(ValidationError, match=r"splits\['a'\] needs at least two targets"):
        find_splits(ids, explicit={"a": {"train": "a-train"}})


def test_an_explicit_split_is_checked():
    page = ReportPage.parse(build_report(frames(), splits={"src": {"left": "src-train", "right": "src-test"}}))
    assert page.split("src")["sizes"] == {"src-train": 2, "src-test": 2}
    assert page.split("src")["element"].find("p", class_="note").text == "given"


def versions_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset_id": ["d1", "d1", "d1", "d2"],
            "id": ["v1", "v2", "v3", "v1"],
            "description": ["", "", "", ""],
            "status_code": [64015, 64020, 64005, None],
            "status_name": [
                "DATASET_VERSION_READY",
                "DATASET_VERSION_FAILURE",
                "DATASET_VERSION_PENDING",
                "DATASET_VERSION_READY",
            ],
            "request_origin": ["MANUAL"] * 4,
            "created_at": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01", "2026-01-15"], utc=True),
            "metrics_inputs_count": [10, 10, 12, 3],
            "metadata": ['{"pinned": true}', None, None, None],
        }
    )


def test_versions_by_status_lineage_without_a_dataset_and_pins():
    models = pa.table(
        {"model_id": ["m"], "id": ["mv"], "train_dataset_id": [None], "train_dataset_version_id": ["v1"]},
        schema=pa.schema(
            [(n, pa.string()) for n in ("model_id", "id", "train_dataset_id", "train_dataset_version_id")]
        ),
    )
    view = versions_view(from_frames({"dataset_versions": versions_frame()}).table("dataset_versions"), models)
    by = {d.dataset_id: d for d in view.datasets}
    assert [v.version_id for v in by["d1"].versions] == ["v3", "v2", "v1"]  # newest first
    assert by["d1"].counts == {"ready": 1, "failed": 1, "pending": 1, "other": 0}
    # A model version naming a version without its dataset protects that id everywhere.
    assert by["d1"].trained == by["d2"].trained == 1
    assert by["d1"].versions[-1].pinned and not by["d1"].versions[0].pinned


def test_a_prune_plan_in_every_form_gives_the_same_verdicts():
    rows = [
        {"dataset_id": "d1", "version_id": "v1", "action": "keep", "reason": "kept: pinned"},
        {"dataset_id": "d1", "version_id": "v2", "action": "delete", "reason": "delete: failed"},
    ]
    plan = PrunePlan(operation="prune", rows=rows, policy={"keep_last": 1}, now=NOW.isoformat(), guard="too many")
    forms = [plan, plan.to_dict(), plan.to_json(), pd.DataFrame(rows), rows]
    infos = [read_plan(f) for f in forms]
    assert all(i.verdicts == infos[0].verdicts for i in infos)
    assert infos[0].verdicts[("d1", "v2")] == ("delete", "delete: failed") and infos[0].deletes == 1
    assert infos[1].guard == "too many" and infos[1].policy == {"keep_last": 1}
    page = ReportPage.parse(build_report({"dataset_versions": versions_frame()}, prune_plan=plan))
    versions = page.versions()
    assert versions[("d1", "v2")]["data-action"] == "delete" and versions[("d1", "v3")].get("data-action") is None
    text = page.section("versions").text
    assert "The guard refuses this plan: too many" in text
    assert page.version_counts()["d1"]["would_delete"] == 1


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"policy": {}}, "the prune plan has no 'rows'"),
        ([{"dataset_id": "d1", "action": "delete"}], "prune plan row 0 needs dataset_id, version_id and action"),
        ("not json", "the prune plan is not JSON"),
        ({"rows": "x"}, "the prune plan's rows must be a list"),
    ],
)
def test_a_bad_prune_plan_is_refused(plan, message):
    with pytest.raises(ValidationError, match=message):
        build_report({"dataset_versions": versions_frame()}, prune_plan=plan)


def test_plan_rows_for_versions_not_listed_are_named():
    plan = [{"dataset_id": "d9", "version_id": "gone", "action": "delete", "reason": "x"}]
    page = ReportPage.parse(build_report({"dataset_versions": versions_frame()}, prune_plan=plan))
    assert "d9/gone" in page.section("versions").text


def tasks_frame(modified: list[datetime], statuses: list[str]) -> pd.DataFrame:
    n = len(statuses)
    return pd.DataFrame(
        {
            "id": [f"t{k}" for k in range(n)],
            "name": ["task"] * n,
            "status_name": statuses,
            "status_code": [None] * n,
            "metrics_work_inputs_percent_estimated": [50] * n,
            "metrics_review_inputs_percent_estimated": [0] * n,
            "created_at": modified,
            "modified_at": modified,
        }
    )


def test_stale_tasks_are_open_and_unchanged_for_stale_after():
    week = timedelta(days=7)
    stamps = [NOW - week, NOW - week + timedelta(seconds=1), NOW - 3 * week, NOW - 3 * week, NOW - 3 * week]
    statuses = ["TASK_IN_PROGRESS", "TASK_IN_PROGRESS", "TASK_IDLE", "TASK_DONE", "TASK_WONT_DO"]
    snap = from_frames({"tasks": tasks_frame(stamps, statuses)})
    view = tasks_view(snap.table("tasks"), now=NOW, stale_after=week)
    assert [(r.task_id, r.state, r.stale) for r in view.rows] == [
        ("t0", "open", True),  # exactly a week: stale
        ("t2", "open", True),
        ("t1", "open", False),  # a second short of a week
        ("t4", "failed", False),
        ("t3", "done", False),
    ]
    assert view.counts == {"open": 3, "done": 1, "failed": 1} and view.stale == 2


def test_hostile_values_from_the_api_are_escaped():
    evil = "<script>alert(1)</script>"
    attr = '"><img src=x onerror=alert(2)>'
    hostile = frames(
        datasets=pd.DataFrame({"id": [evil], "description": [attr], "user_id": [evil], "app_id": [attr]}),
        dataset_versions=versions_frame().assign(dataset_id=evil, id=[attr, "v2", "v3", "v4"], description=evil),
        tasks=tasks_frame([NOW], ["TASK_IN_PROGRESS"]).assign(id=[attr], name=[evil]),
    )
    hostile["inputs"] = pd.DataFrame({"id": [evil, "b"], "concept_ids": [[], []]})
    hostile["annotations"] = pd.DataFrame({"input_id": [evil, "b"], "concept_ids": [[attr], [evil]]})
    hostile["dataset_inputs"] = pd.DataFrame(
        {"dataset_id": [evil, f"{evil}-train", f"{evil}-test"], "input_id": [evil] * 3, "input_concept_ids": [[]] * 3}
    )
    html = build_report(hostile, title=evil, api_base=f"https://{evil}.example.com/?q={attr}")
    assert "<script" not in html.lower() and "<img" not in html.lower()
    page = ReportPage.parse(html)
    csp = page.root.find("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert csp is not None and "default-src 'none'" in csp and "script-src" not in csp
    assert "script" not in page.start_tags and "img" not in page.start_tags
    text = page.root.text
    assert evil in text and attr in text  # shown, as text
    counts, _, _ = page.concept_counts()
    assert counts[attr] == 1 and counts[evil] == 1  # attribute values round-trip
    assert page.split(evil)["sizes"] == {f"{evil}-train": 1, f"{evil}-test": 1}
    assert (evil, attr) in page.versions() and attr in page.tasks()


def test_the_page_stays_bounded_however_many_inputs_and_concepts():
    def app(n_inputs: int) -> dict[str, pd.DataFrame]:
        ids = [f"in-{k}" for k in range(n_inputs)]
        return {
            "inputs": pd.DataFrame({"id": ids, "concept_ids": [[f"c{k % 300}", f"c{k % 7}"] for k in range(n_inputs)]}),
            "dataset_inputs": pd.DataFrame(
                {
                    "dataset_id": [f"ds{k % 40}" for k in range(n_inputs)],
                    "input_id": ids,
                    "input_concept_ids": [[]] * n_inputs,
                }
            ),
        }

    small, large = build_report(app(3_000)), build_report(app(30_000))
    elements = [len(list(ReportPage.parse(h).root.iter())) for h in (small, large)]
    assert elements[0] == elements[1] < 5_000
    page = ReportPage.parse(large)
    assert len(page.concept_counts()[0]) == 25  # top concepts, the rest summed up in one row
    assert page.section("class-balance").find("tr", data_other_concepts=True).int("data-other-concepts") == 275
    assert len(page.datasets_in_balance()) == 12


def test_from_frames_refuses_what_it_cannot_read():
    with pytest.raises(ValidationError, match="unknown inventory 'inptus'"):
        from_frames({"inptus": pd.DataFrame()})
    with pytest.raises(ValidationError, match=r"inventory 'annotations' lacks the columns \['concept_ids'\]"):
        from_frames({"annotations": pd.DataFrame({"input_id": ["a"]})})
    with pytest.raises(ValidationError, match="inventory 'inputs' has a column of an unexpected type"):
        from_frames({"inputs": pd.DataFrame({"id": ["a"], "concept_ids": [3.5]})})
    with pytest.raises(ValidationError, match="expected a pandas DataFrame or a pyarrow Table, got list"):
        from_frames({"inputs": [{"id": "a"}]})
    with pytest.raises(ValidationError, match="source must be a ClarifaiClient"):
        build_report(42)


def test_an_async_client_is_refused_before_any_request():
    from connector import AsyncClarifaiClient, ClarifaiConfig

    client = AsyncClarifaiClient(ClarifaiConfig(pat="x", user_id="u", app_id="a", base_url="http://127.0.0.1:9"))
    try:
        with pytest.raises(ValidationError, match="got an AsyncClarifaiClient"):
            build_report(client)
        assert client.stats.requests == 0
    finally:
        asyncio.run(client.aclose())


def test_public_url_never_shows_credentials():
    assert public_url("https://user:secret@api.example.com:8443/v2?key=abc#x") == "https://api.example.com:8443/v2"
    assert public_url(None) is None


def write_parquet(directory: Path, frames_: dict[str, pd.DataFrame]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in frames_.items():
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), directory / f"{name}.parquet")


def test_load_parquet_reads_the_needed_columns_and_counts_the_rest(tmp_path):
    data = frames(models=pd.DataFrame({"id": ["m1", "m2", "m3"]}))
    write_parquet(tmp_path, data)
    stamp = datetime(2026, 5, 1, tzinfo=UTC).timestamp()
    os.utime(tmp_path / "inputs.parquet", (stamp, stamp))
    snap = load_parquet(tmp_path)
    assert snap.rows == {"inputs": 5, "annotations": 4, "dataset_inputs": 8, "models": 3}
    assert "models" not in snap.tables and snap.table("inputs").column_names == ["id", "concept_ids"]
    assert snap.taken_at == datetime(2026, 5, 1, tzinfo=UTC) and snap.taken_until > snap.taken_at
    assert ReportPage.parse(build_report(str(tmp_path))).concept_counts()[:2] == ({"x": 2, "y": 2}, 2)


def test_load_parquet_errors_name_the_directory_or_the_file(tmp_path):
    with pytest.raises(ValidationError, match="no inventory Parquet files in"):
        load_parquet(tmp_path)
    with pytest.raises(ValidationError, match="is not a directory"):
        load_parquet(tmp_path / "nope")
    write_parquet(tmp_path, {"inputs": pd.DataFrame({"ids": ["a"]})})
    with pytest.raises(ValidationError, match=r"inventory 'inputs' lacks the columns \['id'\]"):
        load_parquet(tmp_path)
    (tmp_path / "inputs.parquet").write_text("not parquet")
    with pytest.raises(ValidationError, match=r"cannot read .*inputs\.parquet.* as Parquet"):
        load_parquet(tmp_path)


def test_write_report_replaces_a_file_only_when_the_new_one_is_complete(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old report")
    with pytest.raises(ValidationError, match="stale_after must be a non-negative duration"):
        write_report(frames(), target, stale_after=timedelta(days=-1))
    assert target.read_text() == "old report" and os.listdir(tmp_path) == ["report.html"]
    assert write_report(frames(), target) == target
    assert target.read_text().startswith("<!doctype html>") and os.listdir(tmp_path) == ["report.html"]
    with pytest.raises(ValidationError, match="is a directory"):
        write_report(frames(), tmp_path)


def test_missing_inventories_leave_their_sections_explained():
    page = ReportPage.parse(build_report({"models": pd.DataFrame({"id": ["m"]})}))
    assert "Not available" in page.section("class-balance").text
    assert "Not available" in page.section("versions").text
    assert "Not available" in page.section("tasks").text
    assert page.inventory_rows()["models"] == 1 and page.inventory_rows()["inputs"] is None
    with pytest.raises(ValidationError, match="a prune plan needs the dataset_versions inventory"):
        build_report({"models": pd.DataFrame({"id": ["m"]})}, prune_plan=[])


def test_frames_json_round_trip_of_a_plan_file(tmp_path):
    plan = PrunePlan(
        operation="prune", rows=[{"dataset_id": "d1", "version_id": "v1", "action": "delete", "reason": "r"}]
    )
    (tmp_path / "plan.json").write_text(json.dumps({"plan": plan.to_dict(), "result": {}}))
    from connector.cli.report_cmd import read_plan_file

    assert read_plan(read_plan_file(tmp_path / "plan.json")).verdicts == {("d1", "v1"): ("delete", "r")}
