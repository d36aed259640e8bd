"""What the benchmark suite's parts share: emulator subprocesses, child processes that
measure themselves, the machine and its load, memory readings."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

USER_ID = "demo"
APP_ID = "demo"
ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def emulator(
    inputs: int,
    latency_ms: float = 0.0,
    rate_limit: float = 0.0,
    *,
    extra: Sequence[str] = (),
    start_timeout: float = 900.0,
) -> Iterator[tuple[str, str]]:
    """An emulator subprocess (its own interpreter: no GIL shared with the client) with
    the demo seed of ``inputs`` inputs; yields (base URL, PAT). Stopped on exit."""
    from connector.emulator.options import DEV_PAT

    env = {k: v for k, v in os.environ.items() if not k.startswith("CLARIFAI_")}
    cmd = [
        sys.executable,
        "-m",
        "connector.emulator",
        "--port",
        "0",
        "--seed",
        "demo",
        "--seed-inputs",
        str(inputs),
        "--latency-ms",
        str(latency_ms),
        "--rate-limit",
        str(rate_limit),
        "--no-validate-responses",
        *extra,
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = _ready_url(proc, start_timeout)
        yield url, DEV_PAT
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


def _ready_url(proc: subprocess.Popen[str], timeout: float) -> str:
    import re

    ready = re.compile(r"ready at (http://\S+)")
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError("emulator exited:\n" + "".join(seen[-20:]))
            continue
        seen.append(line)
        match = ready.search(line)
        if match:
            # Keep draining its output so the pipe never fills.
            import threading

            threading.Thread(target=_drain, args=(proc,), daemon=True).start()
            return match.group(1)
    raise RuntimeError("emulator did not start in time:\n" + "".join(seen[-20:]))


def _drain(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    for _ in proc.stdout:
        pass


def admin(url: str) -> Any:
    from connector.emulator.testing import EmulatorAdmin

    return EmulatorAdmin(url, user_id=USER_ID, app_id=APP_ID)


def run_child(
    module: str, args: Sequence[str], *, pat: str, python: str | None = None, timeout: float = 3600
) -> dict[str, Any]:
    """Run ``python -m module args`` and return the JSON object it prints last, plus
    ``process_seconds``: wall time from spawning the process to its exit."""
    env = {**os.environ, "CLARIFAI_PAT": pat, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run(
        [python or sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout)[-3000:], "process_seconds": round(seconds, 3)}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(seconds, 3)
    return result


def status_kb(field: str) -> int:
    """A ``VmRSS``/``VmHWM`` reading of this process from ``/proc/self/status``, in kB.
    (``ru_maxrss`` is kept across ``exec`` on Linux: a child would report its parent's
    peak, which is how an earlier figure counted 199 MB "after imports".)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds() -> float:
    """User + system CPU time of this process so far (all its threads)."""
    times = os.times()
    return times.user + times.system


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def load() -> float:
    """The 1-minute load average."""
    return round(os.getloadavg()[0], 2)


def print_json(obj: Any) -> None:
    print(json.dumps(obj))
