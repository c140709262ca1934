# The README's commands. Each creates the virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Airflow 3, in a virtual environment of its own (its dependencies must not move the
# project's): the test that has Airflow parse the exported DAG runs with it.
AIRFLOW_VENV ?= .venv-airflow
AIRFLOW ?= apache-airflow==3.3.2
export SYNTHBALANCE_AIRFLOW_PYTHON ?= $(abspath $(AIRFLOW_VENV))/bin/python
# Kedro's telemetry would try the network at every command; this project keeps it off.
export KEDRO_DISABLE_TELEMETRY := 1

.PHONY: run test check format

run: $(VENV)/.installed
	$(BIN)/kedro run --pipelines balance

# The two environments install side by side: 27 to 57 s sooner on 2 cores, one run each
# (docs/index.md).
test:
	$(MAKE) --jobs=2 --output-sync=target $(VENV)/.installed $(AIRFLOW_VENV)/.installed
	$(BIN)/python -m pytest

# The fast lane for a developer's loop: every test not marked slow (no full `kedro run`, no
# Airflow, no browser).
check: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not slow"

# One formatter and one linter (pyproject.toml's [tool.ruff]); tests/test_style.py checks both.
format: $(VENV)/.installed
	$(BIN)/ruff format src tests benchmarks docs
	$(BIN)/ruff check --fix src tests benchmarks docs

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(AIRFLOW_VENV)/.installed:
	test -x $(AIRFLOW_VENV)/bin/python || $(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet "$(AIRFLOW)"
	touch $@
