"""Shared test helpers: paths to the repo, the shared reference folder and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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
