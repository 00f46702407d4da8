"""Installer fixtures: a --root sandbox and the fake install.sh (outside the sandbox)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from installkit import FAKE_SCRIPT


@pytest.fixture(autouse=True)
def _no_download(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("K3STUI_NO_DOWNLOAD", "1")


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """A folder standing for / with a little of a real system in it."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hostname").write_text("node1\n")
    (root / "var" / "log").mkdir(parents=True)
    (root / "usr" / "local" / "bin").mkdir(parents=True)
    (root / "usr" / "local" / "bin" / "other-tool").write_text("#!/bin/sh\n")
    os.chmod(root / "usr" / "local" / "bin" / "other-tool", 0o750)
    return root


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """The fake install.sh, outside the sandbox; it records next to itself."""
    tools = tmp_path / "tools"
    tools.mkdir()
    dest = tools / "install.sh"
    shutil.copy(FAKE_SCRIPT, dest)
    return dest
