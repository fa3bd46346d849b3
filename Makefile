# Two entry points (see README.md): `make demo` and `make test`. Both create .venv and install
# the project into it from pyproject.toml; nothing needs installing by hand. `make demo` installs
# only what the bot needs; `make test` (and the benches) add the `test` extra (pytest, ruff, mypy and
# Synapse for the Matrix tests). Each has its own stamp, so either may run first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test chromium postgresql lint bench bench-polls bench-store bench-proposals bench-announce bench-calendar bench-matrix bench-web bench-reach clean

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

# The web front's browser tests drive Debian's Chromium (never a downloaded browser). Installed
# here when missing and when we may (root with apt-get); otherwise those tests skip, saying why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      || echo "could not install chromium: the browser tests will be skipped"; \
	  else echo "no chromium and no root apt-get: the browser tests will be skipped"; fi; }

# The PostgreSQL store tests run a throwaway server (tests/support/postgres.py: initdb + pg_ctl in
# a temp dir, 127.0.0.1 only) with Debian's binaries. Installed here when missing and when we may
# (root with apt-get); otherwise those tests skip, saying why.
postgresql:
	@{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's postgresql for the PostgreSQL tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
	      || echo "could not install postgresql: the PostgreSQL tests will be skipped"; \
	  else echo "no PostgreSQL (initdb) and no root apt-get: the PostgreSQL tests will be skipped"; fi; }

test: $(VENV)/.installed-test chromium postgresql
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_foundation

bench-polls: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_polls

bench-store: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_store

bench-proposals: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_proposals

bench-matrix: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_matrix

bench-announce: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_announce

bench-calendar: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_calendar

bench-web: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_web

bench-reach: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_reach

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build *.egg-info
