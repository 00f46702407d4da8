"""The help panel: what the focused option does, its default and where that fact comes from."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from k3stui.tui.help_texts import help_for


class OptionHelp(Static):
    """Not named HelpPanel: Textual's own "Keys" command removes every widget of that type name."""

    DEFAULT_TEXT = "Move to an option to see what it does. F1 hides this panel."

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(self.DEFAULT_TEXT, markup=False, **kwargs)

    def show(self, path: str | None) -> None:
        entry = help_for(path) if path else None
        if entry is None:
            self.update(self.DEFAULT_TEXT)
            return
        text = Text()
        text.append(entry.title, style="bold")
        text.append(f"  default: {entry.default}\n", style="italic")
        text.append(entry.text)
        text.append(f"\nsource: {entry.source}", style="dim")
        self.update(text)
