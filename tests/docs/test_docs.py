"""Docs are tests: every ```python and ```console block of README.md and docs/*.md runs
here, against the emulator, as a reader would run it.

The rules (also in docs/architecture.md, "Docs are tests"):

* Each file starts from an emulator freshly reset to the demo seed (datasets
  cats-dogs, products and street-scenes, versions cd-v1..cd-v5, pr-v1..pr-v3, st-v1,
  tasks label-pets, review-products, street-backlog...; see
  connector/emulator/backend/seed.py), with CLARIFAI_API_BASE, CLARIFAI_PAT,
  CLARIFAI_USER_ID and CLARIFAI_APP_ID pointing at it, in a new temporary working
  directory. Labeling tasks created by a block finish their work in about a second, as
  if labelers were at work. ``http://127.0.0.1:8080`` and ``localhost:8080`` (the
  emulator's default address) in a block stand for the running emulator's address.
* The blocks of one file run in order and share one Python namespace (a block may use
  what an earlier one defined) and, for console blocks, one shell environment
  (``export`` and ``cd`` carry over).
* A ```console block: lines starting with ``$ `` are commands run by bash (a line
  ending in ``\\`` continues on the next), each must exit 0 unless a comment on it
  says ``# exit N`` (followed by anything); the other lines are output, compared only when the block is
  preceded by ``<!-- docs-test: compare -->`` (each output line must appear, in order,
  in what its command printed; runs of spaces count as one; ``...`` matches anything).
* A block preceded by ``<!-- docs-test: skip (why) -->`` is skipped: pytest lists it,
  with the file, line and reason, in its summary of skipped tests (``-ra``).
* Other blocks (```text, ```json, ```yaml, ```toml, no language) are not run.

Every docs/*.md is picked up, so a new page is tested as soon as it lands.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import signal
import subprocess
import sys
import tempfile
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Inputs of the demo seed the docs run against (small: the docs run in seconds).
DOCS_SEED_INPUTS = 2000
#: The emulator's default address, as the docs write it.
DEFAULT_ADDRESSES = ("http://127.0.0.1:8080", "http://localhost:8080", "127.0.0.1:8080", "localhost:8080")
RUN = ("python", "console")
COMMAND_TIMEOUT = 180.0

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_DIRECTIVE = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<body>.*?)\s*-->\s*$")
_SKIP = re.compile(r"^skip\s*\((?P<reason>.+)\)$")
_EXPECT_EXIT = re.compile(r"#\s*exits?\s+(\d+)\b")


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclasses.dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    skip: str | None = None
    compare: bool = False

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def parse_blocks(path: Path) -> list[Block]:
    """Every fenced block of a Markdown file, with the directive just above it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, indent = match.group("fence"), len(match.group("indent"))
        lang = match.group("info").lower()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not re.match(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[j]):
            body.append(lines[j][indent:] if lines[j][:indent].strip() == "" else lines[j])
            j += 1
        directive = _directive_above(lines, i)
        skip, compare = None, False
        if directive is not None:
            skip_match = _SKIP.match(directive)
            if skip_match:
                skip = skip_match.group("reason").strip()
            elif directive == "compare":
                compare = True
            else:
                raise ValueError(f"{path.relative_to(ROOT)}:{i + 1}: unknown docs-test directive {directive!r}")
        blocks.append(Block(path, i + 1, lang, "\n".join(body) + "\n", skip, compare))
        i = j + 1
    return blocks


def _directive_above(lines: list[str], fence_index: int) -> str | None:
    k = fence_index - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    if k < 0:
        return None
    match = _DIRECTIVE.match(lines[k])
    return match.group("body") if match else None


def runnable_blocks() -> list[Block]:
    return [b for path in doc_files() for b in parse_blocks(path) if b.lang in RUN]


# -- running one file's blocks in order ----------------------------------------------------
@dataclasses.dataclass
class Outcome:
    ok: bool
    message: str = ""


