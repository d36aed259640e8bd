"""How `make mutation`'s report counts a module's mutants (tests/support/mutation_report.py):
killed, listed as equivalent or hidden, survived, not run yet; and the bar it holds."""

from __future__ import annotations

import pytest

from tests.support.mutation_report import Equivalent, ModuleFigures, tally, verdict

MODULE = "connector.sample"
DIFFS = {
    "connector.sample.x_f__mutmut_1": "--- a\n+++ b\n-    if a < b:\n+    if a <= b:\n",
    "connector.sample.x_f__mutmut_2": "--- a\n+++ b\n-    return x\n+    return None\n",
    "connector.sample.x_f__mutmut_3": "--- a\n+++ b\n-    name = 'a'\n+    name = 'XXaXX'\n",
    "connector.sample.x_f__mutmut_4": "--- a\n+++ b\n-    pool(workers=2)\n+    pool(workers=3)\n",
    "connector.sample.x_f__mutmut_5": "--- a\n+++ b\n-    retries = 5\n+    retries = 6\n",
    "connector.sample.x_g__mutmut_1": "--- a\n+++ b\n-    y = 1\n+    y = 2\n",
}
POOL = Equivalent("connector.sample.f", "pool(workers=2)", "pool(workers=3)", "a larger pool stays idle")
IMPORT = Equivalent("connector.sample.g", "*", "*", "runs at import", kind="import-time")


def figures(statuses: dict[str, str | None]) -> tuple[ModuleFigures, dict[str, str], set[Equivalent]]:
    return tally(MODULE, statuses, DIFFS.__getitem__, [POOL, IMPORT])


def test_each_mutant_is_counted_once_by_what_became_of_it() -> None:
    row, survivors, used = figures(
        {
            "connector.sample.x_f__mutmut_1": "killed",
            "connector.sample.x_f__mutmut_2": "timeout",
            "connector.sample.x_f__mutmut_3": "survived",
            "connector.sample.x_f__mutmut_4": "survived",
            "connector.sample.x_f__mutmut_5": "no tests",
            "connector.sample.x_g__mutmut_1": "survived",
        }
    )
    assert (row.mutants, row.killed, row.survived, row.no_tests, row.equivalent, row.hidden, row.not_run) == (
        6,
        2,
        1,
        1,
        1,
        1,
        0,
    )
    assert row.counted == 4 and row.score == pytest.approx(0.5)
    assert sorted(survivors) == ["connector.sample.x_f__mutmut_3", "connector.sample.x_f__mutmut_5"]
    assert survivors["connector.sample.x_f__mutmut_3"].startswith("# connector.sample.x_f__mutmut_3: survived\n---")
    assert used == {POOL, IMPORT}


def test_a_mutant_not_run_is_outside_the_score_unless_it_is_a_listed_equivalent() -> None:
    row, survivors, used = figures(
        {
            "connector.sample.x_f__mutmut_1": "killed",
            "connector.sample.x_f__mutmut_2": None,
            "connector.sample.x_f__mutmut_3": "survived",
            "connector.sample.x_f__mutmut_4": None,
        }
    )
    assert (row.mutants, row.killed, row.survived, row.equivalent, row.not_run) == (4, 1, 1, 1, 1)
    assert row.counted == 2 and row.score == pytest.approx(0.5)
    assert row.worst_score == pytest.approx(1 / 3)
    assert list(survivors) == ["connector.sample.x_f__mutmut_3"]
    assert used == {POOL}


def test_the_bar_is_85_percent_in_all_and_75_in_each_module() -> None:
    passing = ModuleFigures("connector.a", mutants=100, killed=85, survived=15)
    assert verdict([passing]) == []
    assert verdict([ModuleFigures("connector.a", mutants=100, killed=84, survived=16)]) == [
        "total 84.0% killed, below 85%"
    ]
    weak = ModuleFigures("connector.b", mutants=4, killed=2, survived=2)
    strong = ModuleFigures("connector.c", mutants=100, killed=100)
    assert verdict([weak, strong]) == ["connector.b: 50.0% killed, below 75%"]
    edge = ModuleFigures("connector.d", mutants=4, killed=3, survived=1)
    assert verdict([edge, strong]) == []
