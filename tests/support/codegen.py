"""Generates the ``StatusCode`` enum of ``connector/status_codes.py`` from the official
``clarifai-grpc`` descriptors.

``tests/client/test_status_codes.py`` fails when the committed enum differs from what this
prints; regenerate with ``python -m tests.support.codegen --write``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

BEGIN = "    # -- generated: begin (python -m tests.support.codegen --write) --"
END = "    # -- generated: end --"
STATUS_CODES_PY = Path(__file__).resolve().parents[2] / "connector" / "status_codes.py"


def enum_body() -> str:
    """One ``NAME = number`` line per official value, in descriptor order (the first name
    of a number is its canonical name; later ones are aliases, as in protobuf)."""
    from clarifai_grpc.grpc.api.status import status_code_pb2

    lines = [BEGIN]
    for value in status_code_pb2.StatusCode.DESCRIPTOR.values:
        deprecated = "  # deprecated" if value.GetOptions().deprecated else ""
        lines.append(f"    {value.name} = {value.number}{deprecated}")
    lines.append(END)
    return "\n".join(lines)


def render(text: str) -> str:
    """``text`` (the module's source) with its generated block replaced by a fresh one."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"markers not found in {STATUS_CODES_PY}")
    return pattern.sub(lambda _: enum_body(), text, count=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite connector/status_codes.py in place")
    args = parser.parse_args()
    current = STATUS_CODES_PY.read_text(encoding="utf-8")
    fresh = render(current)
    if args.write:
        STATUS_CODES_PY.write_text(fresh, encoding="utf-8")
    print("up to date" if fresh == current else ("rewritten" if args.write else "out of date"))


if __name__ == "__main__":
    main()
