# Two commands on a fresh clone: `make run` (the TUI; ARGS="check --preset X" for the CLI)
# and `make test` (lint + the whole suite). Both create .venv themselves.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: run test test-interrupts lint bench tools clean

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

# The heavy interrupt loop: 200 CLI installs with INT/TERM/HUP at random points (about 5 minutes).
test-interrupts: $(STAMP)
	K3STUI_INTERRUPT_RUNS=200 $(PY) -m pytest -q tests/install/test_interrupts.py -k cli_undo_or_finish

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .cache dist build
