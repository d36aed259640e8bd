"""The terminal recording docs/cli.md links to is there and shows plan → confirm →
apply (regenerate it with ``python docs/recordings/record.py``)."""

from __future__ import annotations

import json
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_cli_md_links_the_recording():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert "(recordings/prune.cast)" in text and "(recordings/prune.txt)" in text


def test_the_cast_is_asciinema_v2_and_shows_plan_question_apply():
    lines = (DOCS / "recordings" / "prune.cast").read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2 and header["width"] > 0 and header["height"] > 0
    events = [json.loads(line) for line in lines[1:]]
    assert all(kind == "o" and isinstance(data, str) for _, kind, data in events)
    times = [at for at, _, _ in events]
    assert times == sorted(times)
    shown = "".join(data for _, _, data in events)
    plan, question, done = (
        shown.index("Plan: 2 to delete"),
        shown.index("Delete 2 dataset versions? [y/N]: y"),
        shown.index("Deleted 2 dataset versions"),
    )
    assert plan < question < done


def test_the_text_capture_shows_the_same_session():
    text = (DOCS / "recordings" / "prune.txt").read_text(encoding="utf-8")
    assert text.startswith("$ clarifai-connector prune --dataset cats-dogs")
    for expected in ("Plan: 2 to delete, 3 to keep", "cd-v3", "[y/N]: y", "Deleted 2 dataset versions"):
        assert expected in text
