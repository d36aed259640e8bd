"""The figures of a mutation run (``make mutation``): killed mutants per module of the core.

Run from the project root after ``mutmut run``::

    python -m tests.support.mutation_report            # the table; exit 1 below the bar
    python -m tests.support.mutation_report --survivors  # also each surviving mutant's diff

A mutant counts as killed when a test failed on it or it ran past its time limit (a
mutation that makes the code hang is caught). Equivalent mutants (a change no test can
see, because the behaviour is the same) and hidden ones (that mutmut's way of switching
mutants keeps from every test: code that runs only while the package is imported,
default argument values only the elapsed time would show) are listed with the reason
in ``mutation-equivalents.toml`` and left out of the score; each entry names the function
and the line before and after the change, so it still matches after unrelated edits
renumber mutmut's mutants. An entry that matches no surviving mutant is reported as
stale. Mutants a stopped run did not reach are counted apart ("not run"), outside the
score, with the score were they all to survive. The bar: at least 85% killed in all,
and 75% in each module.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

EQUIVALENTS_FILE = Path("mutation-equivalents.toml")
TOTAL_BAR = 0.85
MODULE_BAR = 0.75

KILLED = frozenset({"killed", "timeout", "caught by type check", "segfault"})
#: Kinds of entries in the equivalents file: equivalent, or hidden from tests by mutmut.
KINDS = ("equivalent", "import-time", "default")


@dataclasses.dataclass(frozen=True)
class Equivalent:
    """One equivalent mutant: in ``function``, the line ``original`` becomes ``mutated``.

    ``kind`` is ``"equivalent"`` (the behaviour is the same), or one of the kinds hidden
    from every test by how mutmut switches mutants (mutmut's limit, not the tests'):
    ``"import-time"`` (the function runs only while the package is imported, before a
    mutant is switched on) and ``"default"`` (a default argument value that only the
    elapsed time would show: the signature mutmut's wrapper reports is the original's,
    so a test of the documented default cannot see it)."""

    function: str
    original: str
    mutated: str
    reason: str
    kind: str = "equivalent"

    def matches(self, function: str, change: tuple[str, str]) -> bool:
        if self.function != function:
            return False
        if self.kind != "equivalent" and self.original == self.mutated == "*":
            return True  # every mutant of a function that only runs at import
        return (_squash(self.original), _squash(self.mutated)) == change


@dataclasses.dataclass
class ModuleFigures:
    module: str
    mutants: int = 0
    killed: int = 0
    survived: int = 0
    no_tests: int = 0
    equivalent: int = 0
    hidden: int = 0
    other: int = 0
    not_run: int = 0

    @property
    def counted(self) -> int:
        """The mutants the score is over: every one run but the equivalent and hidden ones."""
        return self.mutants - self.equivalent - self.hidden - self.not_run

    @property
    def worst_score(self) -> float:
        """The score were every mutant not run yet to survive."""
        total = self.counted + self.not_run
        return self.killed / total if total else 1.0

    @property
    def score(self) -> float:
        return self.killed / self.counted if self.counted else 1.0


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def readable_function(mutant: str) -> str:
    """``connector.retry.x_retry_reason__mutmut_3`` -> ``connector.retry.retry_reason``;
    ``connector.errors.xǁClarifaiErrorǁ_render__mutmut_1`` -> ``connector.errors.ClarifaiError._render``."""
    base = re.sub(r"__mutmut_\d+$", "", mutant)
    module, _, name = base.rpartition(".")
    if name.startswith("xǁ"):
        name = name[2:].replace("ǁ", ".")
    elif name.startswith("x_"):
        name = name[2:]
    return f"{module}.{name}"


def change_of(diff: str) -> tuple[str, str]:
    """The lines a mutant removes and adds, each side joined and squashed."""
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return _squash(" ".join(removed)), _squash(" ".join(added))


def load_equivalents(path: Path = EQUIVALENTS_FILE) -> list[Equivalent]:
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text())
    entries = [
        Equivalent(e["function"], e["original"], e["mutated"], e["reason"], e.get("kind", "equivalent"))
        for e in data.get("equivalent", [])
    ]
    unknown = sorted({e.kind for e in entries} - set(KINDS))
    if unknown:
        raise ValueError(f"{path}: unknown kind(s) {unknown}; use one of {list(KINDS)}")
    return entries


def collect(equivalents: Sequence[Equivalent]) -> tuple[list[ModuleFigures], dict[str, str], set[Equivalent]]:
    """Figures per module, the diff of each mutant not killed (by name), and the
    equivalents that matched a mutant. Reads mutmut's results under ``mutants/``."""
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    figures: list[ModuleFigures] = []
    survivors: dict[str, str] = {}
    used: set[Equivalent] = set()
    for path in sorted(walk_mutatable_files()):
        data = SourceFileMutationData(path=path)
        data.load()
        if not any(code is not None for code in data.exit_code_by_key.values()):
            continue  # not generated, or a partial run (make mutation MUTANTS=...) left this module out
        module = ".".join(Path(path).with_suffix("").parts).removesuffix(".__init__")
        statuses = {
            name: None if code is None else status_by_exit_code[code] for name, code in data.exit_code_by_key.items()
        }
        row, not_killed, matched = tally(
            module, statuses, lambda name, path=path: get_diff_for_mutant(name, path=path), equivalents
        )
        figures.append(row)
        survivors.update(not_killed)
        used |= matched
    return figures, survivors, used


