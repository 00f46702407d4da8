"""The choices k3stui made for the user (Calico -> flannel-backend none ...) and why; each one
indented as a block, so its reason wraps under its own start."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual.widgets import Static

from k3stui.tui.widgets.field_row import format_value


class ImplicationsView(Static):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)

    def show(self, implications: list[Any]) -> None:
        self.display = bool(implications)
        parts: list[Any] = [Text("Implied by your choices:", style="bold")]
        for imp in implications:
            line = Text(f"{imp.key}: {format_value(imp.value)}", style="bold")
            line.append(f" — {imp.reason}", style="")
            parts.append(Padding(line, (0, 0, 0, 2)))
        self.update(Group(*parts))
