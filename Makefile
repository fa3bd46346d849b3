# Two entry points (see README.md): `make demo` and `make test`. Both create .venv and install
# the project into it from pyproject.toml; nothing needs installing by hand. `make demo` installs
# only what the bot needs; `make test` (and the benches) add the `test` extra (pytest, ruff, and
# Synapse for the Matrix tests). Each has its own stamp, so either may run first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench bench-polls bench-proposals bench-announce bench-calendar bench-matrix bench-reach clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/l4a-bot console

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_foundation

bench-polls: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_polls

bench-proposals: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_proposals

bench-matrix: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_matrix

bench-announce: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_announce

bench-calendar: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_calendar

bench-reach: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_reach

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
