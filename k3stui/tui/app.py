"""The k3stui terminal UI: pick a starting point, edit the plan with live findings and previews,
save it as a preset, export its files, install it.

`root` stands for "/" (this host's config is read under it, the installer writes under it) and
`out_dir` is where Save and Export propose to write; tests point both at tmp_path.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from k3stui.tui.commands import K3sCommands
from k3stui.tui.screens.start import Start, StartScreen
from k3stui.tui.state import PlanState


class K3sTuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "k3stui"
    COMMANDS = App.COMMANDS | {K3sCommands}
    # F6 on any screen (an F-key: a focused Input does not take it), hidden: the footers stay as they are.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f6", "open_doctor", "Doctor", show=False)]

    def __init__(self, *, root: Path = Path("/"), out_dir: Path | None = None,
                 state: PlanState | None = None) -> None:
        super().__init__()
        self.root = root
        self.out_dir = out_dir or Path.cwd()
        self._initial_state = state
        self.state: PlanState | None = None

    def on_mount(self) -> None:
        if self._initial_state is not None:  # e.g. tests and benchmarks that skip the start screen
            self._open_plan(self._initial_state)
        else:
            self.push_screen(StartScreen(self.root), self._started)

    def _started(self, start: Start | None) -> None:
        if start is None:
            return
        plan, source, found, label = start
        if self.state is None:
            self._open_plan(PlanState(plan, source, found, label=label))
        else:
            self.state.load(plan, source, found, label)
            self._plan_screen().refresh_view(values=True)

    def _open_plan(self, state: PlanState) -> None:
        from k3stui.tui.screens.plan_editor import PlanEditorScreen

        self.state = state
        self.push_screen(PlanEditorScreen(state, installer_missing=None))

    def _plan_screen(self):  # -> PlanEditorScreen, imported lazily
        from k3stui.tui.screens.plan_editor import PlanEditorScreen

        return next(s for s in self.screen_stack if isinstance(s, PlanEditorScreen))

    def action_open_start(self) -> None:
        """From the plan screen only (its ctrl+o, the palette): not over a running install."""
        self.push_screen(StartScreen(self.root, can_go_back=self.state is not None), self._started)

    def action_open_doctor(self) -> None:
        """The doctor screen for the plan being edited (K3s defaults before one is chosen)."""
        from k3stui.plan import Plan
        from k3stui.tui.screens.doctor import DoctorScreen

        self.push_screen(DoctorScreen(self.state.applied if self.state else Plan(), self.root))
