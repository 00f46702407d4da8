"""Doctor fixtures: real kubectl against the stub API (skips without kubectl), a HOME of its own."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from stubapi import load_fixture, serve

KUBECTL = shutil.which("kubectl")


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], tuple]]:
    """`cluster(name)` starts the stub API with fixture `name`; returns (api, kubeconfig)."""
    if KUBECTL is None:
        pytest.skip("kubectl is not installed: the cluster layer is tested against the real kubectl")
    monkeypatch.setenv("HOME", str(tmp_path))  # kubectl's discovery cache goes here
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    stack = []

    def start(name: str) -> tuple:
        cm = serve(load_fixture(name), tmp_path)
        stack.append(cm)
        return cm.__enter__()

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)
