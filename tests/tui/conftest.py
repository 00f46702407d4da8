"""TUI test helpers: an app rooted in tmp_path (never the real /etc) and small pilot helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from k3stui.tui.app import K3sTuiApp
from k3stui.tui.state import PlanState


@pytest.fixture
def make_app(tmp_path: Path):
    """K3sTuiApp with root tmp_path/root and out dir tmp_path/out; `state=` skips the start screen,
    `tab=` opens its editor on that tab (set-up for a test about that tab: no switch to wait for)."""
    root, out = tmp_path / "root", tmp_path / "out"
    root.mkdir()

    def _make(state: PlanState | None = None, *, tab: str | None = None) -> K3sTuiApp:
        app = K3sTuiApp(root=root, out_dir=out, state=state, tab=tab)
        # No tab underline sliding, no smooth scrolls: the end state is the same and is what the tests
        # look at (and the pictures show); waiting for animations only made them slower.
        app.animation_level = "none"
        return app

    return _make

