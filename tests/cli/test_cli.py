"""The clarifai-connector command line, end to end against the emulator: export in each
format, --json, exit codes and one-line errors, PAT sources, demo."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.common import (
    EXIT_API,
    EXIT_AUTH,
    EXIT_CODES,
    EXIT_GUARD,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    cli_state,
    exit_code_for,
    handle_errors,
)
from connector.errors import (
    AuthenticationError,
    GuardError,
    NotFoundError,
    ThrottledError,
    ValidationError,
    VerificationError,
)
from connector.inventory import get_spec
from tests.support.cli import cli_env


@pytest.fixture
def env(emulator):
    """Environment for the CLI pointing at the emulator (rate limit off for speed)."""
    emulator.admin.reset(seed="demo", seed_inputs=150)
    return cli_env(emulator)


def run(args, env, **kwargs):
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False, **kwargs)


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_each_format(env, tmp_path, fmt):
    out = tmp_path / f"inputs.{fmt}"
    result = run(["export", "inputs", "--out", str(out), "--rate-limit", "0"], env)
    assert result.exit_code == 0, result.stderr
    assert "exported 150 inputs rows" in result.stdout
    if fmt == "parquet":
        table = pq.read_table(out)
        assert table.num_rows == 150 and table.schema.names == get_spec("inputs").column_names
    elif fmt == "csv":
        with open(out, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 150 and list(rows[0]) == get_spec("inputs").column_names
    else:
        objs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert len(objs) == 150 and all(o["id"] for o in objs)


def test_export_json_summary_and_dataset_scope(env, tmp_path):
    out = tmp_path / "v.data"
    result = run(
        [
            "--json",
            "export",
            "dataset_versions",
            "--format",
            "parquet",
            "--out",
            str(out),
            "--dataset",
            "street-scenes",
            "--dataset",
            "products",
        ],
        env,
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["inventory"] == "dataset_versions" and summary["format"] == "parquet"
    frame = pq.read_table(out).to_pandas(types_mapper=pd.ArrowDtype)
    assert summary["rows"] == len(frame) > 0
    assert set(frame["dataset_id"]) == {"street-scenes", "products"}
    assert summary["columns"] == get_spec("dataset_versions").column_names


def test_group_and_command_options_both_work(env, tmp_path, emulator):
    env = {**env, "CLARIFAI_APP_ID": "", "CLARIFAI_API_BASE": None}
    out = tmp_path / "c.jsonl"
    result = run(
        ["--base-url", emulator.base_url, "export", "concepts", "--app-id", emulator.app_id, "-o", str(out)], env
    )
    assert result.exit_code == 0, result.stderr
    assert len(out.read_text().splitlines()) > 0


def test_bad_pat_is_an_auth_error_on_one_line(env, tmp_path):
    out = tmp_path / "x.parquet"
    result = run(["export", "datasets", "--out", str(out)], {**env, "CLARIFAI_PAT": "not-the-right-pat"})
    assert result.exit_code == EXIT_AUTH
    line = one_error_line(result)
    assert "CONN_KEY_INVALID" in line
    assert "req_id=" in line
    assert "not-the-right-pat" not in result.stderr + result.stdout
    assert not out.exists()


def test_unknown_dataset_is_not_found(env, tmp_path):
    result = run(["export", "dataset_inputs", "--dataset", "no-such-dataset", "--out", str(tmp_path / "x.csv")], env)
    assert result.exit_code == EXIT_NOT_FOUND
    line = one_error_line(result)
    assert "no-such-dataset" in line and "_DOES_NOT_EXIST" in line
    assert list(tmp_path.iterdir()) == []


def test_debug_shows_the_traceback(env, tmp_path):
    result = run(["--debug", "export", "dataset_inputs", "--dataset", "nope", "--out", str(tmp_path / "x.csv")], env)
    assert result.exit_code == EXIT_NOT_FOUND
    assert "Traceback" in result.stderr and "error: " in result.stderr
    assert env["CLARIFAI_PAT"] not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--debug", "export", "datasets", "--out", "{tmp}/d.parquet"],
        ["--debug", "--json", "prune", "--dataset", "cats-dogs", "--keep-last", "1", "--dry-run"],
        ["--debug", "tasks", "watch", "label-pets", "--once"],
        ["--debug", "demo", "--out-dir", "{tmp}"],
    ],
)
def test_pat_never_printed_even_with_debug_tracebacks(env, tmp_path, args):
    bad_pat = "pat-that-must-never-be-printed-0123456789"
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = run(args, {**env, "CLARIFAI_PAT": bad_pat})
    assert result.exit_code == EXIT_AUTH
    assert "Traceback" in result.stderr and "CONN_KEY_INVALID" in result.stderr
    assert bad_pat not in result.stdout + result.stderr
    assert bad_pat[:12] not in result.stdout + result.stderr
    good = run(args, env)
    assert good.exit_code == 0, good.stderr
    assert env["CLARIFAI_PAT"] not in good.stdout + good.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--json", "export", "tasks", "--out", "{tmp}/t.csv"],
        ["--json", "prune", "--dataset", "cats-dogs", "--keep-last", "1", "--dry-run"],
        ["--json", "split", "--dataset", "products", "--dry-run"],
        ["--json", "tasks", "watch", "label-pets", "--once"],
        ["--json", "tasks", "cleanup", "--older-than", "1d", "--dry-run"],
    ],
)
def test_json_is_clean_on_stdout_with_debug_logs_on_stderr(env, tmp_path, args):
    args = ["--debug", *[a.replace("{tmp}", str(tmp_path)) for a in args]]
    result = run(args, env)
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout)  # nothing else on stdout
    assert "HTTP Request: GET" in result.stderr  # the debug log went to stderr


def test_usage_errors(env, tmp_path):
    result = run(["export", "no_such_inventory", "--out", str(tmp_path / "x.csv")], env)
    assert result.exit_code == EXIT_USAGE
    result = run(["export", "inputs", "--out", str(tmp_path / "x.unknown")], env)
    assert result.exit_code == EXIT_USAGE
    assert "cannot tell the format" in one_error_line(result)
    result = run(["export", "inputs", "--dataset", "a", "--out", str(tmp_path / "x.csv")], env)
    assert result.exit_code == EXIT_USAGE
    result = run(["export", "inputs", "--out", str(tmp_path / "x.csv"), "--pat", "secret"], env)
    assert result.exit_code == EXIT_USAGE  # there is no PAT flag


def test_pat_from_file_and_missing_pat(env, tmp_path):
    pat_file = tmp_path / "pat.txt"
    pat_file.write_text(env["CLARIFAI_PAT"] + "\n", encoding="utf-8")
    no_env_pat = {**env, "CLARIFAI_PAT": ""}
    out = tmp_path / "d.csv"
    result = run(["export", "datasets", "--pat-file", str(pat_file), "--out", str(out)], no_env_pat)
    assert result.exit_code == 0, result.stderr
    result = run(["export", "datasets", "--out", str(out)], no_env_pat, input="")
    assert result.exit_code == EXIT_USAGE
    assert "CLARIFAI_PAT" in one_error_line(result)
    result = run(["export", "datasets", "--pat-file", str(tmp_path / "missing"), "--out", str(out)], no_env_pat)
    assert result.exit_code == EXIT_USAGE


EMBEDDED = {
    "CLARIFAI_API_BASE": None,  # unset: a set but empty variable is an error, not "no API"
    "CLARIFAI_PAT": "",
    "CLARIFAI_USER_ID": "",
    "CLARIFAI_APP_ID": "",
    "CLARIFAI_PAT_FILE": "",
}


def test_demo_applies_the_main_job_on_the_embedded_emulator(tmp_path):
    result = run(["--json", "demo", "--seed-inputs", "200", "--out-dir", str(tmp_path), "--rate-limit", "0"], EMBEDDED)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["emulator"].startswith("http://127.0.0.1:") and summary["applied"] is True
    # 1. exports: every file holds what the summary says, with the documented schema
    rows = {e["inventory"]: e["rows"] for e in summary["exports"]}
    assert rows["inputs"] == 200 and rows["datasets"] == 3
    for export in summary["exports"]:
        table = pq.read_table(export["path"])
        assert table.num_rows == export["rows"]
        assert table.schema.names == get_spec(export["inventory"]).column_names
    # 2. split applied, leakage-checked, and a rerun sends no write at all
    split = summary["split"]
    assert split["dataset"] == "cats-dogs" and split["source"] == 100
    assert split["targets"] == {"train": "cats-dogs-train", "test": "cats-dogs-test"}
    assert split["result"]["counts"]["added"] == 100 and split["result"]["counts"]["datasets_created"] == 2
    assert split["writes"] > 0
    assert split["leakage"] == {
        "inputs_in_two_targets": 0,
        "planned_inputs_missing": 0,
        "per_split": {"train": 80, "test": 20},
    }
    assert split["rerun"] == {**split["rerun"], "writes": 0, "added": 0, "datasets_created": 0}
    # 3. prune with a keep policy: what was kept and why, and what is left
    prune = summary["prune"]
    actions = {r["version_id"]: (r["action"], r["reason"]) for r in prune["rows"]}
    assert {v for v, (a, _) in actions.items() if a == "delete"} == {"cd-v1", "cd-v3"}
    assert actions["cd-v2"][1].startswith("protected: a model version was trained")
    assert "pinned" in actions["cd-v4"][1] and "newest READY" in actions["cd-v5"][1]
    assert sorted(prune["result"]["ids"]["deleted"]) == ["cats-dogs/cd-v1", "cats-dogs/cd-v3"]
    assert sorted(prune["versions_left"]) == ["cd-v2", "cd-v4", "cd-v5"]
    # 4. a labeling task on the test split, watched until done
    task = summary["task"]
    assert task["action"] == "create" and task["source"] == "cats-dogs-test" and task["concepts"]
    assert task["watch"]["final"]["status"] == "TASK_DONE"
    assert task["watch"]["events"][0].startswith("TASK_IN_PROGRESS") and task["watch"]["reads"] >= 2
    assert summary["writes"] > split["writes"]


def test_demo_human_output(tmp_path):
    result = run(["demo", "--seed-inputs", "100", "--out-dir", str(tmp_path), "--rate-limit", "0"], EMBEDDED)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for text in (
        "1. Inventories exported",
        "dataset_versions.parquet",
        "2. Split 'cats-dogs'",
        "cats-dogs-train",
        "leakage check: 0 inputs in two targets",
        "same split again: 0 write requests",
        "3. Prune",
        "protected: a model version was trained on it",
        "cats-dogs/cd-v1",
        "4. Labeling task",
        "done: TASK_DONE",
        "demo finished",
    ):
        assert text in out, text
    assert "Traceback" not in result.stderr


def test_demo_against_a_configured_api_is_read_only(env, tmp_path, emulator):
    emulator.admin.clear_requests()
    result = run(["--json", "demo", "--dataset", "cats-dogs", "--out-dir", str(tmp_path), "--rate-limit", "0"], env)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["emulator"] is None and summary["applied"] is False and summary["writes"] == 0
    assert summary["split"]["plan"]["train"]["to_add"] > 0 and "result" not in summary["split"]
    assert summary["prune"]["would_delete"] == 2 and "result" not in summary["prune"]
    assert summary["task"]["action"] == "would create"
    assert emulator.admin.requests(mutated=True) == []
    assert len(emulator.admin.requests()) > 0


def test_demo_apply_against_a_configured_api(env, tmp_path, emulator, client):
    refused = run(["demo", "--apply", "--out-dir", str(tmp_path)], env)
    assert refused.exit_code == EXIT_USAGE and "--dataset" in one_error_line(refused)
    assert emulator.admin.requests(mutated=True) == []
    missing = run(["demo", "--apply", "--dataset", "no-such-dataset", "--out-dir", str(tmp_path)], env)
    assert missing.exit_code == EXIT_NOT_FOUND and "no-such-dataset" in one_error_line(missing)
    assert emulator.admin.requests(mutated=True) == []

    args = ["--json", "demo", "--apply", "--dataset", "products", "--out-dir", str(tmp_path), "--rate-limit", "0"]
    first = run(args, env)
    assert first.exit_code == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["applied"] is True and summary["split"]["leakage"]["inputs_in_two_targets"] == 0
    task_id = summary["task"]["task_id"]
    task = client.get_task(task_id)
    assert task.get("task", task)["input_source"]["id"] == "products-test"
    assert "watch" not in summary["task"]  # a real API's task is shown, never waited for
    assert summary["task"]["status"]["task_id"] == task_id
    # the whole demo again: everything adopted, nothing written
    emulator.admin.clear_requests()
    again = json.loads(run(args, env).stdout)
    assert again["writes"] == 0 and again["task"]["action"] == "adopt"
    assert emulator.admin.requests(mutated=True) == []


def test_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("export", "demo", "emulator", "prune", "split", "tasks"):
        assert name in result.stdout


def test_console_script_runs():
    out = subprocess.run(
        [sys.executable, "-c", "from connector.cli import main; main()", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0 and "clarifai-connector" in out.stdout


# -- the shared conventions ---------------------------------------------------------------
def _documented_exit_codes() -> dict[int, str]:
    text = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split("## Errors and exit codes", 1)[1].split("\n## ", 1)[0]
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^\| (\d+) \| (.+?) \|$", section, re.M)}


#: One exception per documented exit code (0 has none: success).
EXIT_EXAMPLES = {
    1: VerificationError("target lacks planned inputs"),
    2: ValidationError("bad argument"),
    3: AuthenticationError(code=11008, req_id="r-3", rpc="ListInputs"),
    4: NotFoundError(code=11101, req_id="r-4", rpc="GetDataset"),
    5: GuardError("would delete 9 of 10 versions"),
    6: ThrottledError(code=11005, req_id="r-6", rpc="ListInputs"),
    130: KeyboardInterrupt(),
}


def test_documented_exit_codes_are_the_code_s():
    documented = _documented_exit_codes()
    assert set(documented) == set(EXIT_CODES) == {0, *EXIT_EXAMPLES}


@pytest.mark.parametrize("code", sorted(EXIT_EXAMPLES))
def test_each_documented_exit_code_is_what_a_command_returns(code):
    exc = EXIT_EXAMPLES[code]

    @click.command()
    @handle_errors
    def boom() -> None:
        cli_state()
        raise exc

    result = CliRunner().invoke(boom, [])
    assert result.exit_code == code == exit_code_for(exc)
    line = one_error_line(result)
    if getattr(exc, "req_id", None):
        assert f"req_id={exc.req_id}" in line


def test_exit_code_table():
    assert exit_code_for(AuthenticationError(code=11008)) == EXIT_AUTH
    assert exit_code_for(NotFoundError(code=11101)) == EXIT_NOT_FOUND
    assert exit_code_for(GuardError("too many")) == EXIT_GUARD
    assert exit_code_for(ValidationError("bad")) == EXIT_USAGE
    assert exit_code_for(ThrottledError(code=11005)) == EXIT_API
    assert exit_code_for(VerificationError("leak")) == 1
    assert exit_code_for(KeyboardInterrupt()) == EXIT_INTERRUPTED
    assert set(EXIT_CODES) == {0, 1, 2, 3, 4, 5, 6, 130}


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (GuardError("would delete 9 of 10 versions"), EXIT_GUARD),
        (KeyboardInterrupt(), EXIT_INTERRUPTED),
        (ThrottledError(code=11005, req_id="r-1", rpc="ListInputs"), EXIT_API),
        (RuntimeError("multi\nline"), 1),
    ],
)
def test_handle_errors_prints_one_line(exc, code):
    @click.command()
    @handle_errors
    def boom() -> None:
        cli_state()
        raise exc

    result = CliRunner().invoke(boom, [])
    assert result.exit_code == code
    line = one_error_line(result)
    if isinstance(exc, ThrottledError):
        assert "CONN_THROTTLED" in line and "req_id=r-1" in line
    if isinstance(exc, GuardError):
        assert "--force" in line
