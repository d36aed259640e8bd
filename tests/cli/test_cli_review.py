"""Plan → review → apply on the command line, against the emulator: the summary line
first, a table of what changes (every row with --show-all), saved plans applied later
and checked against what changed meanwhile, no question and no write without --yes off
a terminal, the refused plan shown when the guard refuses. (The question itself, on a
real terminal: test_cli_terminal.py.)"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.common import EXIT_FAILED, EXIT_GUARD, EXIT_OK, EXIT_USAGE, ProgressLines
from connector.operations import TaskSpec, create_task
from connector.operations.base import ProgressEvent
from tests.support.scenarios import make_dataset, make_inputs, make_versions, train_model_on

DEMO_INPUTS = 150


def run(args, env, **kwargs):
    return CliRunner().invoke(main, [*args, "--rate-limit", "0"], env=env, catch_exceptions=False, **kwargs)


def writes(emulator):
    return [r for r in emulator.admin.requests() if r["method"] != "GET"]


@pytest.fixture
def demo(emulator, env):
    """The demo seed (cats-dogs versions cd-v1..cd-v5, tasks label-pets, review-products,
    street-backlog...) with a fresh request log."""
    emulator.admin.reset(seed="demo", seed_inputs=DEMO_INPUTS)
    return emulator


def _task(client, key: str) -> str:
    spec = TaskSpec(name="label cats", concept_ids=("cat",), workers=("alice",), run_key=key)
    create_task(client, spec)
    return spec.id


# -- the plan as shown ------------------------------------------------------------------
def test_the_summary_comes_first_then_an_aligned_table_of_what_changes(demo, env):
    result = run(["prune", "--dataset", "cats-dogs", "--keep-last", "1", "--dry-run"], env)
    assert result.exit_code == EXIT_OK, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Plan: 1 to delete, 4 to keep (5 versions in 1 dataset)"
    header = lines[1]
    assert header.split() == ["dataset", "version", "status", "age", "origin", "action", "reason"]
    rows = [line for line in lines[3:] if line.startswith("cats-dogs")]
    assert [row.split()[1] for row in rows] == ["cd-v1"]  # only what changes
    for column in ("version", "action", "reason"):  # aligned under its header
        assert rows[0][header.index(column) - 1] == " " and rows[0][header.index(column)] != " "
    assert "4 unchanged rows not listed" in result.stdout
    assert lines[-1] == "Dry run: nothing was changed."
    assert writes(demo) == []

    every = run(["prune", "--dataset", "cats-dogs", "--keep-last", "1", "--dry-run", "--show-all"], env)
    listed = [line.split()[1] for line in every.stdout.splitlines() if line.startswith("cats-dogs")]
    assert sorted(listed) == ["cd-v1", "cd-v2", "cd-v3", "cd-v4", "cd-v5"]
    assert "protected: a model version was trained on it" in every.stdout


def test_a_split_plan_counts_per_target_and_lists_only_changes(demo, env):
    result = run(["split", "--dataset", "cats-dogs", "--seed", "s", "--dry-run"], env)
    assert result.exit_code == EXIT_OK, result.stderr
    first = result.stdout.splitlines()[0]
    match = re.match(r"Plan: (\d+) to add, 0 to remove, 0 unchanged \(source cats-dogs: (\d+) inputs", first)
    assert match and match.group(1) == match.group(2) == str(DEMO_INPUTS // 2)
    assert "2 datasets to create (cats-dogs-train, cats-dogs-test)" in first
    per_target = {
        line.split()[0]: line.split() for line in result.stdout.splitlines() if line.startswith(("train", "test"))
    }
    assert per_target["train"][1:3] == ["cats-dogs-train", "(new)"]
    assert int(per_target["train"][3]) + int(per_target["test"][3]) == DEMO_INPUTS // 2
    shown = [line for line in result.stdout.splitlines() if line.startswith("img-")]
    assert len(shown) == 50 and "25 more rows not shown" in result.stdout  # capped: the rest is in --plan-out


# -- no terminal: no question, no write without --yes -------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["prune", "--dataset", "cats-dogs", "--keep-last", "1"],
        ["split", "--dataset", "cats-dogs"],
        ["tasks", "delete", "label-pets"],
        ["tasks", "cleanup", "--older-than", "1d"],
        ["tasks", "update", "label-pets", "--worker", "dave"],
    ],
)
def test_off_a_terminal_nothing_is_applied_without_yes(demo, env, args):
    result = run(args, env, input="y\n")  # an answer on a pipe is never taken as consent
    assert result.exit_code == EXIT_USAGE, result.output
    assert result.stderr.strip().splitlines()[-1].startswith("error: refusing to apply the plan without confirmation")
    assert "--yes" in result.stderr and "[y/N]" not in result.output
    assert result.stdout.startswith("Plan: ")  # the plan was shown
    assert writes(demo) == []
    dry = run([*args, "--dry-run"], env)  # a dry run never needs --yes
    assert dry.exit_code == EXIT_OK and writes(demo) == []


def test_the_refused_plan_is_shown_with_exit_5(demo, env):
    args = ["prune", "--dataset", "cats-dogs", "--keep-last", "1", "--delete-failed-older-than", "1d"]
    refused = run([*args, "--max-delete", "1", "--yes"], env)
    assert refused.exit_code == EXIT_GUARD
    assert refused.stdout.startswith("Plan: 2 to delete, 3 to keep")
    assert "cd-v1" in refused.stdout and "cd-v3" in refused.stdout
    assert "refusing to prune: the plan deletes 2 versions, more than --max-delete=1" in refused.stderr
    as_json = run([*args, "--max-delete", "1", "--yes", "--json"], env)
    doc = json.loads(as_json.stdout)
    assert as_json.exit_code == EXIT_GUARD and doc["result"] is None and "--max-delete=1" in doc["refused"]
    assert sorted(r["version_id"] for r in doc["plan"]["rows"] if r["action"] == "delete") == ["cd-v1", "cd-v3"]
    assert writes(demo) == []
    forced = run([*args, "--max-delete", "1", "--yes", "--force"], env)
    assert forced.exit_code == EXIT_OK and "Deleted 2 dataset versions" in forced.stdout


# -- saved plans ------------------------------------------------------------------------
def test_a_plan_file_names_its_operation_and_app_and_holds_no_secret(demo, env, tmp_path):
    path = tmp_path / "plan.json"
    result = run(["prune", "--dataset", "cats-dogs", "--keep-last", "1", "--plan-out", str(path), "--dry-run"], env)
    assert result.exit_code == EXIT_OK, result.stderr
    assert f"apply it later with: clarifai-connector apply {path}" in result.stderr
    doc = json.loads(path.read_text())
    assert {k: doc[k] for k in ("format", "version", "operation", "user_id", "app_id")} == {
        "format": "clarifai-connector-plan",
        "version": 1,
        "operation": "prune",
        "user_id": "demo",
        "app_id": "demo",
    }
    assert doc["plan"]["operation"] == "prune" and doc["options"] == {"batch_size": 100}
    assert env["CLARIFAI_PAT"] not in path.read_text()
    assert writes(demo) == []


def test_a_saved_prune_plan_applied_after_a_model_was_trained_on_a_version_skips_it(client, emulator, env, tmp_path):
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": f"v{n}"} for n in range(1, 5)])
    path = tmp_path / "prune.json"
    planned = run(["prune", "--dataset", "ds", "--keep-last", "1", "--plan-out", str(path), "--dry-run"], env)
    assert planned.stdout.startswith("Plan: 3 to delete, 1 to keep")
    train_model_on(client, "m", "ds", "v2")  # meanwhile, a model is trained on v2

    preview = run(["apply", str(path), "--dry-run"], env)
    assert preview.exit_code == EXIT_OK
    assert "ds/v2: protected: a model version was trained on it (rechecked when applied)" in preview.stdout
    assert len(list(client.list_dataset_versions("ds"))) == 4  # a dry run

    emulator.admin.clear_requests()
    applied = run(["apply", str(path), "--yes"], env)
    assert applied.exit_code == EXIT_OK, applied.stderr
    assert "Deleted 2 dataset versions" in applied.stdout and "skipped ds/v2: protected" in applied.stdout
    assert sorted(v["id"] for v in client.list_dataset_versions("ds")) == ["v2", "v4"]
    assert [w["rpc"] for w in writes(emulator)] == ["DeleteDatasetVersions"]


def test_a_saved_cleanup_plan_keeps_a_task_reopened_since(client, emulator, env, tmp_path):
    reopened, finished = _task(client, "a"), _task(client, "b")
    for tid in (reopened, finished):
        emulator.admin.set_task_progress(tid, status="TASK_DONE")
    path = tmp_path / "cleanup.json"
    planned = run(["tasks", "cleanup", "--older-than", "0s", "--plan-out", str(path), "--dry-run"], env)
    assert planned.stdout.startswith("Plan: 2 to delete, 0 to keep")
    assert "untouched for more than 0s" in planned.stdout and "0:00:00" not in planned.stdout
    emulator.admin.set_task_progress(reopened, status="TASK_IN_PROGRESS")
    applied = run(["apply", str(path), "--yes", "--json"], env)
    assert applied.exit_code == EXIT_OK, applied.stderr
    doc = json.loads(applied.stdout)
    assert doc["result"]["ids"]["deleted"] == [finished] and list(doc["result"]["details"]["skipped"]) == [reopened]
    assert [t["id"] for t in client.list_tasks()] == [reopened]


def test_a_saved_split_plan_is_narrowed_or_refused_when_the_data_changed(client, emulator, env, tmp_path):
    ids = make_inputs(client, 8)
    make_dataset(client, "src", ids)
    incremental, exact = tmp_path / "inc.json", tmp_path / "exact.json"
    run(["split", "--dataset", "src", "--seed", "n", "--plan-out", str(incremental), "--dry-run"], env)
    run(["split", "--dataset", "src", "--seed", "n", "--mode", "exact", "--plan-out", str(exact), "--dry-run"], env)
    client.delete_inputs([ids[0]])  # an input leaves the source

    narrowed = run(["apply", str(incremental), "--yes"], env)
    assert narrowed.exit_code == EXIT_OK, narrowed.stderr
    assert f"/{ids[0]}: skipped: no longer in the source" in narrowed.stdout
    assert "Added 7, removed 0 dataset inputs" in narrowed.stdout

    make_dataset(client, "other-src", make_inputs(client, 1, prefix="x"))
    client.post_dataset_inputs("src-train", ["x000"])  # a target gains an input nobody planned
    emulator.admin.clear_requests()
    refused = run(["apply", str(exact), "--yes"], env)
    assert refused.exit_code == EXIT_FAILED
    assert "the targets changed since the split plan was made" in refused.stderr and "src-train/x000" in refused.stderr
    assert writes(emulator) == []


def test_a_saved_update_plan_skips_a_field_changed_since(client, emulator, env, tmp_path):
    tid = _task(client, "u")
    path = tmp_path / "update.json"
    planned = run(["tasks", "update", tid, "--worker", "bob", "--plan-out", str(path), "--dry-run"], env)
    assert re.search(r"workers\s+alice\s+→\s+alice, bob\s+\+bob\s+change", planned.stdout), planned.stdout
    run(["tasks", "update", tid, "--worker", "carol", "--yes"], env)  # someone else's change
    applied = run(["apply", str(path), "--yes"], env)
    assert applied.exit_code == EXIT_OK, applied.stderr
    assert "skipped workers: kept: workers changed since the plan was made" in applied.stdout
    workers = sorted(w["user"]["id"] for w in client.get_task(tid)["worker"]["workers"])
    assert workers == ["alice", "carol"]


def test_apply_refuses_a_plan_made_for_another_app(demo, env, tmp_path):
    path = tmp_path / "plan.json"
    run(["prune", "--dataset", "cats-dogs", "--keep-last", "1", "--plan-out", str(path), "--dry-run"], env)
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "app_id": "production"}))
    result = run(["apply", str(path), "--yes"], env)
    assert result.exit_code == EXIT_USAGE
    assert "was made for app demo/production, not demo/demo" in result.stderr
    assert writes(demo) == []


def test_apply_takes_a_plan_saved_from_python_and_refuses_what_is_not_a_plan(demo, client, env, tmp_path):
    from connector.operations import PrunePolicy, plan_prune

    bare = tmp_path / "bare.json"
    bare.write_text(plan_prune(client, "cats-dogs", PrunePolicy(keep_last=1)).to_json())
    result = run(["apply", str(bare), "--yes"], env)
    assert result.exit_code == EXIT_OK, result.stderr
    assert "does not say which app it was made for" in result.stderr and "Deleted 1 dataset version" in result.stdout
    printed = tmp_path / "printed.json"  # what `prune --dry-run --json` printed
    printed.write_text(run(["prune", "--dataset", "cats-dogs", "--keep-last", "1", "--dry-run", "--json"], env).stdout)
    nothing_left = run(["apply", str(printed), "--yes"], env)
    assert nothing_left.exit_code == EXIT_OK and "Nothing to do" in nothing_left.stdout
    junk = tmp_path / "junk.json"
    for text, message in (("[1, 2]", "holds no plan"), ('{"operation": "export", "rows": []}', "plan of 'export'")):
        junk.write_text(text)
        bad = run(["apply", str(junk), "--yes"], env)
        assert bad.exit_code == EXIT_USAGE and message in bad.stderr


# -- what each command says -----------------------------------------------------------------
def test_tasks_delete_of_a_missing_task_never_says_deleted(demo, env):
    result = run(["tasks", "delete", "nope-task", "label-pet", "--yes"], env)
    assert result.exit_code == EXIT_OK, result.stderr
    assert result.stdout.startswith("Plan: 0 to delete, 2 not found (nothing to delete)")
    assert "did you mean 'label-pets'?" in result.stdout
    assert "Deleted" not in result.stdout and "Nothing to do" in result.stdout
    assert writes(demo) == []
    real = run(["tasks", "delete", "label-pets", "nope-task", "--yes"], env)
    assert real.stdout.startswith("Plan: 1 to delete, 1 not found") and "Deleted 1 task: label-pets" in real.stdout


def test_tasks_update_shows_a_before_after_diff(demo, env):
    result = run(["tasks", "update", "label-pets", "--worker", "dave", "--done", "--yes"], env)
    assert result.exit_code == EXIT_OK, result.stderr
    assert re.search(r"workers\s+demo, labeler-1\s+→\s+dave, demo, labeler-1\s+\+dave", result.stdout)
    assert re.search(r"status\s+TASK_IN_PROGRESS\s+→\s+TASK_DONE", result.stdout)
    assert "changed_fields" not in result.stdout and "{" not in result.stdout
    assert "Updated task label-pets: workers demo, labeler-1 → dave, demo, labeler-1; status" in result.stdout


def test_split_output_names_the_snapshot_versions(demo, client, env):
    result = run(["split", "--dataset", "products", "--snapshot", "--run-key", "r", "--yes", "--timeout", "30"], env)
    assert result.exit_code == EXIT_OK, result.stderr
    shown = re.findall(r"^Snapshot: (\S+) \(READY\)$", result.stdout, re.M)
    assert len(shown) == 2 and {s.split("/")[0] for s in shown} == {"products-train", "products-test"}
    for ref in shown:
        dataset_id, version_id = ref.split("/")
        assert client.get_dataset_version(dataset_id, version_id)["id"] == version_id
    assert re.search(r"Targets now hold: train \d+ \(products-train\), test \d+ \(products-test\)", result.stdout)


# -- the demo seed shows what each split option does ------------------------------------------
def test_concept_stratify_and_group_by_have_an_effect_on_the_demo_seed(demo, client, env):
    def plan(*args):
        result = run(["split", *args, "--dry-run", "--json"], env)
        assert result.exit_code == EXIT_OK, result.stderr
        return json.loads(result.stdout)["plan"]

    with_cat = [i["id"] for i in client.list_inputs() if "cat" in {c["id"] for c in i["data"].get("concepts", [])}]
    assert 0 < len(with_cat) < DEMO_INPUTS
    assert plan("--app", "--concept", "cat")["source_count"] == len(with_cat)

    stratified = plan("--dataset", "cats-dogs", "--stratify", "--ratios", "train=0.5,test=0.5")
    per_stratum: dict[str, dict[str, int]] = {}
    for row in stratified["rows"]:
        per_stratum.setdefault(row["stratum"], {}).setdefault(row["split"], 0)
        per_stratum[row["stratum"]][row["split"]] += 1
    assert len(per_stratum) > 3  # the inputs carry concepts: strata exist
    assert all(abs(s.get("train", 0) - s.get("test", 0)) <= 1 for s in per_stratum.values())

    grouped = plan("--dataset", "cats-dogs", "--group-by", "subject")
    split_of: dict[str, set[str]] = {}
    for row in grouped["rows"]:
        split_of.setdefault(row["unit"], set()).add(row["split"])
    assert all(u.startswith("group:pet-") for u in split_of) and len(split_of) < len(grouped["rows"])
    assert all(len(splits) == 1 for splits in split_of.values())  # a subject never straddles

    unknown = run(["split", "--dataset", "cats-dogs", "--group-by", "patient", "--dry-run"], env)
    assert unknown.exit_code == EXIT_USAGE and "--group-by key 'patient'" in unknown.stderr


# -- progress in a log ------------------------------------------------------------------
def test_progress_lines_per_change_or_interval_for_long_stages_only():
    now = [0.0]
    lines: list[str] = []
    log = ProgressLines(lines.append, interval=30, after=2, clock=lambda: now[0])

    def at(t: float, message: str) -> None:
        now[0] = t
        log(ProgressEvent("tasks", "task t", 40, 100, message))

    at(0, "work 0%")
    at(1.9, "work 10%")  # a quick stage: nothing
    assert lines == []
    at(2.0, "work 10%")
    at(5.0, "work 10%")  # unchanged, within the interval
    at(6.0, "work 20%")  # changed
    at(36.5, "work 20%")  # unchanged, but the interval has passed
    assert [line.split("] ", 1)[1] for line in lines] == [
        "tasks task t 40/100: work 10%",
        "tasks task t 40/100: work 20%",
        "tasks task t 40/100: work 20%",
    ]
    assert all(re.match(r"^\[\d\d:\d\d:\d\dZ\] ", line) for line in lines)


def test_tasks_watch_logs_its_progress_when_stderr_is_not_a_terminal(client, emulator, env):
    emulator.admin.set_options(task_work_seconds=3.0)  # the labelers finish in 3 s
    tid = _task(client, "w")
    result = run(["tasks", "watch", tid, "--until", "work", "--percent", "100", "--interval", "0.2"], env)
    assert result.exit_code == EXIT_OK, result.stderr
    logged = re.findall(rf"^\[\d\d:\d\d:\d\dZ\] tasks task {tid} (\d+)/100: (.+)$", result.stderr, re.M)
    assert logged, result.stderr
    states = [state for _, state in logged]
    assert len(states) == len(set(states))  # one line per change
    assert "work 100%" in result.stdout
