"""The start screen's warm-up imports everything opening a preset needs and reads the editor's
stylesheet and its widgets' default CSS: after it, the Enter that opens the largest shipped preset
imports no module of k3stui, PyYAML or Textual, and adds no CSS for Textual to parse."""

from __future__ import annotations

from tuikit import probe

# A fresh interpreter: the start screen up and its warm-up done, then Enter on the preset until the
# editor has settled; what was loaded before and after Enter.
_PROBE = """
import asyncio, json, sys
from pathlib import Path
from textual.widgets import OptionList
from k3stui.tui.app import K3sTuiApp

app = K3sTuiApp(root=Path(sys.argv[1]), out_dir=Path(sys.argv[1]))

async def settle(pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()

async def enter(pilot):
    while app.warm_up_ended is None:  # scheduled a moment after the start screen painted
        await pilot.pause(0.01)
    await settle(pilot)
    warmed = sorted(sys.modules)
    from k3stui.tui.screens.plan_editor import PlanEditorScreen
    parsed = app.stylesheet.has_source(str(PlanEditorScreen.STYLESHEET), "")
    sources = {str(key) for key in app.stylesheet.source}
    options = app.screen.query_one(OptionList)
    options.highlighted = [o.id for o in options.options].index("preset:multus-macvlan")
    await pilot.press("enter")
    while getattr(app.screen, "shown_tab", None) is None:
        await pilot.pause()
    await settle(pilot)
    ended = app.warm_up_ended.name
    screen = type(app.screen).__name__
    new_css = sorted({str(key) for key in app.stylesheet.source} - sources)
    print(json.dumps([warmed, parsed, sorted(sys.modules), screen, ended, new_css]), file=sys.stderr)
    app.exit()

app.run(headless=True, auto_pilot=enter, size=(80, 24))
"""


def test_after_the_warm_up_opening_a_preset_imports_nothing_more(tmp_path):
    warmed, parsed, opened, screen, ended, new_css = probe(_PROBE, str(tmp_path))
    assert ended == "SUCCESS"
    assert screen == "PlanEditorScreen"  # the Enter really opened the preset
    assert {"yaml", "k3stui.rules", "k3stui.tui.screens.plan_editor"} <= set(warmed)
    assert parsed  # the editor's stylesheet too, before the Enter
    late = sorted(m for m in set(opened) - set(warmed) if m.split(".")[0] in ("k3stui", "yaml", "textual"))
    assert late == []
    assert new_css == []  # warm_up.EDITOR_WIDGETS names every widget type the editor adds
