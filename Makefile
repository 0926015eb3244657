# The two commands: `make run` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Absolute links (next, Link, search hits) start with this, never with the request's Host header.
DESERTION_PUBLIC_URL ?= http://$(HOST):$(PORT)

.PHONY: install run migrate seed test lint fmt check fuzz bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=...)")'
	@echo "== installing dependencies into $(VENV) (first run: about 2 minutes)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

migrate: install
	@echo "== migrating the database"
	$(BIN)/desertion-api migrate

seed: migrate
	@echo "== seeding"
	$(BIN)/desertion-api seed

run: seed
	@echo "== serving on http://$(HOST):$(PORT) (Ctrl-C stops)"
	DESERTION_PUBLIC_URL='$(DESERTION_PUBLIC_URL)' $(BIN)/desertion-api serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff format --check app tests bench clients/python migrations/env.py
	$(BIN)/ruff check app tests bench clients/python
	$(BIN)/mypy app tests bench

fmt: install
	$(BIN)/ruff format app tests bench clients/python migrations/env.py
	$(BIN)/ruff check --fix app tests bench clients/python

check: lint test

fuzz: install
	bash .ci/schemathesis

# The scale benchmark of issue 11 (bench/scale.py): a synthetic package of BENCH_SENTENCES
# sentences imported into SQLite and into PostgreSQL at BENCH_PG_URL, every read at seed size and
# at that size with wrk, Datasette and a FastAPI hello world beside it; writes docs/benchmarks.md.
# For development, a few minutes: make bench BENCH_SENTENCES=20000 BENCH_SECONDS=3
BENCH_SENTENCES ?= 1000000
BENCH_SECONDS ?= 10
BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench_big

$(VENV)/.bench: $(VENV)/.installed
	@echo "== installing the benchmark's extras (Datasette) and wrk"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@touch $@

bench: $(VENV)/.bench
	$(BIN)/python -m bench.scale --sentences $(BENCH_SENTENCES) --seconds $(BENCH_SECONDS) \
		--pg-url '$(BENCH_PG_URL)'

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
