"""The command line's bad-input table (docs/cli.md, "Bad input: what each mistake gives")
run row by row against the emulator's demo seed: each row gives exactly its error, on
one line, naming its flag or variable, and writes nothing (exit 2, 4 and 5 all promise
that); plus what the table cannot show: a secret in a mistaken value is never echoed,
not even with --debug.
"""

from __future__ import annotations

import logging
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.common import EXIT_GUARD, EXIT_NOT_FOUND, EXIT_USAGE
from tests.support.cli import cli_env
from tests.support.scenarios import writes

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
SECTION = "## Bad input: what each mistake gives"
#: The demo seed the rows run against (the counts of the guard rows depend on its size).
SEED_INPUTS = 200


def table_rows() -> list[tuple[str, str, str]]:
    """(command line, names, error) of every row, backticks removed."""
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text, f"{DOC.name} lost its section {SECTION!r}"
    rows = []
    for line in text.split(SECTION, 1)[1].splitlines():
        if line.startswith("## "):
            break
        if not line.startswith("| `"):
            continue
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == 3, f"a row of the table needs 3 cells: {line!r}"
        rows.append((cells[0], cells[1], cells[2]))
    return rows


def _pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*?".join(re.escape(part) for part in expected.split("...")), re.DOTALL)


def run_row(command: str, env: dict[str, str]) -> Any:
    """Run ``[VAR=value ...] clarifai-connector ARGS`` as a shell would."""
    words = shlex.split(command)
    env = dict(env)
    while words[0] != "clarifai-connector":
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    return CliRunner().invoke(main, [*words[1:], "--rate-limit", "0"], env=env, catch_exceptions=False)


@pytest.fixture
def demo(emulator):
    emulator.admin.reset(seed="demo", seed_inputs=SEED_INPUTS)
    return emulator


def test_every_row_gives_its_one_line_error_naming_its_flag_and_writes_nothing(demo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the row exporting to "." names this directory
    rows = table_rows()
    assert len(rows) >= 20
    env = cli_env(demo)
    before = demo.admin.snapshot()
    wrong = []
    for command, names, expected in rows:
        demo.admin.clear_requests()
        result = run_row(command, env)
        got = f"exit {result.exit_code}: {result.stderr.strip()}"
        problems = []
        if not _pattern(expected).fullmatch(got):
            problems.append(f"table: {expected}\n    got:   {got}")
        if result.exit_code not in (EXIT_USAGE, EXIT_NOT_FOUND, EXIT_GUARD):
            problems.append(f"exit {result.exit_code} is not a refusal")
        if len(result.stderr.strip().splitlines()) != 1:
            problems.append("stderr is not one line")
        if names not in got:
            problems.append(f"the error does not name {names}")
        wrote = writes(demo)
        if wrote:
            problems.append(f"it wrote: {[(r['method'], r['path']) for r in wrote]}")
        if problems:
            wrong.append(f"{command}\n    " + "\n    ".join(problems))
    assert not wrong, f"{len(wrong)} rows of docs/cli.md are wrong:\n" + "\n".join(wrong)
    assert demo.admin.snapshot() == before


def test_the_issue_examples_are_rows_of_the_table():
    commands = {command for command, _, _ in table_rows()}
    for example in (
        "clarifai-connector split --dataset cats-dogs --snapshot --timeout -1",
        "clarifai-connector split --dataset cats-dogs --mode server --timeout -1",
        "clarifai-connector split --dataset cats-dogs --mode exact --target train=products --target test=street-scenes",
        'clarifai-connector prune --dataset cats-dogs --keep-last 1 --keep-id "cd-v1 "',
        "clarifai-connector split --app --concept no-such-concept",
        "CLARIFAI_API_BASE=http://127.0.0.1:8080/v2 clarifai-connector prune --dataset cats-dogs --keep-last 1",
        "clarifai-connector prune --dataset cats-dogs --keep-younger-than 99999999999999d",
        "clarifai-connector export datasets --out s3://my-bucket/datasets.parquet",
        "CLARIFAI_API_BASE= clarifai-connector prune --dataset cats-dogs --keep-last 1",
    ):
        assert example in commands, example


def test_the_guard_says_how_many_foreign_inputs_and_in_which_dataset(demo, client):
    """The table shows the guard rows with ``...`` for the counts; here they are exact."""
    products = len(list(client.list_dataset_inputs("products")))
    street = len(list(client.list_dataset_inputs("street-scenes")))
    command = (
        "clarifai-connector split --dataset cats-dogs --mode exact --target train=products --target test=street-scenes"
    )
    result = run_row(command, cli_env(demo))
    assert result.exit_code == EXIT_GUARD
    assert f"target 'products' holds {products} input(s) not from dataset 'cats-dogs'" in result.stderr
    assert f"target 'street-scenes' holds {street} input(s) not from dataset 'cats-dogs'" in result.stderr
    assert products > 0 and street > 0


def test_a_base_url_with_a_password_never_reaches_the_debug_log(demo, caplog):
    env = cli_env(demo)
    with caplog.at_level(logging.DEBUG):
        result = run_row(
            "CLARIFAI_API_BASE=http://me:s3cret@127.0.0.1:8080 clarifai-connector --debug prune "
            "--dataset cats-dogs --keep-last 1",
            env,
        )
    assert result.exit_code == EXIT_USAGE
    assert "s3cret" not in result.output + result.stderr + caplog.text
    assert "CLARIFAI_API_BASE must not hold a user or password" in result.stderr
    assert demo.admin.requests() == []  # refused before any request: nothing for httpx to log


def test_the_pat_passed_as_the_pat_file_is_never_echoed(demo):
    pat = demo.env()["CLARIFAI_PAT"]
    for args in (["--pat-file", pat], ["--debug", "--pat-file", pat]):
        result = CliRunner().invoke(
            main,
            [*args, "prune", "--dataset", "cats-dogs", "--keep-last", "1", "--rate-limit", "0"],
            env={**cli_env(demo), "CLARIFAI_PAT": ""},
        )
        assert result.exit_code == EXIT_USAGE
        assert "--pat-file takes a file that holds the PAT" in result.stderr
        assert pat not in result.output + result.stderr


def test_flag_names_come_from_each_commands_own_options():
    from connector.cli.common import argument_names
    from connector.cli.export_cmd import export
    from connector.cli.ops import create, delete, prune, split

    def names(command: Any, args: list[str]) -> dict[str, str]:
        with command.make_context(command.name, args) as ctx:
            return argument_names(ctx)

    pruned = names(prune, ["--dataset", "ds"])
    assert pruned["keep_ids"] == "--keep-id" and pruned["datasets"] == "--dataset"
    assert pruned["keep_pinned"] == "--no-keep-pinned" and pruned["base_url"] == "--base-url"
    assert names(split, ["--app"])["app"] == "--app" and names(split, [])["targets"] == "--target"
    assert names(delete, ["t1"])["task_ids"] == "TASK_IDS"
    assert names(export, ["datasets", "--out", "x.csv"])["path_or_uri"] == "--out"
    base = ["--name", "n", "--concept", "c", "--worker", "w"]
    # One Python argument, two options: the one given on the command line names it.
    assert names(create, [*base, "--saved-search", "s"])["input_source_id"] == "--saved-search"
    assert names(create, [*base, "--dataset", "d"])["input_source_id"] == "--dataset"
    assert names(create, base)["concept_ids"] == "--concept"
