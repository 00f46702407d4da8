# Two commands on a fresh clone: `make run` (the TUI; ARGS="check --preset X" for the CLI) and
# `make test` (lint + the whole suite). Both create .venv themselves; nothing outside the checkout is read.
# `make run` installs what running needs and nothing more; `make test` adds the test extras (and
# ansible-core, so the k3s-ansible export is checked by the real Ansible).
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(PY) -m pip install -q --disable-pip-version-check
RUN_STAMP  = $(VENV)/.installed-run
TEST_STAMP = $(VENV)/.installed-test

.PHONY: run test test-stress test-interrupts test-k3s-ansible lint bench tools clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PIP) -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PIP) -e '.[test,ansible]'
	touch $(RUN_STAMP) $@

run: $(RUN_STAMP)
	$(VENV)/bin/k3stui $(ARGS)

tools: $(TEST_STAMP)
	$(PY) scripts/fetch-helm.py

lint: $(TEST_STAMP)
	$(PY) -m ruff check k3stui tests benchmarks scripts

# pytest-xdist: a worker per CPU, each xdist_group (the tests sharing the session's wheel build) on one
# worker. PYTEST_ARGS="-n 0" runs the suite in this one process instead.
PYTEST = $(PY) -m pytest -q -n auto --dist loadgroup
# K3STUI_REQUIRE_TOOLS=1: a tool the suite needs (the pinned Helm binaries) missing fails, never skips.
# compileall first: with PYTHONDONTWRITEBYTECODE set (as on some CI machines) every CLI subprocess of
# the suite would compile k3stui from source again; pip already compiled the venv's packages.
test: $(TEST_STAMP) tools lint
	$(PY) -m compileall -q k3stui
	K3STUI_REQUIRE_TOOLS=1 $(PYTEST) $(PYTEST_ARGS)

# make test's pytest command three times in a row with two CPU-bound processes beside it: no failure allowed.
test-stress: $(TEST_STAMP) tools
	$(PY) -m compileall -q k3stui
	K3STUI_REQUIRE_TOOLS=1 $(PY) scripts/stress-test.py --runs 3 --burners 2 -- $(PYTEST) $(PYTEST_ARGS)

# The heavy interrupt loop: 200 CLI installs with INT/TERM/HUP at random points (about 5 minutes).
test-interrupts: $(TEST_STAMP)
	K3STUI_INTERRUPT_RUNS=200 $(PY) -m pytest -q tests/install/test_interrupts.py -k cli_undo_or_finish

# The real k3s-ansible playbook, from the checkout K3S_ANSIBLE names (never cloned, never vendored),
# against nodes simulated here: a network namespace and a chroot per node, a fake k3s, installer,
# systemctl and sysctl (scripts/k3s-ansible-e2e.py; 5 to 10 minutes). Needs root. Installs the `ansible`
# package (the collections k3s-ansible uses) into its own venv from the package registry; no K3s download.
ANSIBLE_VENV  = .cache/k3s-ansible-venv
ANSIBLE_STAMP = $(ANSIBLE_VENV)/.installed

$(ANSIBLE_STAMP):
	$(PYTHON) -m venv $(ANSIBLE_VENV)
	$(ANSIBLE_VENV)/bin/python -m pip install -q --disable-pip-version-check 'ansible>=9' netaddr
	touch $@

test-k3s-ansible:
	@test -n "$(K3S_ANSIBLE)" || { echo "make test-k3s-ansible: name a k3s-ansible checkout:" \
	  "make test-k3s-ansible K3S_ANSIBLE=/path/to/k3s-ansible (this target never clones one)" >&2; exit 2; }
	@test "$$(id -u)" = 0 || { echo "make test-k3s-ansible: needs root (network namespaces, mounts," \
	  "chroot): sudo make test-k3s-ansible K3S_ANSIBLE=$(K3S_ANSIBLE)" >&2; exit 2; }
	$(MAKE) --no-print-directory $(RUN_STAMP) $(ANSIBLE_STAMP)
	$(PY) scripts/k3s-ansible-e2e.py --k3s-ansible "$(K3S_ANSIBLE)" --ansible-bin $(ANSIBLE_VENV)/bin

bench: $(TEST_STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .cache dist build
