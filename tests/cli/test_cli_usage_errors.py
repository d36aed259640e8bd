"""Usage errors click finds itself (an unknown flag or command, a value of the wrong type, a
missing argument) print like every other error: one line naming the flag and the help to
read, exit 2, nothing sent."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from connector.cli import main


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["prune", "--keep-last", "abc", "--dry-run"], ["--keep-last", "'abc'", "clarifai-connector prune --help"]),
        (["prune", "--keep-lst", "3"], ["--keep-lst", "--keep-last", "clarifai-connector prune --help"]),
        (["export", "nosuch"], ["'nosuch'", "inputs", "clarifai-connector export --help"]),
        (["tasks", "nosuch"], ["No such command 'nosuch'", "clarifai-connector tasks --help"]),
        (["--bogus", "export", "inputs"], ["--bogus", "clarifai-connector --help"]),
        (["split", "--ratio"], ["--ratio", "clarifai-connector split --help"]),
    ],
)
def test_a_usage_error_is_one_line_naming_the_flag(args, names, env, emulator) -> None:
    emulator.admin.clear_requests()
    result = CliRunner().invoke(main, args, env=env, prog_name="clarifai-connector")
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Usage:" not in result.stderr and "Traceback" not in result.stderr
    for name in names:
        assert name in lines[0]
    assert emulator.admin.requests() == []


def test_help_still_prints_and_exits_0() -> None:
    result = CliRunner().invoke(main, ["prune", "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output and "--keep-last" in result.output
