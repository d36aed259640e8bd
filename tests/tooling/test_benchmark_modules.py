"""The benchmark scripts (`make bench`, docs/benchmarks.md) are not run by the suite: a
run takes minutes and needs a quiet machine. Each module is imported here, so a name
one of them takes from another that no longer has it fails the suite, not the next
benchmark run."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import benchmarks

# `__main__` runs the suite when imported; `python -m benchmarks --help` is its check.
MODULES = sorted(m.name for m in pkgutil.iter_modules([str(Path(benchmarks.__file__).parent)]) if m.name != "__main__")


def test_every_benchmark_script_is_listed() -> None:
    assert {"common", "emulator_page", "inventory_throughput", "report_build", "airflow_import"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_the_benchmark_module_imports(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    assert module.__doc__, f"benchmarks/{name}.py says what it measures in its docstring"


def test_the_machine_facts_name_the_cpu_count_and_python() -> None:
    from benchmarks.common import load, machine

    facts = machine()
    assert facts["nproc"] and facts["nproc"] >= 1
    assert facts["python"].count(".") == 2
    assert load() >= 0
