"""Pilot helpers shared by the TUI tests: a field's row and notes, setting a field, typing key by key,
and waiting until the app has judged and drawn every edit (never a wait for time)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from textual.widgets import Input, TabbedContent, TextArea

from k3stui.tui.fields import field_for
from k3stui.tui.widgets.field_row import FieldRow

_KEYS = {"/": "slash", ".": "full_stop", ":": "colon", ",": "comma", "-": "minus", "=": "equals_sign",
         " ": "space"}


def key_name(ch: str) -> str:
    return _KEYS.get(ch, ch)


def row(app, path: str) -> FieldRow:
    return app.screen.query_one("#" + field_for(path).widget_id, FieldRow)


def notes(app, path: str) -> str:
    return row(app, path).notes


async def settle(pilot) -> None:
    """Until every edit is judged and drawn: the app idle, and when workers are still running
    (a debounced judgement waits in one), until they are done, then the messages they posted."""
    await pilot.pause()
    running = [w for w in pilot.app.workers if not w.is_finished]
    if running:
        await pilot.app.workers.wait_for_complete(running)
        await pilot.pause()


async def until(pilot, condition, *, within: float = 120.0) -> None:
    """Let the app run until `condition()` holds. Each turn lets the app go idle and a worker or timer
    move on; a starved machine only takes more turns. `within` turns a hang into a failure, nothing
    waits a fixed time to pass."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"not reached within {within:.0f} s: {condition}"
        await pilot.pause(0.01)


async def show(pilot, app, tab: str) -> None:
    """Switch to `tab` and wait until the switch has settled (its first field focused). The first
    tab settles first: its focus would otherwise switch back to it."""
    await settle(pilot)
    await until(pilot, lambda: app.screen.shown_tab is not None)
    app.screen.query_one(TabbedContent).active = tab
    await until(pilot, lambda: app.screen.shown_tab == tab)
    await settle(pilot)


async def opened(pilot, app) -> None:
    """Until the editor's first tab (make_app's `tab=`) has settled: built, its first field focused."""
    await until(pilot, lambda: getattr(app.screen, "shown_tab", None) is not None)
    await settle(pilot)


async def put(pilot, app, path: str, text: str) -> None:
    """Set a field's text as a paste would (one edit, not a keystroke each) and wait for its findings:
    for tests whose subject is not the typing."""
    widget = row(app, path).input
    widget.focus()  # as the user's click would: keys bound inside a section (F7, F8) follow it
    if isinstance(widget, TextArea):
        widget.load_text(text)
        widget.post_message(FieldRow.Edited(row(app, path), text))  # load_text posts no edit
    else:
        widget.value = text
    await settle(pilot)


async def press_text(pilot, text: str) -> None:
    """Type `text` key by key into whatever has the focus."""
    for ch in text:
        await pilot.press(key_name(ch))


async def palette(pilot, query: str) -> None:
    """Open the command palette and enter `query` as a paste would (one search, not one a key);
    its search has run when this returns."""
    from textual.command import CommandInput, CommandPalette

    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
    pilot.app.screen.query_one(CommandInput).value = query
    await settle(pilot)


async def type_into(pilot, app, path: str, text: str) -> None:
    """Focus the field's input, clear it and type `text` key by key, then wait for its findings."""
    await pilot.pause()  # let a tab switch (which focuses the tab's first field) settle first
    widget = row(app, path).query_one(Input)
    widget.focus()
    widget.value = ""
    await pilot.pause()
    await press_text(pilot, text)
    await settle(pilot)


def probe(script: str, *args: str) -> Any:
    """Run `script` in a fresh interpreter from the checkout; the JSON it printed last on stderr."""
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=repo,
                          timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 0 and lines, f"probe failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
    return json.loads(lines[-1])
