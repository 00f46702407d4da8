"""Every finding of the plan in one list, errors first, with key, code and hint. Each entry is
indented as a block, so a message wrapped at 80 columns goes on under its own start."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text
from textual.widgets import Static

from k3stui.findings import Finding, Severity
from k3stui.tui.widgets.field_row import format_value

_TITLES = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Notes"}


def _indented(text: Text, level: int) -> Padding:
    return Padding(text, (0, 0, 0, level))


class FindingsList(Static):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)

    def show(self, findings: list[Finding], implications: list[Any]) -> None:
        parts: list[RenderableType] = []
        if implications:
            parts.append(Text("Implied by your choices", style="bold"))
            for imp in implications:
                line = Text(f"{imp.key}: {format_value(imp.value)}", style="bold")
                line.append(f" — {imp.reason}", style="")
                parts.append(_indented(line, 2))
            parts.append(Text(""))
        if not findings:
            parts.append(Text("No findings: the plan is valid."))
        for severity in Severity:
            group = [f for f in findings if f.severity is severity]
            if group:
                parts.append(Text(f"{_TITLES[severity]} ({len(group)})", style="bold"))
            for f in group:
                line = Text(f.key, style="bold")
                line.append(f" [{f.code}] {f.message}")
                parts.append(_indented(line, 2))
                if f.hint:
                    parts.append(_indented(Text(f"fix: {f.hint}", style="italic"), 6))
        self.update(Group(*parts))
