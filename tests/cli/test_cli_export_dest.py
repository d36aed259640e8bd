"""Where ``export`` writes: standard output (``--out -``), special files and symbolic
links written through and never replaced (``/dev/null``, a FIFO, a link keep their
type), a suffix that contradicts --format refused, and one timestamp format in CSV and
JSON Lines."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.cli.common import EXIT_OK, EXIT_USAGE
from connector.inventory import export
from tests.support.cli import cli_env

ISO_Z = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"


@pytest.fixture
def env(emulator):
    emulator.admin.reset(seed="demo", seed_inputs=30)
    return cli_env(emulator)


def run(args, env):
    return CliRunner().invoke(main, [*args, "--rate-limit", "0"], env=env, catch_exceptions=False)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_out_dash_streams_to_stdout_and_the_summary_goes_to_stderr(env, fmt, tmp_path):
    result = run(["export", "inputs", "--out", "-", "--format", fmt], env)
    assert result.exit_code == EXIT_OK, result.stderr
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
    else:
        rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 30 and rows[0]["id"].startswith("img-")
    assert f"exported 30 inputs rows to stdout ({fmt})" in result.stderr
    assert not (tmp_path / "-").exists() and not os.path.exists("-")
    as_json = run(["--json", "export", "inputs", "--out", "-", "--format", fmt], env)
    assert json.loads(as_json.stderr.strip().splitlines()[-1])["rows"] == 30
    assert as_json.stdout == result.stdout


def test_out_dash_needs_a_format(env):
    result = run(["export", "inputs", "--out", "-"], env)
    assert result.exit_code == EXIT_USAGE and "--out - (stdout) needs --format" in result.stderr


def test_dev_null_stays_a_device(env):
    before = os.stat("/dev/null")
    result = run(["export", "datasets", "--out", "/dev/null", "--format", "csv"], env)
    assert result.exit_code == EXIT_OK, result.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino


def test_a_fifo_is_written_through_and_stays_a_fifo(env, tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run(["export", "datasets", "--out", str(fifo)], env)
    reader.join(timeout=60)
    assert result.exit_code == EXIT_OK, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(json.loads(line)["id"] for line in received[0].decode().splitlines()) == [
        "cats-dogs",
        "products",
        "street-scenes",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.jsonl"]  # no temporary file left


def test_a_symlink_stays_a_link_and_its_target_gets_the_data(env, tmp_path):
    target = tmp_path / "real" / "datasets.csv"
    target.parent.mkdir()
    target.write_text("old content\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    result = run(["export", "datasets", "--out", str(link)], env)
    assert result.exit_code == EXIT_OK, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 3
    assert sorted(p.name for p in target.parent.iterdir()) == ["datasets.csv"]


def test_dev_stdout_is_written_through_the_open_descriptor(emulator, env):
    """``--out /dev/stdout`` (as root, the original bug) writes into the pipe and leaves
    ``/dev/stdout`` a symbolic link."""
    was_link = os.path.islink("/dev/stdout")
    command = ["export", "datasets", "--out", "/dev/stdout", "--format", "jsonl"]
    done = subprocess.run(
        [sys.executable, "-c", "from connector.cli import main; main()", *command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3 and json.loads(done.stdout.splitlines()[0])["id"]
    assert "exported 3 datasets rows to /dev/stdout (jsonl)" in done.stderr  # the summary stays off the data
    assert os.path.islink("/dev/stdout") == was_link


def test_a_suffix_that_contradicts_the_format_is_refused(env, tmp_path):
    wrong = tmp_path / "x.csv"
    result = run(["export", "datasets", "--out", str(wrong), "--format", "parquet"], env)
    assert result.exit_code == EXIT_USAGE
    assert "has the suffix of csv but the format asked for is parquet" in result.stderr
    assert not wrong.exists()
    unknown = tmp_path / "x.data"  # an unknown suffix with an explicit format is fine
    assert run(["export", "datasets", "--out", str(unknown), "--format", "parquet"], env).exit_code == EXIT_OK
    assert unknown.read_bytes()[:4] == b"PAR1"


def test_csv_and_jsonl_write_timestamps_alike(env, tmp_path):
    assert run(["export", "tasks", "--out", str(tmp_path / "t.csv")], env).exit_code == EXIT_OK
    assert run(["export", "tasks", "--out", str(tmp_path / "t.jsonl")], env).exit_code == EXIT_OK
    from_csv = {r["id"]: r for r in csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text()))}
    from_jsonl = {r["id"]: r for r in map(json.loads, (tmp_path / "t.jsonl").read_text().splitlines())}
    for task_id, row in from_jsonl.items():
        for column in ("created_at", "modified_at"):
            assert re.match(ISO_Z, row[column]), row[column]
            assert from_csv[task_id][column] == row[column]


def test_python_export_to_an_open_stream(client, emulator):
    emulator.admin.reset(seed="demo", seed_inputs=12)
    sink = io.BytesIO()
    result = export(client, "inputs", sink, format="jsonl")
    assert result.rows == 12 and result.path == "<stream>"
    assert len(sink.getvalue().decode().splitlines()) == 12 and not sink.closed
    with pytest.raises(Exception, match="cannot tell the format from the stream"):
        export(client, "inputs", io.BytesIO())


def test_a_reader_that_stops_early_ends_the_export_quietly(emulator, env):
    """``export --out - | head``: the reader closes the pipe; the export stops without a
    traceback or an "unexpected error" line."""
    emulator.admin.reset(seed="demo", seed_inputs=3000)
    command = ["export", "inputs", "--out", "-", "--format", "jsonl", "--per-page", "100"]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from connector.cli import main; main()", *command],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # like `head -n 1`
    stderr = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    proc.stderr.close()
    assert json.loads(first)["id"].startswith("img-")
    assert code == 1 and "Traceback" not in stderr and "error" not in stderr.lower(), stderr


def test_the_console_script_exports_then_exits_with_its_heap_frozen(emulator, env, tmp_path):
    """``clarifai-connector`` is ``connector.cli:run``: the command's result and exit code
    as ``main`` gives them, then the live objects frozen so the interpreter's shutdown
    does not walk them again (an ``atexit`` hook, which runs after ``run``, sees them)."""
    import tomllib
    from pathlib import Path

    scripts = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["clarifai-connector"] == "connector.cli:run"
    target = tmp_path / "datasets.jsonl"
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
        "from connector.cli import run\n"
        "run()\n"
    )
    for command, code in (
        (["export", "datasets", "--out", str(target)], EXIT_OK),
        (["export", "nothing", "--out", str(target)], EXIT_USAGE),
    ):
        done = subprocess.run(
            [sys.executable, "-c", probe, *command],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == code, done.stderr
        frozen = int(done.stderr.rsplit("frozen ", 1)[1].split()[0])
        assert frozen > 10_000  # every module, class and function imported
    assert len(target.read_text().splitlines()) == 3


def test_the_console_script_freezes_its_imports_before_the_work_and_main_alone_does_not(emulator, env, tmp_path):
    """``run`` freezes what the command's imports left once its client is built, before
    the export reads a page (the probe reads the freeze count as the export starts);
    ``main`` called on its own (a test, a notebook) leaves the caller's heap alone."""
    probe = (
        "import gc, importlib, sys\n"
        "module = importlib.import_module('connector.inventory.export')\n"
        "export = module.export\n"
        "def counted(*args, **kwargs):\n"
        "    print('at work', gc.get_freeze_count(), file=sys.stderr)\n"
        "    return export(*args, **kwargs)\n"
        "module.export = counted\n"
        "from connector.cli import main, run\n"
        "entry = sys.argv.pop(1)\n"
        "try:\n"
        "    (run if entry == 'run' else main)()\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    frozen = {}
    for entry in ("run", "main"):
        done = subprocess.run(
            [sys.executable, "-c", probe, entry, "export", "datasets", "--out", str(tmp_path / f"{entry}.jsonl")],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "at work" in done.stderr, done.stderr
        frozen[entry] = int(done.stderr.rsplit("at work ", 1)[1].split()[0])
        assert len((tmp_path / f"{entry}.jsonl").read_text().splitlines()) == 3
    assert frozen["run"] > 20_000 and frozen["main"] == 0  # the imported modules, classes and functions


def test_export_inputs_reads_the_count_then_asks_for_every_page_at_once(emulator, env, tmp_path):
    """``export inputs``: one GetInputCount, then exactly the pages it covers (30 inputs at
    7 a page: pages 1-5, the fifth short), none past the end; with ``--dataset`` (which
    ``inputs`` refuses) no request at all."""
    emulator.admin.clear_requests()
    out = tmp_path / "inputs.parquet"
    result = run(["--json", "export", "inputs", "--out", str(out), "--per-page", "7"], env)
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["rows"] == 30
    log = emulator.admin.requests()
    assert log[0]["rpc"] == "GetInputCount"
    assert sorted(re.search(r"page=(\d+)", e["query"]).group(1) for e in log[1:]) == ["1", "2", "3", "4", "5"]
    emulator.admin.clear_requests()
    refused = run(["export", "inputs", "--out", str(out), "--dataset", "x"], env)
    assert refused.exit_code == EXIT_USAGE and "does not take datasets" in refused.output
    assert emulator.admin.requests() == []


def test_the_export_command_is_defined_without_pyarrow():
    """The export command's module, with its inventory and format choices, imports no
    pyarrow: the count request goes out while pyarrow is imported."""
    probe = "import sys, connector.cli.export_cmd; print(sorted(m for m in sys.modules if m.startswith('pyarrow')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr
