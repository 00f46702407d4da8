"""Preview of everything the plan renders: pick an entry on the left, read it on the right.

The screen hands in (title, text) pairs; the pane keeps the chosen entry across refreshes."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, ScrollableContainer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class PreviewPane(Horizontal):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._items: list[tuple[str, str]] = []
        self._chosen: str | None = None

    def compose(self) -> ComposeResult:
        yield OptionList(id="preview-list")
        with ScrollableContainer(id="preview-scroll"):  # both ways: long lines are not wrapped
            yield Static("", id="preview-text", markup=False)

    def show(self, items: list[tuple[str, str]]) -> None:
        self._items = items
        listing = self.query_one(OptionList)
        titles = [t for t, _ in items]
        if self._chosen not in titles:
            self._chosen = titles[0] if titles else None
        with listing.prevent(OptionList.OptionHighlighted):
            listing.clear_options()
            listing.add_options([Option(t, id=t) for t in titles])
            if self._chosen is not None:
                listing.highlighted = titles.index(self._chosen)
        self._show_chosen()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._chosen = event.option.id
        self._show_chosen()

    def _show_chosen(self) -> None:
        text = dict(self._items).get(self._chosen or "", "Nothing to preview.")
        self.query_one("#preview-text", Static).update(text)

    @property
    def chosen(self) -> str | None:
        return self._chosen
