"""The emulator in its own process (``python -m connector.emulator``), for tests of the
command itself and for tests whose measure is the server's: with the emulator in the
test's own process, its event loop shares the interpreter lock with the client's
threads, and the arrival times it logs move with them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, NamedTuple

import httpx

from connector.emulator.options import validate_forced

#: The banner's first line: base URL, user, app, and how the PAT was chosen.
READY = re.compile(r"Clarifai emulator ready at (http://\S+) \(user (\S+), app (\S+), (.*)\)")


class Started(NamedTuple):
    """A running emulator process: its ready line, what it printed up to it, and its
    output stream (the rest of the banner follows)."""

    ready: re.Match[str]
    output: str
    stdout: IO[str]

    @property
    def url(self) -> str:
        return self.ready.group(1)


def clean_environ(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without CLARIFAI_* (but with the suite's switch that
    validates every answer), then ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLARIFAI_") or k.endswith("VALIDATE_RESPONSES")}
    clean.update(env or {})
    return clean


@contextmanager
def emulator_started(*args: str, env: Mapping[str, str] | None = None) -> Iterator[Started]:
    """Run ``python -m connector.emulator --port 0 ARGS`` (environment: ``clean_environ(env)``)
    until its ready line; stopped on exit. When the suite validates every answer
    (conftest), leaving the block also checks that none of this process's answers
    broke its official message."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector.emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_environ(env),
    )
    try:
        assert proc.stdout is not None
        lines = []
        for _ in range(50):  # the banner comes first; bounded in case it never does
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            match = READY.search(line)
            if match:
                yield Started(match, "".join(lines), proc.stdout)
                if validate_forced():
                    assert httpx.get(f"{match.group(1)}/_emulator/violations").json()["violations"] == []
                return
        raise AssertionError("the emulator did not print its ready line:\n" + "".join(lines))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - only if shutdown hangs
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


@contextmanager
def emulator_process(*args: str) -> Iterator[str]:
    """:func:`emulator_started`, yielding its base URL."""
    with emulator_started(*args) as started:
        yield started.url
