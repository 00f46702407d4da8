"""Pilot helpers shared by the TUI tests: a field's row and notes, and typing key by key."""

from __future__ import annotations

from textual.widgets import Input

from k3stui.tui.fields import field_for
from k3stui.tui.widgets.field_row import FieldRow

_KEYS = {"/": "slash", ".": "full_stop", ":": "colon", ",": "comma", "-": "minus", "=": "equals_sign",
         " ": "space"}


def row(app, path: str) -> FieldRow:
    return app.screen.query_one("#" + field_for(path).widget_id, FieldRow)


def notes(app, path: str) -> str:
    return str(row(app, path).query_one(".field-notes").render())


async def press_text(pilot, text: str) -> None:
    """Type `text` key by key into whatever has the focus."""
    for ch in text:
        await pilot.press(_KEYS.get(ch, ch))


async def type_into(pilot, app, path: str, text: str) -> None:
    """Focus the field's input, clear it and type `text` key by key (each keystroke revalidates)."""
    await pilot.pause()  # let a tab switch (which focuses the tab's first field) settle first
    widget = row(app, path).query_one(Input)
    widget.focus()
    widget.value = ""
    await pilot.pause()
    await press_text(pilot, text)
    await pilot.pause()
