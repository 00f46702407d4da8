"""Shared test helpers: paths to the repo and its test data, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from testkit import REPO


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


# --- the suite's own time, for the README's figure and `make bench` ------------------------------
# Wall time of the whole run and of tests/tui, written to .cache/test-times.json at the end of a run
# that collected the whole suite (a -k or file selection is not the suite's time).
_TIMES: dict[str, float] = {"start": 0.0, "tui": 0.0}


def pytest_sessionstart(session: pytest.Session) -> None:
    _TIMES["start"] = time.perf_counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid.startswith("tests/tui/") or "/tui/" in report.nodeid.split("::")[0]:
        _TIMES["tui"] += report.duration


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    opt = session.config.option
    whole = [str(Path(a).resolve()) for a in session.config.args] in ([], [str(REPO / "tests")])
    if not whole or exitstatus != 0 or opt.keyword or opt.markexpr or opt.ignore or opt.deselect:
        return
    out = REPO / ".cache" / "test-times.json"
    if not out.parent.is_dir():
        return
    out.write_text(json.dumps({
        "seconds": round(time.perf_counter() - _TIMES["start"], 1), "tui_seconds": round(_TIMES["tui"], 1),
        "tests": session.testscollected, "failed": session.testsfailed, "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }) + "\n")
