"""The choices k3stui made for the user (Calico -> flannel-backend none ...) and why."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from k3stui.tui.widgets.field_row import format_value


class ImplicationsView(Static):
    def __init__(self, **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]

    def show(self, implications: list[object]) -> None:
        self.display = bool(implications)
        text = Text("Implied by your choices:", style="bold")
        for imp in implications:
            text.append(f"\n  {imp.key}: {format_value(imp.value)}", style="bold")  # type: ignore[attr-defined]
            text.append(f" — {imp.reason}")  # type: ignore[attr-defined]
        self.update(text)
