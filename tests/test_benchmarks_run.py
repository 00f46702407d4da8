"""benchmarks/run.py reads the suite's record as tests/conftest.py writes it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run_module(monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclass looks itself up there
    monkeypatch.setattr(sys, "path", list(sys.path))  # it puts the checkout first
    spec.loader.exec_module(module)
    return module


def test_tui_share_prefers_the_recorded_share(monkeypatch: pytest.MonkeyPatch) -> None:
    run = _run_module(monkeypatch)
    assert run._tui_share({"seconds": 100.0, "tui_seconds": 80.0, "tui_share": 0.25}) == 0.25
    assert run._tui_share({"seconds": 100.0, "tui_seconds": 40.0}) == 0.4  # an older record
    assert run._tui_share({"seconds": 0, "tui_seconds": 0}) == 0.0
