"""The clarifai-connector command line, end to end against the emulator: export in each
format, --json, exit codes and one-line errors, PAT sources, demo."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

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


@pytest.fixture
def env(emulator):
    """Environment for the CLI pointing at the emulator (rate limit off for speed)."""
    emulator.admin.reset(seed="demo", seed_inputs=150)
    return {
        "CLARIFAI_API_BASE": emulator.base_url,
        "CLARIFAI_USER_ID": emulator.user_id,
        "CLARIFAI_APP_ID": emulator.app_id,
        "CLARIFAI_PAT": emulator.pat,
        "CLARIFAI_PAT_FILE": "",
    }


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
    result = run(["--json", "export", "dataset_versions", "--format", "parquet", "--out", str(out),
                  "--dataset", "street-scenes", "--dataset", "products"], env)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["inventory"] == "dataset_versions" and summary["format"] == "parquet"
    frame = pq.read_table(out).to_pandas(types_mapper=pd.ArrowDtype)
    assert summary["rows"] == len(frame) > 0
    assert set(frame["dataset_id"]) == {"street-scenes", "products"}
    assert summary["columns"] == get_spec("dataset_versions").column_names


def test_group_and_command_options_both_work(env, tmp_path, emulator):
    env = {**env, "CLARIFAI_APP_ID": "", "CLARIFAI_API_BASE": ""}
    out = tmp_path / "c.jsonl"
    result = run(["--base-url", emulator.base_url, "export", "concepts", "--app-id", emulator.app_id, "-o", str(out)], env)
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


def test_demo_command(emulator, tmp_path):
    env = {"CLARIFAI_API_BASE": "", "CLARIFAI_PAT": "", "CLARIFAI_USER_ID": "", "CLARIFAI_APP_ID": ""}
    result = run(["--json", "demo", "--seed-inputs", "120", "--out-dir", str(tmp_path)], env)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["emulator"].startswith("http://127.0.0.1:")
    rows = {e["inventory"]: e["rows"] for e in summary["exports"]}
    assert rows["inputs"] == 120 and rows["datasets"] > 0
    for export in summary["exports"]:
        assert pq.read_table(export["path"]).num_rows == export["rows"]
    assert summary["prune_dry_run"]["considered"] > 0
    assert "split_dry_run" in summary and summary["split_dry_run"]["dry_run"] is True


def test_demo_against_a_configured_api_is_read_only(env, tmp_path, emulator):
    emulator.admin.clear_requests()
    result = run(["demo", "--out-dir", str(tmp_path)], env)
    assert result.exit_code == 0, result.stderr
    assert "demo finished" in result.stdout
    assert emulator.admin.requests(mutated=True) == []
    assert len(emulator.admin.requests()) > 0


def test_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("export", "demo", "emulator", "prune", "split", "tasks"):
        assert name in result.stdout


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-c", "from connector.cli import main; main()", "--version"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "clarifai-connector" in out.stdout


# -- the shared conventions ---------------------------------------------------------------
def test_exit_code_table():
    assert exit_code_for(AuthenticationError(code=11008)) == EXIT_AUTH
    assert exit_code_for(NotFoundError(code=11101)) == EXIT_NOT_FOUND
    assert exit_code_for(GuardError("too many")) == EXIT_GUARD
    assert exit_code_for(ValidationError("bad")) == EXIT_USAGE
    assert exit_code_for(ThrottledError(code=11005)) == EXIT_API
    assert exit_code_for(VerificationError("leak")) == 1
    assert exit_code_for(KeyboardInterrupt()) == EXIT_INTERRUPTED
    assert set(EXIT_CODES) == {0, 1, 2, 3, 4, 5, 6, 130}


@pytest.mark.parametrize("exc, code", [
    (GuardError("would delete 9 of 10 versions"), EXIT_GUARD),
    (KeyboardInterrupt(), EXIT_INTERRUPTED),
    (ThrottledError(code=11005, req_id="r-1", rpc="ListInputs"), EXIT_API),
    (RuntimeError("multi\nline"), 1),
])
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
