"""Every bad argument of the operations, driven by the table in docs/operations.md.

Each row of the table "Bad arguments and the errors they give" is run as written: the
bad-argument cell is a Python expression (evaluated with ``client``, the operations and
``task(...)`` in scope) or a ``clarifai-connector ...`` command line (optionally after
``VAR=value`` assignments, as in a shell), and the error cell must be exactly the error
it gives (``...`` stands for a part that differs per run, such as a req_id). For every
row, on its own: the message is one line; it names the argument of the ``names`` cell
(the Python argument, or the plan field, in Python; the flag, argument or variable on
the command line), and a Python error carries that name as its ``argument`` field; and
the emulator's request log shows no request but reads. The table and the tests
therefore cannot drift apart.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.client import ClarifaiClient
from connector.errors import ArgumentError, ConnectorError
from connector.operations import (
    CleanupPlan,
    PrunePlan,
    PrunePolicy,
    SplitPlan,
    SplitSpec,
    TaskSpec,
    apply_cleanup,
    apply_prune,
    cleanup_tasks,
    create_task,
    delete_task,
    mark_done,
    plan_prune,
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
#: A PAT-shaped value: rows that pass it by mistake must never see it echoed.
TOKEN = "0123456789abcdef0123456789abcdef"


def task(**kw: Any) -> TaskSpec:
    """The task the table's ``task(...)`` stands for: the given fields over a valid base."""
    base: dict[str, Any] = {"name": "label cats", "concept_ids": ["cat", "dog"], "workers": ["alice", "bob"]}
    return TaskSpec(**{**base, **kw})


def table_rows() -> list[tuple[str, str, str, str]]:
    """(operation, bad argument, names, error) of every row, backticks removed."""
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text, f"{DOC.name} lost its section {SECTION!r}"
    rows = []
    for line in text.split(SECTION, 1)[1].splitlines():
        if line.startswith("## "):
            break
        if not line.startswith("| ") or line.startswith(("| operation", "|---")):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        assert len(cells) == 4, f"a row of the table needs 4 cells: {line!r}"
        operation, bad, names, error = (_unquote(c) for c in cells)
        rows.append((operation, bad, names, error))
    return rows


def _unquote(cell: str) -> str:
    cell = cell.replace("\\|", "|")
    return cell[1:-1] if cell.startswith("`") and cell.endswith("`") and cell.count("`") == 2 else cell


def _pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*?".join(re.escape(part) for part in expected.split("...")), re.DOTALL)


@pytest.fixture
def world(client, emulator):
    """The objects the rows refer to: dataset ``ds`` with versions v1..v3; dataset ``src``
    with 7 inputs, a READY version ``sv1`` made before the 7th was added, and a target
    ``src-train`` that already holds one of them; dataset ``other`` holding an 8th input
    (not in ``src``); input ``in008`` whose concept ``zebra`` is only on an annotation;
    task ``t-fixed`` (in progress) and task ``t-wont`` (marked won't-do)."""
    make_dataset(client, "ds")
    make_versions(client, "ds", [{"id": "v1"}, {"id": "v2"}, {"id": "v3"}])
    ids = make_inputs(client, 8)
    make_dataset(client, "src", ids[:6])
    client.post_dataset_versions("src", [{"id": "sv1"}])
    wait_dataset_version(client, "src", "sv1", timeout=10, interval=0.01, max_interval=0.05)
    client.post_dataset_inputs("src", ids[6:7])
    make_dataset(client, "src-train", ids[:1])
    make_dataset(client, "other", ids[7:8])
    client.post_inputs([{"id": "in008", "data": {"text": {"raw": "a zebra"}}}])
    client.post_annotations([{"input_id": "in008", "data": {"concepts": [{"id": "zebra", "value": 1}]}}])
    create_task(client, task(task_id="t-fixed"))
    create_task(client, task(task_id="t-wont"))
    emulator.admin.set_task_progress("t-wont", status="TASK_WONT_DO")
    emulator.admin.clear_requests()


@pytest.fixture
def elsewhere(client_config) -> Iterator[ClarifaiClient]:
    """A client for app ``no-such-app`` of the same user: the app does not exist."""
    with ClarifaiClient(client_config.replace(app_id="no-such-app")) as c:
        yield c


