"""Record `clarifai-connector prune` on a terminal: plan, question, apply.

Makes the two files docs/cli.md links to, against a local emulator with the demo seed:

* ``prune.cast``: an asciinema v2 recording of the command running on a pseudo terminal
  (what it printed, when; the command line and the answer are typed by this script);
* ``prune.txt``: the same session as a tmux pane shows it at the end
  (``tmux capture-pane -p``), as plain text.

Run from the repository root: ``python docs/recordings/record.py`` (needs the
``emulator`` extra, and tmux for the text capture).
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import shlex
import shutil
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT = 110, 30
COMMAND = "clarifai-connector prune --dataset cats-dogs --keep-last 1 --delete-failed-older-than 7d"
BIN = Path(sys.executable).parent


@contextmanager
def emulator() -> Iterator[str]:
    """A demo-seeded emulator on a free port; yields its banner's ``export`` line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLARIFAI_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector.emulator", "--port", "0", "--seed", "demo", "--seed-inputs", "2000"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        for _ in range(10):
            line = proc.stdout.readline().strip()
            if line.startswith("export "):
                yield line
                return
        raise RuntimeError("the emulator printed no export line")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def environment(export_line: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLARIFAI_")}
    for item in shlex.split(export_line)[1:]:
        name, _, value = item.partition("=")
        env[name] = value
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        TERM="xterm-256color",
        COLUMNS=str(WIDTH),
        LINES=str(HEIGHT),
    )
    return env


def record_cast(export_line: str, path: Path) -> None:
    """Run the command on a pseudo terminal, answer "y", and write what it showed."""
    events: list[tuple[float, str]] = []
    start = time.monotonic()

    def out(text: str, at: float | None = None) -> None:
        events.append((round((time.monotonic() - start) if at is None else at, 3), text))

    t = 0.3
    for char in "$ " + COMMAND:  # the typed command line
        out(char, t)
        t += 0.03
    out("\r\n", t)
    start = time.monotonic() - t - 0.2
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
    proc = subprocess.Popen(
        shlex.split(COMMAND), stdin=slave, stdout=slave, stderr=slave, env=environment(export_line), close_fds=True
    )
    os.close(slave)
    shown, answered = "", False
    while True:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536).decode("utf-8", "replace")
            except OSError:
                chunk = ""
            if chunk:
                out(chunk)
                shown += chunk
            elif proc.poll() is not None:
                break
        elif proc.poll() is not None:
            break
        if not answered and "[y/N]" in shown:
            time.sleep(1.5)  # a person reads the plan
            os.write(master, b"y\r")
            answered = True
    os.close(master)
    out("$ ")
    header = {
        "version": 2,
        "width": WIDTH,
        "height": HEIGHT,
        "timestamp": int(time.time()),
        "title": "clarifai-connector prune: plan, confirm, apply (docs/recordings/record.py)",
        "env": {"SHELL": "/bin/bash", "TERM": "xterm-256color"},
    }
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(header) + "\n")
        for at, text in events:
            fh.write(json.dumps([at, "o", text]) + "\n")


def capture_tmux(export_line: str, path: Path) -> None:
    """The same session in tmux: paste the export line, run the command, answer "y",
    and capture the pane as text."""
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is not installed: the text capture needs it")
    session = f"prune-recording-{os.getpid()}"
    env = environment(export_line)
    tmux = ["tmux", "-L", session]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT), "bash --norc --noprofile"],
        env=env,
        check=True,
    )
    try:

        def pane() -> str:
            return subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
            ).stdout

        def keys(*text: str) -> None:
            subprocess.run([*tmux, "send-keys", "-t", session, *text], check=True)

        keys("PS1='$ '; clear", "Enter")  # the environment holds the banner's export line already
        keys(COMMAND, "Enter")
        for _ in range(300):
            if "[y/N]" in pane():
                break
            time.sleep(0.1)
        keys("y", "Enter")
        for _ in range(300):
            if re.search(r"^Deleted .*\n\$ $", pane().rstrip() + " ", re.M):
                break
            time.sleep(0.1)
        text = "\n".join(line.rstrip() for line in pane().rstrip().splitlines())
        path.write_text(text + "\n", encoding="utf-8")
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)


def main() -> None:
    with emulator() as export_line:
        record_cast(export_line, HERE / "prune.cast")
    with emulator() as export_line:
        capture_tmux(export_line, HERE / "prune.txt")
    print(f"wrote {HERE / 'prune.cast'} and {HERE / 'prune.txt'}")


if __name__ == "__main__":
    main()
