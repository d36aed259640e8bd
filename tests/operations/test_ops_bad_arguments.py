"""Every bad argument of the operations, driven by the table in docs/operations.md.

Each row of the table "Bad arguments and the errors they give" is run as written: the
bad-argument cell is a Python expression (evaluated with ``client``, the operations and
``task(...)`` in scope) or a ``clarifai-connector ...`` command line, and the error cell
must be exactly the error it gives (``...`` stands for a part that differs per run, such
as a req_id). The table and the tests therefore cannot drift apart; and none of the rows
may write anything.
"""

from __future__ import annotations

import re
import shlex
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.errors import ConnectorError
from connector.operations import (
    PrunePolicy,
    SplitSpec,
    TaskSpec,
    cleanup_tasks,
    create_task,
    delete_task,
    poll,
    prune,
    split,
    update_task,
    watch_task,
)
from connector.operations.split import apply_split, plan_split
from connector.operations.waits import wait_dataset_version
from tests.support.cli import cli_env
from tests.support.scenarios import make_dataset, make_inputs, make_versions, writes

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
SECTION = "## Bad arguments and the errors they give"


def task(**kw: Any) -> TaskSpec:
    """The task the table's ``task(...)`` stands for: the given fields over a valid base."""
    base: dict[str, Any] = {"name": "label cats", "concept_ids": ["cat", "dog"], "workers": ["alice", "bob"]}
    return TaskSpec(**{**base, **kw})


def table_rows() -> list[tuple[str, str, str]]:
    """(operation, bad argument, error) of every row, backticks removed."""
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text, f"{DOC.name} lost its section {SECTION!r}"
    rows = []
    for line in text.split(SECTION, 1)[1].splitlines():
        if line.startswith("## "):
            break
        if not line.startswith("| ") or line.startswith(("| operation", "|---")):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == 3, f"a row of the table needs 3 cells: {line!r}"
        rows.append(tuple(_unquote(c) for c in cells))
    return rows


def _unquote(cell: str) -> str:
    cell = cell.replace("\\|", "|")
    return cell[1:-1] if cell.startswith("`") and cell.endswith("`") and cell.count("`") == 2 else cell


def _pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*?".join(re.escape(part) for part in expected.split("...")), re.DOTALL)


@pytest.fixture
def world(client, emulator):
    """The objects the rows refer to: dataset ``ds`` with versions v1..v3; dataset ``src``
    with 6 inputs, a READY version ``sv1`` made before a 7th input was added, and a target
    ``src-train`` that already holds an input; task ``t-fixed`` (in progress) and task
    ``t-wont`` (marked won't-do)."""
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": "v1"}, {"id": "v2"}, {"id": "v3"}])
    ids = make_inputs(client, 7)
    make_dataset(client, "src", ids[:6])
    client.post_dataset_versions("src", [{"id": "sv1"}])
    wait_dataset_version(client, "src", "sv1", timeout=10, interval=0.01, max_interval=0.05)
    client.post_dataset_inputs("src", ids[6:])
    make_dataset(client, "src-train", ids[:1])
    create_task(client, task(task_id="t-fixed"))
    create_task(client, task(task_id="t-wont"))
    emulator.admin.set_task_progress("t-wont", status="TASK_WONT_DO")
    emulator.admin.clear_requests()


def _outcome(bad: str, client: Any, env: dict[str, str]) -> str:
    """What the row gives: ``Type: message`` for Python, ``exit N: stderr`` for the CLI."""
    if bad.startswith("clarifai-connector "):
        args = shlex.split(bad)[1:]
        args += ["--rate-limit", "0"] if args[0] != "tasks" else []
        result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
        return f"exit {result.exit_code}: {result.stderr.strip()}"
    scope = {
        "client": client,
        "task": task,
        "timedelta": timedelta,
        "PrunePolicy": PrunePolicy,
        "SplitSpec": SplitSpec,
        "TaskSpec": TaskSpec,
        "prune": prune,
        "split": split,
        "create_task": create_task,
        "update_task": update_task,
        "watch_task": watch_task,
        "delete_task": delete_task,
        "cleanup_tasks": cleanup_tasks,
        "poll": poll,
        "plan_split": plan_split,
        "apply_split": apply_split,
    }
    try:
        eval(bad, scope)  # the table's own text, run as written
    except ConnectorError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "no error"


def test_every_row_of_the_table_gives_exactly_its_error_and_writes_nothing(client, emulator, world):
    rows = table_rows()
    assert len(rows) > 60
    env = cli_env(emulator)
    before = emulator.admin.snapshot()
    wrong = []
    for operation, bad, expected in rows:
        got = _outcome(bad, client, env)
        if not _pattern(expected).fullmatch(got):
            wrong.append(f"[{operation}] {bad}\n    table: {expected}\n    got:   {got}")
    assert not wrong, "rows of docs/operations.md that do not match:\n" + "\n".join(wrong)
    assert writes(emulator) == [] and emulator.admin.snapshot() == before


def test_the_table_parser_sees_every_kind_of_row():
    rows = table_rows()
    operations = {op for op, _, _ in rows}
    assert {"prune", "split", "tasks", "poll", "prune CLI", "split CLI", "tasks CLI"} <= operations
    assert len({bad for _, bad, _ in rows}) == len(rows), "a bad argument is listed twice"
    assert _pattern("a ... b").fullmatch("a req_id=x b") and not _pattern("a b").fullmatch("a  b")
