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
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/desertion-api migrate

seed: migrate
	$(BIN)/desertion-api seed

run: seed
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

bench: install
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.csv_memory

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
