# The two commands of the README. Each creates the virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Kedro's telemetry would try the network at every command; this project keeps it off.
export KEDRO_DISABLE_TELEMETRY := 1

.PHONY: run test

run: $(VENV)/.installed
	$(BIN)/kedro run --pipelines balance

test: $(VENV)/.installed
	$(BIN)/python -m pytest

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@
