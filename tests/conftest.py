"""Shared test helpers: paths to the repo and its test data, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import venv
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from testkit import REPO, outside_env

if TYPE_CHECKING:
    from k3stui.install.bundle import Wheels


@pytest.fixture
def run_cli(tmp_path: Path):
    """Run `python -m k3stui ARGS` in a subprocess (a real exit code, real stdout/stderr)."""

    def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
             input: str | None = None) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
        full_env.pop("K3STUI_DEBUG", None)
        return subprocess.run(
            [sys.executable, "-m", "k3stui", *args],
            capture_output=True, text=True, env=full_env, cwd=cwd or tmp_path, input=input, timeout=120,
        )

    return _run


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers it too; named here so a run without xdist knows the mark.
    config.addinivalue_line("markers", "xdist_group(name): run on the same xdist worker as its group")


# --- k3stui built and installed once per session ---------------------------------------------------
# Building the wheel and installing it into a fresh venv are the suite's slowest set-ups; the packaging
# and air-gap tests assert different things about the same wheel and the same installed copy.
@pytest.fixture(scope="session")
def k3stui_wheels(tmp_path_factory: pytest.TempPathFactory) -> Wheels:
    """k3stui's wheel and its dependencies', made by `pip_wheels` (pip wheel of this checkout: the
    PEP 517 build through hatchling that `python -m build` runs too) into a session folder."""
    from k3stui.install.bundle import pip_wheels

    return pip_wheels(tmp_path_factory.mktemp("wheels"))


@pytest.fixture(scope="session")
def installed_k3stui(k3stui_wheels: Wheels, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv (its folder) with k3stui installed from those wheels alone: the bundle README's
    `pip install --no-index --find-links wheels k3stui`, with no pip config or index to fall back on."""
    if k3stui_wheels.problem:
        pytest.fail(f"the k3stui wheels could not be built: {k3stui_wheels.problem}")
    (folder,) = {w.parent for w in k3stui_wheels.files}
    env_dir = tmp_path_factory.mktemp("k3stui-venv")
    # No pip inside (ensurepip costs seconds): this interpreter's pip installs into it via --python.
    venv.EnvBuilder(with_pip=False).create(env_dir)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install", "-q",
         "--no-compile", "--no-index", "--find-links", str(folder), "k3stui"],
        timeout=600, env=outside_env(), capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"pip install --no-index --find-links {folder} k3stui failed:\n{done.stderr}")
    return env_dir


# --- the suite's own time, for the README's figure and `make bench` ------------------------------
# Written to .cache/test-times.json at the end of a run that collected the whole suite (a -k or file
# selection is not the suite's time), by the process that ran the session: under pytest-xdist the
# controller, which sees every worker's reports; a worker writes nothing. "seconds" is the wall time;
# the tests/tui share is of the summed per-test durations (set-up, call, tear-down), which does not
# depend on how many workers ran them; "tui_seconds" is that share of the wall time.
_TIMES: dict[str, float] = {"start": 0.0, "tui": 0.0, "all": 0.0}
_RAN: set[str] = set()


def pytest_sessionstart(session: pytest.Session) -> None:
    _TIMES["start"] = time.perf_counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _RAN.add(report.nodeid)
    _TIMES["all"] += report.duration
    if report.nodeid.startswith("tests/tui/") or "/tui/" in report.nodeid.split("::")[0]:
        _TIMES["tui"] += report.duration


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput"):  # an xdist worker: the controller writes the record
        return
    opt = config.option
    whole = [str(Path(a).resolve()) for a in config.args] in ([], [str(REPO / "tests")])
    if not whole or exitstatus != 0 or opt.keyword or opt.markexpr or opt.ignore or opt.deselect:
        return
    out = REPO / ".cache" / "test-times.json"
    if not out.parent.is_dir():
        return
    wall = time.perf_counter() - _TIMES["start"]
    share = _TIMES["tui"] / _TIMES["all"] if _TIMES["all"] else 0.0
    out.write_text(json.dumps({
        "seconds": round(wall, 1), "tui_share": round(share, 3), "tui_seconds": round(wall * share, 1),
        "test_seconds": round(_TIMES["all"], 1), "tui_test_seconds": round(_TIMES["tui"], 1),
        "tests": len(_RAN), "failed": session.testsfailed, "cpus": os.cpu_count(),
        "workers": getattr(opt, "numprocesses", None) or 0, "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }) + "\n")
