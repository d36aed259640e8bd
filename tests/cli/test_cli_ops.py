"""``clarifai-connector prune | split | tasks ...`` end to end against the emulator:
--dry-run, --json, human output, exit codes. (Saved plans, confirmation and the plan
tables: test_cli_review.py.)"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.common import EXIT_GUARD, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
from connector.operations import TaskSpec
from tests.support.scenarios import make_dataset, make_inputs, make_versions, writes


def run(args, env):
    return CliRunner().invoke(
        main, [*args, "--rate-limit", "0"] if args[0] != "tasks" else args, env=env, catch_exceptions=False
    )


def run_tasks(args, env):
    return CliRunner().invoke(main, ["tasks", *args, "--rate-limit", "0"], env=env, catch_exceptions=False)


def test_prune_dry_run_json_then_apply(client, emulator, env):
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": "v1"}, {"id": "v2"}, {"id": "v3"}])
    emulator.admin.clear_requests()
    result = run(["prune", "--dataset", "ds", "--keep-last", "1", "--dry-run", "--json"], env)
    assert result.exit_code == EXIT_OK, result.stderr
    doc = json.loads(result.stdout)
    assert doc["result"]["dry_run"] is True and doc["result"]["counts"]["would_delete"] == 2
    assert {r["version_id"]: r["action"] for r in doc["plan"]["rows"]} == {"v1": "delete", "v2": "delete", "v3": "keep"}
    assert writes(emulator) == []
    result = run(["prune", "--dataset", "ds", "--keep-last", "1", "--yes", "--show-all"], env)
    assert result.exit_code == EXIT_OK, result.stderr
    assert "Deleted 2 dataset versions: ds/v2, ds/v1" in result.stdout
    assert "protected: newest READY version" in result.stdout
    assert [v["id"] for v in client.list_dataset_versions("ds")] == ["v3"]


def test_prune_exit_codes(client, emulator, env):
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": "v1"}, {"id": "v2"}, {"id": "v3"}])
    guard = run(["prune", "--dataset", "ds", "--keep-last", "1", "--max-delete", "1"], env)
    assert guard.exit_code == EXIT_GUARD and "--force" in guard.stderr
    bad = run(["prune", "--dataset", "ds", "--keep-last", "0"], env)
    assert bad.exit_code == EXIT_USAGE and "--keep-last must be" in bad.stderr and "keep_last" not in bad.stderr
    neither = run(["prune", "--keep-last", "1"], env)
    assert neither.exit_code == EXIT_USAGE and "--all-datasets" in neither.stderr
    duration = run(["prune", "--all-datasets", "--keep-younger-than", "soon"], env)
    assert duration.exit_code == EXIT_USAGE and "bad duration" in duration.stderr
    missing = run(["prune", "--dataset", "nope", "--keep-last", "1"], env)
    assert missing.exit_code == EXIT_NOT_FOUND and "does not exist" in missing.stderr
    forced = run(
        ["prune", "--dataset", "ds", "--keep-last", "1", "--max-delete", "1", "--force", "--yes", "--json"], env
    )
    assert forced.exit_code == EXIT_OK and json.loads(forced.stdout)["result"]["counts"]["deleted"] == 2


def test_split_dry_run_apply_and_bad_ratios(client, emulator, env):
    make_dataset(client, "src", make_inputs(client, 10))
    emulator.admin.clear_requests()
    dry = run(
        ["split", "--dataset", "src", "--ratios", "train=0.6,test=0.4", "--seed", "7", "--dry-run", "--json"], env
    )
    assert dry.exit_code == EXIT_OK, dry.stderr
    doc = json.loads(dry.stdout)
    assert doc["result"]["counts"]["would_add"] == 10 and writes(emulator) == []
    done = run(["split", "--dataset", "src", "--ratios", "train=0.6,test=0.4", "--seed", "7", "--json", "--yes"], env)
    assert done.exit_code == EXIT_OK, done.stderr
    assert json.loads(done.stdout)["plan"]["members"] == doc["plan"]["members"]
    human = run(["split", "--dataset", "src", "--ratios", "train=0.6,test=0.4", "--seed", "7"], env)
    assert human.exit_code == EXIT_OK and human.stdout.startswith("Plan: 0 to add, 0 to remove, 10 unchanged")
    assert "Nothing to do" in human.stdout
    bad = run(["split", "--dataset", "src", "--ratios", "train=0.9,test=0.4"], env)
    assert bad.exit_code == EXIT_USAGE and "ratios must sum to 1" in bad.stderr
    garbled = run(["split", "--dataset", "src", "--ratios", "train"], env)
    assert garbled.exit_code == EXIT_USAGE and "name=share" in garbled.stderr
    target = run(["split", "--dataset", "src", "--target", "train"], env)
    assert target.exit_code == EXIT_USAGE and "SPLIT=DATASET" in target.stderr


def test_tasks_create_watch_update_cleanup_delete(client, emulator, env):
    args = ["create", "--name", "cli task", "--concept", "cat", "--worker", "alice", "--run-key", "r"]
    task_id = TaskSpec(name="cli task", concept_ids=("cat",), workers=("alice",), run_key="r").id
    dry = run_tasks([*args, "--dry-run"], env)
    assert dry.exit_code == EXIT_OK and f"would create: task {task_id}" in dry.stdout
    created = run_tasks([*args, "--json"], env)
    assert created.exit_code == EXIT_OK and json.loads(created.stdout)["counts"]["created"] == 1
    again = run_tasks(args, env)
    assert again.exit_code == EXIT_OK and f"adopt: task {task_id}" in again.stdout

    once = run_tasks(["watch", task_id, "--once", "--json"], env)
    assert once.exit_code == EXIT_OK and json.loads(once.stdout)["status"] == "TASK_IN_PROGRESS"
    emulator.admin.set_task_progress(task_id, work_percent=80)
    reached = run_tasks(["watch", task_id, "--until", "work", "--percent", "75", "--interval", "0.01"], env)
    assert reached.exit_code == EXIT_OK and "work 80%" in reached.stdout
    timeout = run_tasks(["watch", task_id, "--timeout", "0.1", "--interval", "0.02"], env)
    assert timeout.exit_code == 1 and "not finished" in timeout.stderr

    upd = run_tasks(["update", task_id, "--worker", "bob", "--json", "--yes"], env)
    assert upd.exit_code == EXIT_OK, upd.stderr
    doc = json.loads(upd.stdout)
    assert doc["result"]["details"]["changes"] == {"workers": ["alice", "bob"]}
    assert doc["result"]["details"]["before"] == {"workers": ["alice"]}
    nothing = run_tasks(["update", task_id], env)
    assert nothing.exit_code == EXIT_USAGE and "nothing to update" in nothing.stderr
    done = run_tasks(["update", task_id, "--done", "--yes"], env)
    assert done.exit_code == EXIT_OK and client.get_task(task_id)["status"]["code"] in (54002, "TASK_DONE")
    assert f"Updated task {task_id}: status TASK_IN_PROGRESS → TASK_DONE" in done.stdout

    emulator.admin.clear_requests()
    plan = run_tasks(["cleanup", "--older-than", "0s", "--dry-run", "--json"], env)
    assert plan.exit_code == EXIT_OK and json.loads(plan.stdout)["result"]["ids"]["would_delete"] == [task_id]
    assert writes(emulator) == []
    bad = run_tasks(["cleanup", "--older-than", "a while"], env)
    assert bad.exit_code == EXIT_USAGE
    cleaned = run_tasks(["cleanup", "--older-than", "0s", "--yes"], env)
    assert cleaned.exit_code == EXIT_OK and f"Deleted 1 task: {task_id}" in cleaned.stdout
    gone = run_tasks(["delete", task_id], env)  # already deleted: nothing to do, still success
    assert gone.exit_code == EXIT_OK and "deleted" not in gone.stdout.lower().replace("to delete", "")
    assert "1 not found (nothing to delete)" in gone.stdout
    missing = run_tasks(["watch", task_id, "--once"], env)
    assert missing.exit_code == EXIT_NOT_FOUND


@pytest.mark.parametrize("tty", [True, False])
def test_progress_is_drawn_on_a_terminal_only(client, emulator, env, tty):
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": "v1"}, {"id": "v2"}, {"id": "v3"}])
    make_dataset(client, "src", make_inputs(client, 6))
    terminal = {**env, "TTY_COMPATIBLE": "1" if tty else "0"}
    pruned = run(["prune", "--dataset", "ds", "--keep-last", "1", "--batch-size", "1", "--yes"], terminal)
    split_ = run(["split", "--dataset", "src", "--seed", "p", "--yes"], terminal)
    for result, stages in (
        (pruned, ("prune read versions", "prune delete")),
        (split_, ("split read source", "split add")),
    ):
        assert result.exit_code == EXIT_OK, result.stderr
        for stage in stages:
            # A bar on a terminal; elsewhere quick stages log nothing (long waits log
            # lines: test_cli_review.py).
            assert (stage in result.stderr) is tty, (stage, result.stderr)
        assert stages[0] not in result.stdout  # the bar never mixes with the output
    # --json never draws a bar, even on a terminal.
    quiet = run(["split", "--dataset", "src", "--seed", "p", "--json"], terminal)
    assert quiet.exit_code == EXIT_OK and "split read source" not in quiet.stderr
