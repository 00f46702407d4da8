"""The status line of the plan screen: error/warning/info counts, where the plan came from,
the last thing done (saved/exported where), and the Save/Export/Install buttons."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static

from k3stui.findings import Severity
from k3stui.tui.state import PlanState


class SummaryBar(Horizontal):
    def compose(self) -> ComposeResult:
        yield Static("", id="counts", markup=False)
        yield Static("", id="status", markup=False)
        yield Button("Save", id="save", compact=True)
        yield Button("Export", id="export", compact=True, variant="primary")
        yield Button("Install", id="install", compact=True, variant="warning")

    def show(self, state: PlanState, *, installer: str | None) -> None:
        counts = state.counts
        text = Text()
        text.append(f"✗ {counts[Severity.ERROR]} errors", style="bold" if counts[Severity.ERROR] else "")
        text.append(f"  ! {counts[Severity.WARNING]} warnings  i {counts[Severity.INFO]} info")
        counts_widget = self.query_one("#counts", Static)
        counts_widget.update(text)
        counts_widget.set_class(state.has_errors, "-errors")
        self.query_one("#export", Button).disabled = state.has_errors
        install = self.query_one("#install", Button)
        install.disabled = state.has_errors or installer is not None
        ready = "fix the errors first" if state.has_errors else "dry run, then confirm"
        install.tooltip = installer or ready

    def say(self, message: str) -> None:
        self.query_one("#status", Static).update(message)
