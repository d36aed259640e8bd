"""An emulator in its own process (``python -m connector.emulator``), for tests whose
measure is the server's: with the emulator in the test's own process, its event loop
shares the interpreter lock with the client's threads, and the arrival times it logs
move with them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

READY = re.compile(r"Clarifai emulator ready at (http://\S+) ")


@contextmanager
def emulator_process(*args: str) -> Iterator[str]:
    """Run ``python -m connector.emulator --port 0 ARGS`` and yield its base URL once it
    prints its ready line; stopped on exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLARIFAI_") or k.endswith("VALIDATE_RESPONSES")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector.emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
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
                yield match.group(1)
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
