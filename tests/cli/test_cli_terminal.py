"""The confirmation question on a real terminal: the command line runs in a pseudo
terminal (stdin, stdout and stderr all on it), shows the plan, asks, and applies only
on "y"."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest

from tests.support.cli import cli_env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo terminal")


class Terminal:
    """A command running on a pseudo terminal: read what it shows, type answers."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self._master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from connector.cli import main; main()", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, **env, "COLUMNS": "200", "TERM": "xterm"},
            close_fds=True,
        )
        os.close(slave)
        self.screen = ""

    def read_until(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout  # a bound on a hang, not a speed assertion
        while text not in self.screen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} never appeared; the terminal shows:\n{self.screen}")
            ready, _, _ = select.select([self._master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self._master, 4096)
                except OSError:  # the command ended and closed the terminal
                    chunk = b""
                if not chunk:
                    if text not in self.screen:
                        raise AssertionError(f"{text!r} never appeared; the terminal shows:\n{self.screen}")
                    break
                self.screen += chunk.decode("utf-8", "replace")
        return self.screen

    def type(self, text: str) -> None:
        os.write(self._master, text.encode())

    def finish(self) -> int:
        try:
            while True:
                ready, _, _ = select.select([self._master], [], [], 60)
                if not ready:
                    break
                chunk = os.read(self._master, 4096)
                if not chunk:
                    break
                self.screen += chunk.decode("utf-8", "replace")
        except OSError:
            pass
        code = self.proc.wait(timeout=60)
        os.close(self._master)
        return code


@pytest.fixture
def demo_env(emulator):
    emulator.admin.reset(seed="demo", seed_inputs=50)
    return {**cli_env(emulator), "CLARIFAI_RATE_LIMIT": "0"}


def _versions(emulator) -> list[str]:
    return sorted(v["id"] for v in emulator.admin.snapshot()["demo/demo"]["dataset_versions"]["cats-dogs"])


@pytest.mark.parametrize(("answer", "applied"), [("y", True), ("n", False), ("", False)])
def test_prune_asks_on_a_terminal_and_applies_only_on_yes(emulator, demo_env, answer, applied):
    term = Terminal(["prune", "--dataset", "cats-dogs", "--keep-last", "1"], demo_env)
    screen = term.read_until("[y/N]")
    assert screen.index("Plan: 1 to delete, 4 to keep") < screen.index("cd-v1") < screen.index("Delete 1 dataset")
    assert emulator.admin.requests(mutated=True) == []  # nothing written before the answer
    term.type(answer + "\r")
    code = term.finish()
    if applied:
        assert code == 0, term.screen
        assert "Deleted 1 dataset version: cats-dogs/cd-v1" in term.screen
        assert "cd-v1" not in _versions(emulator)
    else:
        assert code == 1, term.screen
        assert "Not applied: nothing was changed." in term.screen
        assert "cd-v1" in _versions(emulator) and emulator.admin.requests(mutated=True) == []


def test_yes_skips_the_question_on_a_terminal(emulator, demo_env):
    term = Terminal(["tasks", "delete", "label-pets", "--yes"], demo_env)
    code = term.finish()
    assert code == 0, term.screen
    assert "[y/N]" not in term.screen and "Deleted 1 task: label-pets" in term.screen
