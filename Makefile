# clarifai-connector — developer entry points. Quickstart: `make demo`, `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
VENV_PY := $(VENV)/bin/python
# The official clarifai-grpc JSON client needs protobuf 6 (it crashes under protobuf 7),
# so the test that drives it runs in this small environment of its own.
OFFICIAL_VENV := .venv-official
# Exact pins: a reproducible environment (its JSON channel imports requests, undeclared).
OFFICIAL_REQS := clarifai-grpc==12.6.0 protobuf==6.33.6 requests==2.34.2
# A venv with only the core dependencies, to prove `import connector` needs nothing else.
CORE_VENV := .venv-core
PIP_FLAGS := --quiet --disable-pip-version-check
EXTRAS ?= all

.PHONY: help venv demo test test-fast lint check-core-import official-venv bench mutation mutation-report constraints clean

help:
	@echo "make demo               the whole job (inventories, Airflow, Dagster, report) on the bundled emulator"
	@echo "make test               install everything needed, lint, and run the whole test suite"
	@echo "make lint               ruff (lint and format check) and mypy (strict on connector/)"
	@echo "make bench              run the benchmark suite: our code and its baselines, one table (docs/benchmarks.md)"
	@echo "make mutation           mutation testing of the core with mutmut (hours; not part of make test)"
	@echo "                        MUTANTS='connector.retry.*' reruns some mutants only; MUTATION_JOBS=1 on a busy machine"
	@echo "make constraints        regenerate constraints.txt from a fresh install of .[all]"
	@echo "make clean              remove the virtualenvs"

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install $(PIP_FLAGS) -c constraints.txt -e ".[$(EXTRAS)]"
	touch $@

venv: $(VENV)/.installed

$(OFFICIAL_VENV)/.installed:
	test -x $(OFFICIAL_VENV)/bin/python || $(PYTHON) -m venv $(OFFICIAL_VENV)
	$(OFFICIAL_VENV)/bin/python -m pip install $(PIP_FLAGS) $(OFFICIAL_REQS)
	touch $@

official-venv: $(OFFICIAL_VENV)/.installed

$(CORE_VENV)/.installed: pyproject.toml constraints.txt
	test -x $(CORE_VENV)/bin/python || $(PYTHON) -m venv $(CORE_VENV)
	$(CORE_VENV)/bin/python -m pip install $(PIP_FLAGS) -c constraints.txt -e .
	touch $@

check-core-import: $(CORE_VENV)/.installed
	$(CORE_VENV)/bin/python -c "import sys, connector; \
	bad = sorted(m for m in ('pandas', 'airflow', 'dagster', 'starlette', 'uvicorn', 'clarifai_grpc', 'google.protobuf') if m in sys.modules); \
	assert not bad, f'import connector pulled in {bad}'; print('import connector: ok with core dependencies only')"

# The whole job on the bundled emulator: inventories, the Airflow DAG, the Dagster project,
# the report (examples/demo/README.md). Against the real API: make demo DEMO_ARGS=--real-api
demo: venv
	$(VENV_PY) examples/demo/demo.py $(DEMO_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: venv official-venv check-core-import lint
	$(VENV_PY) -m pytest

test-fast: venv
	$(VENV_PY) -m pytest -x -q -m "not slow"

bench: venv official-venv
	$(VENV_PY) -m benchmarks --markdown
	$(VENV_PY) -m benchmarks.emulator_page --markdown
	$(VENV_PY) -m benchmarks.report_build --markdown
	$(VENV_PY) -m benchmarks.airflow_import --markdown

# Mutation testing (docs/testing.md): a fresh full run, then the per-module table, which
# fails below 85% killed in all or 75% in a module. MUTANTS='connector.transport.*' reruns
# only those mutants on top of the last run.
MUTATION_JOBS ?= 2
MUTANTS ?=
mutation: venv
	$(if $(MUTANTS),,rm -rf mutants)
	$(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS) $(MUTANTS)
	$(VENV_PY) -m tests.support.mutation_report

mutation-report: venv
	$(VENV_PY) -m tests.support.mutation_report --survivors

constraints:
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install $(PIP_FLAGS) ".[all]"
	( echo "# Pinned versions for reproducible installs: pip install -c constraints.txt -e '.[all]'"; \
	  echo "# Regenerate with: make constraints"; \
	  .venv-constraints/bin/python -m pip freeze --exclude clarifai-connector ) > constraints.txt
	rm -rf .venv-constraints

clean:
	rm -rf $(VENV) $(OFFICIAL_VENV) $(CORE_VENV) .venv-constraints mutants