def _outcome(bad: str, client: Any, elsewhere: Any, env: dict[str, str]) -> tuple[str, ArgumentError | None]:
    """What the row gives: ``Type: message`` for Python, ``exit N: stderr`` for the CLI;
    and the Python error, when it names an argument."""
    words = shlex.split(bad) if "clarifai-connector " in bad else []
    if words:
        assigned = {}
        while words and words[0] != "clarifai-connector":
            name, _, value = words.pop(0).partition("=")
            assigned[name] = value
        args = words[1:]
        args += ["--rate-limit", "0"] if args[0] != "tasks" else []
        result = CliRunner().invoke(main, args, env={**env, **assigned}, catch_exceptions=False)
        return f"exit {result.exit_code}: {result.stderr.strip()}", None
    scope = {
        "client": client,
        "elsewhere": elsewhere,
        "task": task,
        "TOKEN": TOKEN,
        "datetime": datetime,
        "timedelta": timedelta,
        "PrunePolicy": PrunePolicy,
        "PrunePlan": PrunePlan,
        "SplitPlan": SplitPlan,
        "CleanupPlan": CleanupPlan,
        "SplitSpec": SplitSpec,
        "TaskSpec": TaskSpec,
        "prune": prune,
        "plan_prune": plan_prune,
        "apply_prune": apply_prune,
        "split": split,
        "plan_split": plan_split,
        "apply_split": apply_split,
        "create_task": create_task,
        "update_task": update_task,
        "mark_done": mark_done,
        "watch_task": watch_task,
        "delete_task": delete_task,
        "cleanup_tasks": cleanup_tasks,
        "apply_cleanup": apply_cleanup,
        "poll": poll,
    }
    try:
        eval(bad, scope)  # the table's own text, run as written
    except ConnectorError as exc:
        return f"{type(exc).__name__}: {exc}", exc if isinstance(exc, ArgumentError) else None
    except Exception as exc:  # a raw TypeError & co. is exactly what the table forbids
        return f"unexpected {type(exc).__name__}: {exc}", None
    return "no error", None


def _check_row(
    bad: str, names: str, expected: str, outcome: str, error: ArgumentError | None, wrote: list[Any]
) -> list[str]:
    problems = []
    if not _pattern(expected).fullmatch(outcome):
        problems.append(f"table: {expected}\n    got:   {outcome}")
    if "\n" in outcome:
        problems.append("the message is not one line")
    if TOKEN in outcome:
        problems.append("the message echoes the PAT-shaped value")
    if names != "-":
        if names not in outcome:
            problems.append(f"the message does not name {names!r}")
        if not bad.startswith(("clarifai-connector", "CLARIFAI_")) and (error is None or error.argument != names):
            problems.append(f"the error's argument is {getattr(error, 'argument', None)!r}, not {names!r}")
    if wrote:
        problems.append(f"it wrote: {[(r['method'], r['path']) for r in wrote]}")
    return problems


def test_every_row_of_the_table_gives_exactly_its_error_names_its_argument_and_writes_nothing(
    client, emulator, world, elsewhere
):
    rows = table_rows()
    env = cli_env(emulator)
    before = emulator.admin.snapshot()
    wrong = []
    for operation, bad, names, expected in rows:
        emulator.admin.clear_requests()
        outcome, error = _outcome(bad, client, elsewhere, env)
        problems = _check_row(bad, names, expected, outcome, error, writes(emulator))
        if problems:
            wrong.append(f"[{operation}] {bad}\n    " + "\n    ".join(problems))
    assert not wrong, f"{len(wrong)} rows of docs/operations.md are wrong:\n" + "\n".join(wrong)
    assert emulator.admin.snapshot() == before


def test_the_table_covers_both_entry_points_and_more_than_a_hundred_bad_inputs():
    rows = table_rows()
    operations = {op for op, _, _, _ in rows}
    assert {
        "prune",
        "split",
        "tasks",
        "plans",
        "poll",
        "prune CLI",
        "split CLI",
        "tasks CLI",
        "config CLI",
    } <= operations
    assert len({bad for _, bad, _, _ in rows}) == len(rows), "a bad argument is listed twice"
    python = [r for r in rows if not r[0].endswith("CLI")]
    cli = [r for r in rows if r[0].endswith("CLI")]
    assert len(python) >= 100 and len(cli) >= 25
    # Every row that a person could have typed wrong names what to change.
    assert sum(1 for r in rows if r[2] != "-") >= len(rows) - 12
    assert _pattern("a ... b").fullmatch("a req_id=x b") and not _pattern("a b").fullmatch("a  b")


def test_the_checks_fail_a_row_that_writes_or_names_nothing():
    """The row checks themselves can fail (a harness that cannot fail proves nothing)."""
    assert _check_row("prune(x)", "datasets", "ValidationError: boom", "ValidationError: boom", None, [])
    ok = _check_row(
        "clarifai-connector prune", "--dataset", "exit 2: error: --dataset", "exit 2: error: --dataset", None, []
    )
    assert ok == []
    wrote = _check_row("clarifai-connector x", "-", "exit 0: ", "exit 0: ", None, [{"method": "POST", "path": "/p"}])
    assert wrote and "it wrote" in wrote[0]
    two_lines = _check_row("clarifai-connector x", "-", "exit 2: a...", "exit 2: a\nb", None, [])
    assert "the message is not one line" in two_lines
