# Two commands on a fresh clone: `make run` (the TUI; ARGS="check --preset X" for the CLI)
# and `make test` (lint + the whole suite). Both create .venv themselves.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: run test lint bench tools clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/k3stui $(ARGS)

tools: $(STAMP)
	$(PY) scripts/fetch-helm.py

lint: $(STAMP)
	$(PY) -m ruff check k3stui tests benchmarks scripts

test: $(STAMP) tools lint
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .cache dist build
