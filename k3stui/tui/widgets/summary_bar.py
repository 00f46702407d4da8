"""The status line of the plan screen: error/warning/info counts, where the plan came from,
the last thing done (saved/exported where, or why an action is off), and the Save/Export/Install
buttons."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static

from k3stui.findings import Severity
from k3stui.tui.state import PlanState


class SummaryBar(Horizontal):
    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)
        self._counts: tuple[int, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="counts", markup=False)
        yield Static("", id="status", markup=False)
        yield Button("Save", id="save", compact=True)
        yield Button("Export", id="export", compact=True, variant="primary")
        yield Button("Install", id="install", compact=True, variant="warning")

    def show(self, state: PlanState) -> None:
        counts = state.counts
        shown = tuple(counts[s] for s in Severity)
        if shown == self._counts:
            return  # a judgement that changed no count: nothing to redraw
        self._counts = shown
        errors = counts[Severity.ERROR]
        text = Text()
        warnings = counts[Severity.WARNING]
        text.append(f"✗ {errors} error{'' if errors == 1 else 's'}", style="bold" if errors else "")
        text.append(f"  ! {warnings} warning{'' if warnings == 1 else 's'}  i {counts[Severity.INFO]} info")
        counts_widget = self.query_one("#counts", Static)
        # As wide as its text (width: auto): laid out again only when the width changes.
        counts_widget.update(text, layout=text.cell_len != counts_widget.content_size.width)
        counts_widget.set_class(bool(errors), "-errors")
        # Not disabled (a disabled button cannot say why): shown off, and a press says why.
        for name, ready in (("export", "write every file to a folder"), ("install", "dry run, then confirm")):
            button = self.query_one(f"#{name}", Button)
            button.set_class(bool(errors), "-off")
            button.tooltip = f"off: {errors} errors, see Findings" if errors else ready

    def say(self, message: str) -> None:
        self.query_one("#status", Static).update(message, layout=False)  # one line, 1fr wide: its size stays
