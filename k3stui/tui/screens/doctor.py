"""Doctor: the same results `k3stui doctor` prints, for the plan in the editor (or K3s defaults
from the start screen). The checks run in a worker through `doctor.session`, exactly as the CLI
runs them; this screen only shows them: one row per result, the selected row's fix below.

| Key | Description |
| :- | :- |
| c | check the cluster (kubectl) |
| n | check this node |
| t | run the connectivity test (creates and deletes a namespace) |
| escape | back |
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Header, Label, Static

from k3stui import plan as p
from k3stui.doctor.report import summary
from k3stui.doctor.results import Result
from k3stui.doctor.session import Report, Request
from k3stui.tui.widgets.steady_footer import SteadyFooter

Runner = Callable[[Request], Report]
LAYERS = {"cluster": "the cluster", "node": "this node", "connectivity": "connectivity"}


def request_for(plan: p.Plan, root: Path, layer: str) -> Request:
    """The Request the CLI builds for `k3stui doctor` / `--node` / `--connectivity`."""
    from k3stui.doctor.kubectl import Kubectl

    return Request(
        plan=plan,
        node=layer == "node",
        cluster=layer != "node",
        connectivity=layer == "connectivity",
        root=str(root),
        kubectl=Kubectl.find(None, None, str(root)),
    )


class DoctorScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back"),
        Binding("c", "check('cluster')", "Cluster"),
        Binding("n", "check('node')", "This node"),
        Binding("t", "check('connectivity')", "Connectivity"),
    ]

    def __init__(self, plan: p.Plan, root: Path, *, run: Runner | None = None) -> None:
        super().__init__()
        self.plan, self.root = plan, root
        self._run = run
        self.results: list[Result] = []
        self.running = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="doctor"):
            yield Label("Is the running network the planned one?", classes="section-title")
            with Horizontal(id="doctor-buttons"):
                for layer, text in LAYERS.items():
                    yield Button(f"Check {text}", id=f"run-{layer}", compact=True)
            yield Static("", id="doctor-summary", markup=False)
            yield DataTable(id="doctor-results", cursor_type="row", zebra_stripes=True)
            yield Static("", id="doctor-fix", markup=False)
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.sub_title = "doctor"
        table = self.query_one(DataTable)
        table.add_columns("status", "code", "subject", "observed", "plan")
        self.action_check("cluster")

    @on(Button.Pressed, "#run-cluster")
    def _cluster(self) -> None:
        self.action_check("cluster")

    @on(Button.Pressed, "#run-node")
    def _node(self) -> None:
        self.action_check("node")

    @on(Button.Pressed, "#run-connectivity")
    def _connectivity(self) -> None:
        self.action_check("connectivity")

    def action_check(self, layer: str) -> None:
        if self.running:
            return
        self.running = True
        self.query_one("#doctor-summary", Static).update(f"Checking {LAYERS[layer]}…")
        self._check(request_for(self.plan, self.root, layer))

    @work(thread=True, exclusive=True, group="doctor")
    def _check(self, req: Request) -> None:
        from k3stui.doctor.session import run_once

        try:
            report = (self._run or run_once)(req)
        except Exception as exc:  # shown, not raised: the screen stays usable
            report = Report([], [f"doctor stopped: {type(exc).__name__}: {exc}"])
        self.app.call_from_thread(self._show, report)

    def _show(self, report: Report) -> None:
        self.running = False
        self.results = report.results
        table = self.query_one(DataTable)
        table.clear()
        for r in report.results:
            table.add_row(r.status, r.code, r.subject, r.observed, r.expected)
        notes = "\n".join(f"note: {n}" for n in report.notes)
        text = summary(report.results) if report.results else "Nothing could be checked."
        self.query_one("#doctor-summary", Static).update("\n".join(x for x in (text, notes) if x))
        self._show_fix(0)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_fix(event.cursor_row)

    def _show_fix(self, row: int) -> None:
        r = self.results[row] if 0 <= row < len(self.results) else None
        self.query_one("#doctor-fix", Static).update(
            f"fix: {r.fix}" if r and r.fix and r.status != "PASS" else ""
        )

    def action_close(self) -> None:
        self.dismiss(None)
