"""docs/report.md runs as written: its Python blocks in order in one namespace, then its
shell commands, against the emulator's demo app, in a fresh working directory (the
docs-as-tests convention)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from tests.support.cli import cli_env
from tests.support.report_page import ReportPage

DOC = Path(__file__).resolve().parents[2] / "docs" / "report.md"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)


def test_the_python_blocks_run(emulator, monkeypatch, tmp_path):
    emulator.admin.reset(seed="demo", seed_inputs=1000)
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    code = blocks("python")
    assert len(code) >= 2
    namespace: dict[str, object] = {"__name__": "docs_report"}
    for block in code:
        exec(compile(block, str(DOC), "exec"), namespace)
    page = ReportPage.parse((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert page.inventory_rows()["inputs"] == 1000
    assert page.version_counts()["cats-dogs"]["would_delete"] >= 1
    assert emulator.pat not in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_the_shell_commands_run(emulator, tmp_path):
    emulator.admin.reset(seed="demo", seed_inputs=1000)
    program = str(Path(sys.executable).with_name("clarifai-connector"))
    commands = [line[2:] for block in blocks("console") for line in block.splitlines() if line.startswith("$ ")]
    assert commands
    for command in commands:
        args = shlex.split(command)
        assert args[0] == "clarifai-connector", command
        done = subprocess.run(
            [program, *args[1:]], cwd=tmp_path, env=cli_env(emulator), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, (command, done.stderr)
    assert (tmp_path / "report.html").exists() and (tmp_path / "from-files.html").exists()
