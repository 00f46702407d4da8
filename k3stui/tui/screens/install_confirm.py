"""Install: show the installer's dry run (files, diffs, commands, preflight), and on confirmation
run it in a worker with the output streaming into a log and a progress bar. A failure says what
was rolled back."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, Log, ProgressBar, Static

from k3stui.tui.state import PlanState

# The runner's log lines that start a step (until this screen subscribes to install/events.py).
_STEP_PREFIXES = ("writing ", "unchanged: ", "running: ", "skipped ")


class InstallScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back"),
        Binding("ctrl+r", "confirm", "Install now"),
    ]

    def __init__(self, state: PlanState, root: Path) -> None:
        super().__init__()
        self.state, self.root = state, root
        self.actions: Any = None
        self.running = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="install-box"):
            yield Label(f"Install the K3s {self.state.applied.role} on {self.root}", id="dialog-title")
            with VerticalScroll(id="install-plan"):
                yield Static("Reading the host for the dry run…", id="dry-run", markup=False)
            yield ProgressBar(id="install-progress", show_eta=False)
            yield Log(id="install-log", highlight=False)
            yield Static("", id="install-result", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Install now", id="confirm", variant="error", disabled=True)
                yield Button("Back", id="close")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "install: dry run first"
        self.query_one(ProgressBar).display = False
        self._prepare()

    @work(thread=True, exclusive=True, group="install")
    def _prepare(self) -> None:
        try:
            from k3stui.install.actions import describe
            from k3stui.install.api import prepare

            plan = self.state.applied
            actions = prepare(plan, plan.role, root=str(self.root), k3s_version=plan.k3s_version,
                              findings=self.state.findings)
            text = describe(actions)
        except Exception as exc:  # shown: e.g. the host could not be read
            self.app.call_from_thread(self._prepared, None, f"The dry run failed: {exc}")
            return
        self.app.call_from_thread(self._prepared, actions, text)

    def _prepared(self, actions: Any, text: str) -> None:
        self.actions = actions
        self.query_one("#dry-run", Static).update(text)
        refused = actions is None or actions.refused
        self.query_one("#confirm", Button).disabled = refused
        self.refresh_bindings()
        if actions is not None and refused:
            self._result("Refused: preflight found errors (above); nothing will be changed.", failed=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return None if self.running or self.actions is None or self.actions.refused else True
        if action == "close" and self.running:
            return None
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.run_action("confirm" if event.button.id == "confirm" else "close")

    def action_close(self) -> None:
        if not self.running:
            self.dismiss(None)

    def action_confirm(self) -> None:
        if self.running or self.actions is None or self.actions.refused:
            return
        self.running = True
        self.query_one("#install-box").set_classes("-running")
        self.query_one("#confirm", Button).disabled = True
        self.query_one("#close", Button).disabled = True
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=len(self.actions.files) + len(self.actions.commands), progress=0)
        self.refresh_bindings()
        self._install()

    @work(thread=True, exclusive=True, group="install")
    def _install(self) -> None:
        def on_line(line: str) -> None:
            self.app.call_from_thread(self._line, line)

        try:
            from k3stui.install.runner import as_lines, run_actions

            result = run_actions(self.actions, as_lines(on_line))
        except Exception as exc:  # the runner reports failures in Result; this is a bug, still shown
            self.app.call_from_thread(self._finished, None, str(exc))
            return
        self.app.call_from_thread(self._finished, result, "")

    def _line(self, line: str) -> None:
        self.query_one(Log).write_line(line)
        if line.startswith(_STEP_PREFIXES):
            self.query_one(ProgressBar).advance(1)

    def _finished(self, result: Any, crash: str) -> None:
        self.running = False
        self.query_one("#install-box").set_classes("-done")
        self.query_one("#close", Button).disabled = False
        if result is None:
            self._result(f"The installer stopped unexpectedly: {crash}", failed=True)
        elif result.ok:
            bar = self.query_one(ProgressBar)
            bar.update(progress=bar.total or 0)
            self._result(result.message, failed=False)
        else:
            undone = "\n".join(f"  rolled back: {u}" for u in result.undone) or "  nothing had been changed"
            self._result(f"{result.message}\n{undone}", failed=True)
        self.refresh_bindings()

    def _result(self, text: str, *, failed: bool) -> None:
        result = self.query_one("#install-result", Static)
        result.update(text)
        result.set_class(failed, "-failed")
