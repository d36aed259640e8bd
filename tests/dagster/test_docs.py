"""docs/dagster.md runs as written (the docs-as-tests convention):
every ```python block, in file order and one namespace per file, and every ```console
line starting with `$ `, with CLARIFAI_* pointing at an emulator freshly reset to the
demo seed and a temporary working directory. A block preceded by
`<!-- docs-test: skip (why) -->` is not run."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from connector.emulator.testing import EmulatorServer
from tests.dagster.helpers import ROOT

DOCS = [ROOT / "docs" / "dagster.md"]
_BLOCK = re.compile(r"(?P<skip><!-- docs-test: skip \([^)]*\) -->\n)?```(?P<lang>[a-z]*)\n(?P<body>.*?)```", re.S)
#: The demo seed's documented size (docs may rely on its datasets being this large).
DEMO_SEED_INPUTS = 20_000


def blocks(path: Path) -> list[tuple[str, str, bool]]:
    """``(language, body, skipped)`` of every fenced block of ``path``, in order."""
    return [(m["lang"], m["body"], bool(m["skip"])) for m in _BLOCK.finditer(path.read_text(encoding="utf-8"))]


def test_the_block_parser_sees_skips_and_languages(tmp_path: Path) -> None:
    sample = tmp_path / "x.md"
    sample.write_text(
        "```python\na = 1\n```\n<!-- docs-test: skip (why) -->\n```console\n$ false\n```\n```yaml\nk: v\n```\n"
    )
    assert blocks(sample) == [("python", "a = 1\n", False), ("console", "$ false\n", True), ("yaml", "k: v\n", False)]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_runs(doc: Path, emulator_server: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator_server.admin.reset(seed="demo", seed_inputs=DEMO_SEED_INPUTS)
    for name, value in emulator_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{doc.stem}"}
    ran = 0
    for lang, body, skipped in blocks(doc):
        if skipped:
            continue
        if lang == "python":
            exec(compile(body, f"{doc.name}:python", "exec"), namespace)
            ran += 1
        elif lang == "console":
            for line in body.splitlines():
                if line.startswith("$ "):
                    done = subprocess.run(
                        line[2:], shell=True, capture_output=True, text=True, timeout=300, check=False
                    )
                    assert done.returncode == 0, f"{doc.name}: {line}\n{done.stdout}\n{done.stderr}"
                    ran += 1
    assert ran, f"{doc.name} has no runnable block"
    assert emulator_server.admin.violations() == []