class DocRun:
    """The state of one file's run: its emulator (reset once), namespace, shell
    environment and working directory; blocks run in order, each once."""

    def __init__(self, path: Path, server: Any) -> None:
        self.path, self.server = path, server
        self.blocks = [b for b in parse_blocks(path) if b.lang in RUN]
        self.outcomes: dict[int, Outcome] = {}
        self._next = 0
        self._tmp = tempfile.TemporaryDirectory(prefix="docs-")
        self.cwd = Path(self._tmp.name)
        self.module = types.ModuleType("docs_" + re.sub(r"\W", "_", path.stem))
        self.shell_state = self.cwd / ".docs-shell-state"
        server.admin.reset(seed="demo", seed_inputs=DOCS_SEED_INPUTS, task_work_seconds=1.0)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CLARIFAI_") or "VALIDATE" in k},
            **server.env(),
            "CLARIFAI_RATE_LIMIT": "0",
            "CLARIFAI_PAT_FILE": "",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "COLUMNS": "200",
        }
        self.shell_state.write_text(f"cd {self.cwd}\n", encoding="utf-8")

    def close(self) -> None:
        self._tmp.cleanup()

    def localize(self, text: str) -> str:
        host_port = self.server.base_url.split("://", 1)[1]
        for address in DEFAULT_ADDRESSES:
            replacement = self.server.base_url if address.startswith("http") else host_port
            text = text.replace(address, replacement)
        return text

    def run_through(self, block: Block) -> Outcome:
        index = self.blocks.index(block)
        while self._next <= index:
            current = self.blocks[self._next]
            self._next += 1
            if current.skip is None:
                self.outcomes[current.line] = self._run(current)
        return self.outcomes[block.line]

    def _run(self, block: Block) -> Outcome:
        try:
            if block.lang == "python":
                self._python(block)
            else:
                self._console(block)
        except Exception as exc:
            import traceback

            return Outcome(False, f"{block.where} failed:\n{''.join(traceback.format_exception(exc))}")
        return Outcome(True)

    def _python(self, block: Block) -> None:
        code = compile(self.localize(block.text), block.where, "exec")
        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        sys.modules[self.module.__name__] = self.module
        try:
            os.environ.clear()
            os.environ.update(self.env)
            os.chdir(self.cwd)
            exec(code, self.module.__dict__)
        finally:
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
            sys.modules.pop(self.module.__name__, None)

    def _console(self, block: Block) -> None:
        commands = list(console_commands(self.localize(block.text)))
        if not commands:
            raise AssertionError(f"{block.where}: a console block runs commands: start each with '$ '")
        for command, expected_exit, expected in commands:
            script = (
                f"source {self.shell_state}\n"
                f"{command}\n"
                "__rc=$?\n"
                f'{{ export -p; echo cd "$(pwd)"; }} > {self.shell_state}\n'
                "exit $__rc\n"
            )
            returncode, stdout, stderr = run_shell(script, env=self.env, cwd=self.cwd)
            shown = stdout + stderr
            if returncode != expected_exit:
                raise AssertionError(
                    f"$ {command}\nexited {returncode}, expected {expected_exit}\n--- output ---\n{shown}"
                )
            if block.compare:
                missing = unmatched(expected, shown)
                if missing is not None:
                    raise AssertionError(f"$ {command}\nno output line matches {missing!r}\n--- output ---\n{shown}")


def run_shell(script: str, *, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run ``script`` with bash in its own process group; on timeout the whole group
    (a server a command started included) is killed and the command fails."""
    proc = subprocess.Popen(
        ["bash", "-c", script],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        raise AssertionError(f"still running after {COMMAND_TIMEOUT:g}s (killed):\n{stdout}{stderr}") from None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # nothing a command started outlives it
    return proc.returncode, stdout, stderr


def console_commands(text: str) -> Iterator[tuple[str, int, list[str]]]:
    """``(command, expected exit code, expected output lines)`` of a console block."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            i += 1
            continue
        command = line[2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command = command + "\n" + lines[i]  # bash joins the lines
        i += 1
        expected = []
        while i < len(lines) and not lines[i].startswith("$ "):
            if lines[i].strip():
                expected.append(lines[i])
            i += 1
        match = _EXPECT_EXIT.search(command)
        yield command, int(match.group(1)) if match else 0, expected


def unmatched(expected: list[str], output: str) -> str | None:
    """The first expected line that does not appear (in order) in ``output``."""
    got = [" ".join(line.split()) for line in output.splitlines()]
    position = 0
    for line in expected:
        pattern = re.compile(".*".join(re.escape(part) for part in " ".join(line.split()).split("...")) + "$")
        while position < len(got) and not pattern.match(got[position]):
            position += 1
        if position == len(got):
            return line
        position += 1
    return None


# -- the tests ------------------------------------------------------------------------
BLOCKS = runnable_blocks()


@pytest.fixture(scope="module")
def doc_runs(emulator_server: Any) -> Iterator[dict[Path, DocRun]]:
    runs: dict[Path, DocRun] = {}
    yield runs
    for run in runs.values():
        run.close()


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.where}-{b.lang}" for b in BLOCKS])
def test_doc_block(block: Block, doc_runs: dict[Path, DocRun], emulator_server: Any) -> None:
    if block.skip is not None:
        pytest.skip(f"{block.where}: {block.skip}")
    run = doc_runs.get(block.path)
    if run is None:
        for other in doc_runs.values():  # one file at a time: the emulator is shared
            other.close()
        doc_runs.clear()
        run = doc_runs[block.path] = DocRun(block.path, emulator_server)
    outcome = run.run_through(block)
    assert outcome.ok, outcome.message


def test_every_markdown_file_is_read_and_its_directives_are_known() -> None:
    files = doc_files()
    assert ROOT / "README.md" in files and len(files) > 1
    for path in files:
        parse_blocks(path)  # raises on an unknown directive


def test_the_runner_parses_its_own_rules(tmp_path: Path) -> None:
    doc = tmp_path / "page.md"
    doc.write_text(
        "Intro\n\n<!-- docs-test: skip (needs S3) -->\n```python\nimport boto3\n```\n\n"
        "<!-- docs-test: compare -->\n\n```console\n$ echo a \\\n  b   # exit 0\na b\n$ false  # exit 1\n```\n"
        "```text\nnot run\n```\n",
        encoding="utf-8",
    )
    blocks = parse_blocks(doc)
    assert [(b.lang, b.skip, b.compare) for b in blocks] == [
        ("python", "needs S3", False),
        ("console", None, True),
        ("text", None, False),
    ]
    commands = list(console_commands(blocks[1].text))
    assert commands == [("echo a \\\n  b   # exit 0", 0, ["a b"]), ("false  # exit 1", 1, [])]
    assert unmatched(["a  ...", "c"], "x\na   b\nc\n") is None
    assert unmatched(["c", "a"], "a\nc\n") == "a"  # in order
