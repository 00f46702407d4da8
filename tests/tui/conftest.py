"""TUI test helpers: an app rooted in tmp_path (never the real /etc) and small pilot helpers."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import textual._wait
from textual.css.stylesheet import Stylesheet

from k3stui.tui.app import K3sTuiApp
from k3stui.tui.state import PlanState

# Textual's pilot sees the app idle when a sleep slice passes with (almost) no CPU used: 20 ms
# slices, a twentieth of one in CPU. Half as long here, in the same proportion: a pause still
# waits for every message queued before it (Textual's _wait_for_screen) and for a quiet slice,
# and the tests wait for what they assert (tuikit.settle/until), never for a slice to pass.
textual._wait.SLEEP_GRANULARITY = 0.01
textual._wait.SLEEP_IDLE = textual._wait.SLEEP_GRANULARITY / 20

# Textual parses every stylesheet again for each App (the parse cache belongs to the App's
# Stylesheet), and the suite starts some 120 apps with the same CSS. Parsed once per source and
# theme variables for the session: the same text and variables give the same rules, and Textual
# only reads a rule set once it is parsed.
_PARSED: dict[tuple[object, ...], list[object]] = {}
_parse_rules = Stylesheet._parse_rules
_VARIABLES: list[object] = [None, ()]  # the last variables seen and their key: ~200 parses an app


def _parse_rules_once(self: Stylesheet, css: str, read_from: tuple[str, str], is_default_rules: bool = False,
                      tie_breaker: int = 0, scope: str = "") -> list[object]:
    variables = self._variables  # replaced, never changed in place (Stylesheet.set_variables)
    if _VARIABLES[0] is not variables:
        _VARIABLES[:] = [variables, tuple(sorted(variables.items()))]
    key = (css, read_from, is_default_rules, tie_breaker, scope, _VARIABLES[1])
    if key not in _PARSED:
        _PARSED[key] = _parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
    return _PARSED[key]


Stylesheet._parse_rules = _parse_rules_once  # type: ignore[method-assign]


# A Textual app allocates containers by the hundred thousand, so the collector runs often while a
# test's app runs, and each full pass walked every object of the pytest session too (the imports,
# the collected tests, the parse cache above): a fifth of the TUI tests' time. Each TUI test starts
# with the previous test's garbage freed and the survivors frozen (never scanned again), so the
# collector sees what a k3stui process would: the app's own objects. While it runs, the youngest
# generation is collected every 20,000 allocations instead of 700: some 800 passes over tests/tui
# instead of 5,400, and the middle generation's a tenth as often (together a third less time in
# the collector; cycles are still found). The other tests get Python's default back.
_THRESHOLDS = gc.get_threshold()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    gc.set_threshold(*_THRESHOLDS)


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

