"""``clarifai-connector report`` against the emulator's demo app: the file it writes,
its prune plans, Parquet input, exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.common import EXIT_AUTH, EXIT_OK, EXIT_USAGE
from connector.inventory import INVENTORIES, export
from connector.operations import PrunePolicy, plan_prune
from connector.report import build_report
from tests.support.cli import cli_env
from tests.support.report_oracle import expected
from tests.support.report_page import ReportPage


def run(args, env):
    return CliRunner().invoke(main, [*args, "--rate-limit", "0"], env=env, catch_exceptions=False)


def one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_report_writes_the_page_and_says_so_in_one_line(demo, tmp_path):
    out = tmp_path / "report.html"
    result = run(["report", "--out", str(out)], cli_env(demo))
    assert result.exit_code == EXIT_OK, result.stderr
    assert result.stderr == ""  # no progress bar outside a terminal
    want = expected(demo)
    assert result.stdout.startswith(f"wrote {out} (")
    assert f"{len(want.inputs):,} inputs" in result.stdout and result.stdout.count("\n") == 1
    page = ReportPage.parse(out.read_text(encoding="utf-8"))
    assert page.inventory_rows()["inputs"] == len(want.inputs)
    assert demo.admin.requests(mutated=True) == []


def test_json_output_summarises_the_run(demo, tmp_path):
    result = run(["report", "--out", str(tmp_path / "r.html"), "--json"], cli_env(demo))
    assert result.exit_code == EXIT_OK, result.stderr
    doc = json.loads(result.stdout)
    assert doc["source"] == "the API" and doc["requests"] == len(demo.admin.requests())
    assert doc["rows"]["dataset_versions"] == expected(demo).counts["dataset_versions"]
    assert doc["prune_plan_deletes"] is None


def test_a_policy_is_planned_like_plan_prune_does(demo, client, tmp_path):
    out = tmp_path / "r.html"
    result = run(
        ["report", "--out", str(out), "--keep-last", "1", "--delete-failed-older-than", "7d", "--json"], cli_env(demo)
    )
    assert result.exit_code == EXIT_OK, result.stderr
    from datetime import timedelta

    plan = plan_prune(client, None, PrunePolicy(keep_last=1, delete_failed_older_than=timedelta(days=7)))
    shown = {k: (a["data-action"]) for k, a in ReportPage.parse(out.read_text()).versions().items()}
    assert shown == {(r["dataset_id"], r["version_id"]): r["action"] for r in plan.rows}
    assert json.loads(result.stdout)["prune_plan_deletes"] == plan.delete_count > 0
    assert demo.admin.requests(mutated=True) == []


def test_a_plan_file_from_prune_dry_run_json_is_shown(demo, tmp_path):
    env = cli_env(demo)
    dry = run(["prune", "--all-datasets", "--keep-last", "2", "--dry-run", "--json"], env)
    assert dry.exit_code == EXIT_OK, dry.stderr
    (tmp_path / "plan.json").write_text(dry.stdout)
    out = tmp_path / "r.html"
    result = run(["report", "--out", str(out), "--prune-plan", str(tmp_path / "plan.json")], env)
    assert result.exit_code == EXIT_OK, result.stderr
    rows = json.loads(dry.stdout)["plan"]["rows"]
    shown = {k: a["data-action"] for k, a in ReportPage.parse(out.read_text()).versions().items()}
    assert shown == {(r["dataset_id"], r["version_id"]): r["action"] for r in rows}


def test_from_parquet_needs_no_api_and_says_what_the_api_said(demo, client, tmp_path):
    exports = tmp_path / "exports"
    for name in INVENTORIES:
        export(client, name, exports / f"{name}.parquet")
    from_api = ReportPage.parse(build_report(client))
    out = tmp_path / "r.html"
    # No CLARIFAI_* at all: the files are enough.
    result = run(
        ["report", "--from-parquet", str(exports), "--out", str(out), "--keep-last", "1"], {"CLARIFAI_PAT_FILE": ""}
    )
    assert result.exit_code == EXIT_OK, result.stderr
    page = ReportPage.parse(out.read_text())
    assert page.inventory_rows() == from_api.inventory_rows()
    assert page.concept_counts()[:2] == from_api.concept_counts()[:2]
    for ds in from_api.datasets_in_balance():
        assert page.concept_counts(ds)[:2] == from_api.concept_counts(ds)[:2]
    assert page.split_sources() == from_api.split_sources()
    for source in from_api.split_sources():
        mine, theirs = page.split(source), from_api.split(source)
        assert {k: v for k, v in mine.items() if k != "element"} == {k: v for k, v in theirs.items() if k != "element"}
    assert {ds: {k: v for k, v in c.items() if k != "would_delete"} for ds, c in page.version_counts().items()} == (
        from_api.version_counts()
    )
    assert {t: a["data-work"] for t, a in page.tasks().items()} == {
        t: a["data-work"] for t, a in from_api.tasks().items()
    }
    assert int(page.section("run").attrs["data-requests"]) == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--keep-last", "1", "--prune-plan", "PLAN"],
            EXIT_USAGE,
            "give --prune-plan or a prune policy (--keep-last ...), not both",
        ),
        (["--keep-last", "0"], EXIT_USAGE, "--keep-last must be an integer >= 1"),
        (["--stale-after", "99999999999999d"], EXIT_USAGE, "duration '99999999999999d' for --stale-after is too long"),
        (["--stale-after", "soon"], EXIT_USAGE, "bad duration 'soon'"),
        (["--split", "cats-dogs"], EXIT_USAGE, "bad --split 'cats-dogs': use SOURCE=SPLIT:DATASET,SPLIT:DATASET"),
        (["--split", "cats-dogs=train:x"], EXIT_USAGE, "--split['cats-dogs'] needs at least two targets"),
        (["--prune-plan", "BAD"], EXIT_USAGE, "holds no prune plan"),
        (["--from-parquet", "EMPTY"], EXIT_USAGE, "no inventory Parquet files in"),
    ],
)
def test_bad_arguments_exit_with_one_line(demo, tmp_path, args, code, message):
    (tmp_path / "plan.json").write_text('{"plan": {"rows": []}}')
    (tmp_path / "bad.json").write_text('{"result": {}}')
    (tmp_path / "empty").mkdir()
    subst = {"PLAN": str(tmp_path / "plan.json"), "BAD": str(tmp_path / "bad.json"), "EMPTY": str(tmp_path / "empty")}
    out = tmp_path / "r.html"
    result = run(["report", "--out", str(out), *[subst.get(a, a) for a in args]], cli_env(demo))
    assert result.exit_code == code
    assert message in one_line_error(result)
    assert not out.exists()


def test_an_api_refusal_exits_with_its_code_and_no_file(demo, tmp_path):
    out = tmp_path / "r.html"
    result = run(["report", "--out", str(out)], {**cli_env(demo), "CLARIFAI_PAT": "wrong-key"})
    assert result.exit_code == EXIT_AUTH
    line = one_line_error(result)
    assert "wrong-key" not in line and "req_id=" in line
    assert not out.exists()


def test_a_file_that_cannot_be_written_fails_with_one_line(demo, tmp_path):
    (tmp_path / "plain-file").write_text("not a directory")
    target = tmp_path / "plain-file" / "r.html"
    result = run(["report", "--out", str(target)], cli_env(demo))
    assert result.exit_code == EXIT_USAGE  # checked before anything is read
    assert f"{tmp_path / 'plain-file'}' is a file, not a directory" in one_line_error(result)
    assert demo.admin.requests() == []
