"""Every finding of the plan in one list, errors first, with key, code and hint."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from k3stui.findings import Finding, Severity
from k3stui.tui.widgets.field_row import format_value

_TITLES = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Notes"}


class FindingsList(Static):
    def __init__(self, **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]

    def show(self, findings: list[Finding], implications: list[object]) -> None:
        text = Text()
        if implications:
            text.append("Implied by your choices\n", style="bold")
            for imp in implications:
                text.append(f"  {imp.key}: {format_value(imp.value)}", style="bold")  # type: ignore[attr-defined]
                text.append(f" — {imp.reason}\n")  # type: ignore[attr-defined]
            text.append("\n")
        if not findings:
            text.append("No findings: the plan is valid.")
        for severity in Severity:
            group = [f for f in findings if f.severity is severity]
            if group:
                text.append(f"{_TITLES[severity]} ({len(group)})\n", style="bold")
            for f in group:
                text.append(f"  {f.key}", style="bold")
                text.append(f" [{f.code}] {f.message}\n")
                if f.hint:
                    text.append(f"      fix: {f.hint}\n", style="italic")
        self.update(text)
