"""The help panel: what the focused option does, its default and where that fact comes from."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from k3stui.tui.help_texts import help_for
from k3stui.tui.widgets.in_place import update_static


class OptionHelp(Static):
    """Not named HelpPanel: Textual's own "Keys" command removes every widget of that type name."""

    DEFAULT_TEXT = "Move to an option to see what it does. F1 hides this panel."

    def __init__(self, path: str | None = None, **kwargs: Any) -> None:
        """`path`: the option shown at first (the one focused when the screen opens)."""
        super().__init__(self._text(path), markup=False, **kwargs)
        self._path = path

    def show(self, path: str | None) -> None:
        if path != self._path:  # only for a new text, laid out again only when its height changes
            self._path = path
            update_static(self, self._text(path))

    def _text(self, path: str | None) -> Text | str:
        entry = help_for(path) if path else None
        if entry is None:
            return self.DEFAULT_TEXT
        text = Text()
        text.append(entry.title, style="bold")
        text.append(f"  default: {entry.default}\n", style="italic")
        text.append(entry.text)
        text.append(f"\nsource: {entry.source}", style="dim")
        return text
