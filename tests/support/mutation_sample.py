"""Names of mutants to run next, for a mutation run too long for one sitting:
``python -m tests.support.mutation_sample [--fraction F] [--seed S] PREFIX...`` prints the
mutants under ``mutants/`` whose names start with a PREFIX, that have no result yet and
that ``mutation-equivalents.toml`` does not already name (those would only survive, after
running every test that reaches them). With ``--fraction``, a seeded random sample of
them, so that a part of a module measured stands for the whole of it.

Pass the names to ``mutmut run`` (docs/testing.md):
``mutmut run --max-children 2 $(python -m tests.support.mutation_sample --fraction 0.1 connector.operations.split.)``
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence

from tests.support.mutation_report import change_of, load_equivalents, readable_function


def pending(prefixes: Sequence[str]) -> tuple[list[str], int]:
    """Mutants with no result yet under ``prefixes``, and how many were left out as
    already listed equivalents."""
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.utils.file_utils import walk_mutatable_files

    equivalents = load_equivalents()
    names: list[str] = []
    known = 0
    for path in sorted(walk_mutatable_files()):
        data = SourceFileMutationData(path=path)
        data.load()
        for name, code in sorted(data.exit_code_by_key.items()):
            if code is not None or not name.startswith(tuple(prefixes)):
                continue
            function, change = readable_function(name), change_of(get_diff_for_mutant(name, path=path))
            if any(e.matches(function, change) for e in equivalents):
                known += 1
                continue
            names.append(name)
    return names, known


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.mutation_sample", description=__doc__)
    parser.add_argument("prefixes", nargs="+", help="mutant name prefixes, e.g. connector.operations.split.")
    parser.add_argument("--fraction", type=float, default=1.0, help="share of them to print, 0 < F <= 1 (default 1)")
    parser.add_argument("--seed", type=int, default=20261130, help="seed of the sample (default 20261130)")
    args = parser.parse_args(argv)
    if not 0 < args.fraction <= 1:
        parser.error("--fraction must be above 0 and at most 1")
    names, known = pending(args.prefixes)
    if args.fraction < 1:
        names = sorted(random.Random(args.seed).sample(names, k=round(len(names) * args.fraction)))
    print("\n".join(names))
    print(f"{len(names)} mutants; {known} left out as listed equivalents", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