def tally(
    module: str,
    statuses: Mapping[str, str | None],
    diff_of: Callable[[str], str],
    equivalents: Sequence[Equivalent],
) -> tuple[ModuleFigures, dict[str, str], set[Equivalent]]:
    """One module's figures from each mutant's status (``None``: not run yet), the diff of
    each mutant not killed, and the listed equivalents that matched. A mutant that a
    listed entry matches counts as equivalent or hidden whether it ran or not (the
    sampler leaves those out of a run: they could only survive); any other mutant not run
    counts as not run, outside the score."""
    row = ModuleFigures(module)
    survivors: dict[str, str] = {}
    used: set[Equivalent] = set()
    for name, status in sorted(statuses.items()):
        row.mutants += 1
        if status in KILLED:
            row.killed += 1
            continue
        diff = diff_of(name)
        function, change = readable_function(name), change_of(diff)
        match = next((e for e in equivalents if e.matches(function, change)), None)
        if match is not None:
            if match.kind == "equivalent":
                row.equivalent += 1
            else:
                row.hidden += 1
            used.add(match)
            continue
        if status is None:
            row.not_run += 1
            continue
        if status == "survived":
            row.survived += 1
        elif status == "no tests":
            row.no_tests += 1
        else:
            row.other += 1
        survivors[name] = f"# {name}: {status}\n{diff}"
    return row, survivors, used


def table(figures: Iterable[ModuleFigures]) -> str:
    rows = list(figures)
    total = ModuleFigures("total")
    for row in rows:
        for field in ("mutants", "killed", "survived", "no_tests", "equivalent", "hidden", "other", "not_run"):
            setattr(total, field, getattr(total, field) + getattr(row, field))
    lines = [
        "| module | mutants | equivalent | hidden | killed | survived | no tests | other | not run | killed % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in [*rows, total]:
        name = f"**{row.module}**" if row is total else f"`{row.module}`"
        lines.append(
            f"| {name} | {row.mutants} | {row.equivalent} | {row.hidden} | {row.killed} | {row.survived} "
            f"| {row.no_tests} | {row.other} | {row.not_run} | {row.score:.1%} |"
        )
    return "\n".join(lines)


def verdict(figures: Sequence[ModuleFigures]) -> list[str]:
    """What falls short of the bar (empty when the run passes)."""
    problems = []
    killed = sum(r.killed for r in figures)
    counted = sum(r.counted for r in figures)
    if counted and killed / counted < TOTAL_BAR:
        problems.append(f"total {killed / counted:.1%} killed, below {TOTAL_BAR:.0%}")
    problems += [f"{r.module}: {r.score:.1%} killed, below {MODULE_BAR:.0%}" for r in figures if r.score < MODULE_BAR]
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--survivors", action="store_true", help="print the diff of every mutant not killed")
    args = parser.parse_args(argv)
    equivalents = load_equivalents()
    figures, survivors, used = collect(equivalents)
    if not figures:
        print("no mutation results under mutants/: run `make mutation` first", file=sys.stderr)
        return 2
    if args.survivors:
        for text in survivors.values():
            print(text, end="\n\n")
    print(table(figures))
    modules = {r.module for r in figures}

    def owner(function: str) -> str:  # the module of a function: the longest matching prefix
        return max((m for m in modules if function.startswith(m + ".")), key=len, default="")

    stale = [e for e in equivalents if e not in used and owner(e.function) in modules]
    for entry in stale:
        print(f"stale equivalent (matches no mutant): {entry.function}: {entry.original!r} -> {entry.mutated!r}")
    not_run = sum(r.not_run for r in figures)
    if not_run:
        worst = ModuleFigures("total", killed=sum(r.killed for r in figures))
        worst.mutants = sum(r.counted + r.not_run for r in figures)
        print(
            f"not run yet: {not_run} mutants; were they all to survive: {worst.score:.1%} in all, "
            + ", ".join(f"{r.module} {r.worst_score:.1%}" for r in figures if r.not_run)
        )
    problems = verdict(figures)
    for problem in problems:
        print(f"below the bar: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
