"""Install: choose where K3s comes from (get.k3s.io, a local install script, an air-gap bundle),
read the installer's dry run (files, diffs, commands, preflight), and on confirmation run it in a
worker. The runner's typed events (`k3stui.install.events`) drive the log, the progress bar (which
ends green when done, red where it failed) and the result, said in this screen's words.

The dry run is `k3stui.install.api.prepare`, the one the CLI's `install` uses, with this host's role
from the Role field (as `k3stui install --role`) and the plan's findings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Label, Log, ProgressBar, Static

from k3stui.install.events import Event, Finished, OutputLine, StepDone, StepFailed, StepStarted, Undone
from k3stui.tui.state import PlanState
from k3stui.tui.widgets.choice import Choice
from k3stui.tui.widgets.steady_footer import SteadyFooter

# Where K3s comes from: (choice, label, what the path field asks for, its example).
SOURCES: tuple[tuple[str, str, str, str], ...] = (
    ("online", "Download get.k3s.io", "", ""),
    ("script", "Local install script", "install script file", "e.g. ./install.sh"),
    ("airgap", "Air-gap bundle", "bundle folder", "e.g. ./k3stui-bundle"),
)
_SOURCE = {key: (label, asks, example) for key, label, asks, example in SOURCES}
# The runner's and preflight's advice names CLI flags; on this screen the same choice is made above.
_UI_WORDS = (
    ("--install-script FILE", "a local install script (Install from, above)"),
    ("use an air-gapped bundle (k3stui bundle)", "an air-gap bundle (Install from, above)"),
    ("--airgap DIR", "an air-gap bundle (Install from, above)"),
)


def in_ui_words(text: str) -> str:
    for cli, ui in _UI_WORDS:
        text = text.replace(cli, ui)
    return text


class InstallScreen(Screen[None]):
    STYLESHEET = Path(__file__).with_name("install.tcss")  # added as it opens (app.push_screen)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back"),
        Binding("ctrl+r", "confirm", "Install now"),
    ]

    def __init__(self, state: PlanState, root: Path, *, stamp: str | None = None) -> None:
        super().__init__()
        self.state, self.root, self.stamp = state, root, stamp
        self.actions: Any = None
        self.running = False
        self._failed_step: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="install-box"):
            yield Label(f"Install the K3s {self.state.role} on {self.root}", id="dialog-title")
            with Horizontal(id="install-source"):
                yield Label("Install from", classes="field-label")
                yield Choice([key for key, _, _, _ in SOURCES], "online",
                             labels={key: label for key, label, _, _ in SOURCES}, id="source")
                yield Input(placeholder="", compact=True, id="source-path", disabled=True)
                yield Button("Dry run", id="dry-run-again", compact=True)
            with VerticalScroll(id="install-plan"):
                yield Static("Reading the host for the dry run…", id="dry-run", markup=False)
            with Horizontal(id="install-bar"):
                yield ProgressBar(id="install-progress", show_eta=False)
                yield Static("", id="install-step", markup=False)
            yield Log(id="install-log", highlight=False)
            yield Static("", id="install-result", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Install now", id="confirm", variant="error", disabled=True, compact=True)
                yield Button("Back", id="close", compact=True)
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.sub_title = "dry run: nothing is changed until you press Install now"
        self.query_one("#install-bar").display = False
        self._prepare()

    # ----------------------------------------------------------------------------- the dry run
    @on(Choice.Changed, "#source")
    def _source_changed(self, event: Choice.Changed) -> None:
        _, asks, example = _SOURCE[str(event.value)]
        path = self.query_one("#source-path", Input)
        path.disabled, path.placeholder = not asks, example
        if asks:
            path.focus()
        else:
            self._prepare()  # back to the download: nothing more to fill in

    @on(Input.Submitted, "#source-path")
    @on(Button.Pressed, "#dry-run-again")
    def _again(self) -> None:
        if not self.running:
            self._prepare()

    def _source(self) -> tuple[str | None, str | None] | str:
        """(install script, bundle folder) as chosen, or what is wrong with the choice."""
        source = str(self.query_one("#source", Choice).value)
        _, asks, _ = _SOURCE[source]
        text = self.query_one("#source-path", Input).value.strip()
        if not asks:
            return None, None
        if not text:
            return f"Type the {asks}'s path next to Install from, then Dry run."
        path = Path(text).expanduser()
        if source == "script" and not path.is_file():
            return f"Install script {path}: no such file. Pick the file you downloaded from get.k3s.io."
        if source == "airgap" and not path.is_dir():
            return f"Air-gap bundle {path}: not a folder. Pick the folder 'k3stui bundle' wrote."
        return (str(path), None) if source == "script" else (None, str(path))

    def _prepare(self) -> None:
        self.actions = None
        self.query_one("#confirm", Button).disabled = True
        self._result("", failed=False)
        source = self._source()
        if isinstance(source, str):
            self.query_one("#dry-run", Static).update(source)
            return
        self.query_one("#dry-run", Static).update("Reading the host for the dry run…")
        self._dry_run(*source)

    @work(thread=True, exclusive=True, group="install")
    def _dry_run(self, script: str | None, bundle: str | None) -> None:
        from k3stui.install.actions import describe
        from k3stui.install.api import prepare

        state = self.state
        try:
            actions = prepare(state.applied, state.role, root=str(self.root), airgap=bundle,
                              install_script=script, k3s_version=state.applied.k3s_version,
                              findings=state.findings, stamp=self.stamp)
            text = describe(actions)
        except Exception as exc:  # e.g. the host could not be read: said, not raised
            self.app.call_from_thread(self._prepared, None, f"The dry run failed: {exc}")
            return
        self.app.call_from_thread(self._prepared, actions, text)

    def _prepared(self, actions: Any, text: str) -> None:
        self.actions = actions
        self.query_one("#dry-run", Static).update(in_ui_words(text))
        refused = actions is None or actions.refused
        self.query_one("#confirm", Button).disabled = refused
        self.refresh_bindings()
        if actions is not None and refused:
            self._result("Refused: the dry run found errors (above); nothing will be changed.", failed=True)

    # ----------------------------------------------------------------------------- the install
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return None if self.running or self.actions is None or self.actions.refused else True
        if action == "close" and self.running:
            return None
        return True

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if not self.running:
            self.dismiss(None)

    def action_confirm(self) -> None:
        if self.running or self.actions is None or self.actions.refused:
            return
        self.begin_running()
        self._install()

    def begin_running(self) -> None:
        """Show the running state: the log and the bar, every control off until it ends."""
        self.running = True
        self.sub_title = "installing: every change is undone if a step fails"
        self.query_one("#install-box").set_classes("-running")
        for control in ("#confirm", "#close", "#source", "#source-path", "#dry-run-again"):
            self.query_one(control).disabled = True
        self.query_one("#install-bar").display = True
        total = len(self.actions.files) + len(self.actions.commands) if self.actions is not None else 1
        self.query_one(ProgressBar).update(total=total, progress=0)
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="install")
    def _install(self) -> None:
        def on_event(event: Event) -> None:
            self.app.call_from_thread(self.show_event, event)

        try:
            from k3stui.install.runner import run_actions

            result = run_actions(self.actions, on_event)
        except Exception as exc:  # the runner reports failures in its Result; this is a bug, still said
            self.app.call_from_thread(self.finished, False, f"the installer stopped unexpectedly: {exc}", ())
            return
        self.app.call_from_thread(self.finished, result.ok, result.message, tuple(result.undone))

    def show_event(self, event: Event) -> None:
        log, bar = self.query_one(Log), self.query_one(ProgressBar)
        step = self.query_one("#install-step", Static)
        if isinstance(event, StepStarted):
            bar.update(total=event.total, progress=event.index - 1)
            step.update(f"step {event.index} of {event.total}")
            log.write_line(event.title)
        elif isinstance(event, OutputLine):
            log.write_line(event.text)
        elif isinstance(event, StepDone):
            bar.update(total=event.total, progress=event.index)
            if not event.changed:
                log.write_line(f"unchanged: {event.title}")
        elif isinstance(event, StepFailed):
            self._failed_step = f"step {event.index} of {event.total}"
            log.write_line(f"failed: {event.title}: {in_ui_words(event.reason)}")
        elif isinstance(event, Undone):
            for line in event.restored:
                log.write_line(f"undone: {line}")
            for line in event.problems:
                log.write_line(f"NOT undone: {line}")
        elif isinstance(event, Finished):
            log.write_line(in_ui_words(event.message))

    def finished(self, ok: bool, message: str, undone: Sequence[str]) -> None:
        """The end of the run: the bar full and green, or stopped and red where it failed."""
        self.running = False
        self.query_one("#install-box").set_classes("-done")
        self.query_one("#close", Button).disabled = False
        bar = self.query_one(ProgressBar)
        bar.set_class(ok, "-ok")
        bar.set_class(not ok, "-failed")
        step = self.query_one("#install-step", Static)
        if ok:
            bar.update(progress=bar.total or 0)
            step.update("done")
            self.sub_title = "installed"
            self._result(f"Installed. {message}\nOnce K3s is up, F6 checks the network against the plan "
                         "(k3stui doctor).", failed=False)
            return
        step.update(f"failed at {self._failed_step}" if self._failed_step else "failed")
        self.sub_title = "failed: everything it changed was put back"
        rolled = "\n".join(f"  rolled back: {u}" for u in undone) or "  nothing had been changed"
        message = in_ui_words(message)
        advice = ""
        if ("download" in message.lower() and "Install from" not in message
                and self.query_one("#source", Choice).value == "online"):
            advice = ("\nNo download here? Choose a local install script or an air-gap bundle under "
                      "Install from, then Dry run.")
        self._result(f"The install failed: {message}\n{rolled}{advice}", failed=True)
        self.query_one("#source").disabled = False
        self.query_one("#dry-run-again").disabled = False
        self.query_one("#source-path").disabled = not _SOURCE[str(self.query_one("#source", Choice).value)][1]
        self.refresh_bindings()

    def _result(self, text: str, *, failed: bool) -> None:
        result = self.query_one("#install-result", Static)
        result.update(text)
        result.set_class(failed, "-failed")
