"""The k3stui terminal UI: pick a starting point, edit the plan with live findings and previews,
save it as a preset, export its files, install it.

`root` stands for "/" (this host's config is read under it, the installer writes under it) and
`out_dir` is where Save and Export propose to write; tests point both at tmp_path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from k3stui.exit_codes import INTERNAL
from k3stui.tui.commands import K3sCommands
from k3stui.tui.screens.start import StartScreen

if TYPE_CHECKING:
    from k3stui.tui.screens.plan_editor import PlanEditorScreen
    from k3stui.tui.state import PlanState


# Seconds between the start screen's first paint and the warm-up: the screen settles first, and
# reading the list and choosing take longer than this and the warm-up together.
WARM_UP_DELAY = 0.5


class K3sTuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "k3stui"
    COMMANDS = App.COMMANDS | {K3sCommands}
    # F6 on any screen (an F-key: a focused Input does not take it), hidden: the footers stay as they are.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f6", "open_doctor", "Doctor", show=False)]
    # 80x24 and the like get a denser layout (app.tcss: .-narrow, .-short).
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (32, "-tall")]

    def __init__(self, *, root: Path = Path("/"), out_dir: Path | None = None,
                 state: PlanState | None = None, tab: str | None = None) -> None:
        super().__init__()
        self.root = root
        self.out_dir = out_dir or Path.cwd()
        self._initial_state = state
        self._initial_tab = tab  # the editor's first tab for `state` (tests open the one they are about)
        self.state: PlanState | None = None
        # Set when an exception nothing handled ended the app: what to tell the user (exit 3).
        self.crash: str | None = None
        self._warmed = False  # the warm-up has been scheduled (see on_start_screen_shown)
        # How the warm-up ended (None until it has): SUCCESS, the editor opens without importing or parsing.
        self.warm_up_ended: WorkerState | None = None

    def get_default_screen(self) -> Screen[Any]:
        """The start screen is the app's first screen, not pushed over Textual's blank one: a second
        screen was ~40 ms of the first paint. A plan given (tests, benchmarks) opens over a blank one."""
        if self._initial_state is not None:
            return super().get_default_screen()
        screen = StartScreen(self.root)
        screen.update_classes(self.breakpoint_classes(), update=False)  # as push_screen does
        return screen

    def on_mount(self) -> None:
        if self._initial_state is not None:  # e.g. tests and benchmarks that skip the start screen
            self._open_plan(self._initial_state, self._initial_tab)

    def on_start_screen_shown(self) -> None:
        """Import the plan editor, rules and PyYAML in a thread while the user reads the list
        (see `warm_up`): a moment after the start screen has painted, so that it does not compete
        with the screen's own first layout and paint (a thread shares the GIL). A choice made sooner
        imports what it needs itself. An import error is left for that choice to show."""
        if not self._warmed:
            self._warmed = True
            self.set_timer(WARM_UP_DELAY, self._warm_up)

    def _warm_up(self) -> None:
        from k3stui.tui.warm_up import warm_up

        self.run_worker(warm_up, name="warm-up", group="warm-up", thread=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The warm-up's imports done: parse the editor's stylesheet and its widgets' default CSS now
        (in the loop, the stylesheet is not shared with a thread) rather than after Enter. Their rules
        match no start-screen widget."""
        if event.worker.group != "warm-up" or not event.worker.is_finished:
            return
        if event.state is WorkerState.SUCCESS:
            from k3stui.tui.screens.plan_editor import PlanEditorScreen
            from k3stui.tui.warm_up import editor_default_css

            self._add_stylesheet(PlanEditorScreen.STYLESHEET)
            for read_from, css, tie_breaker, scope in editor_default_css():
                self.stylesheet.add_source(css, read_from=read_from, is_default_css=True,
                                           tie_breaker=tie_breaker, scope=scope)
            self.stylesheet.parse()
        self.warm_up_ended = event.state

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        """Textual's push, with the screen's size classes (.-narrow, .-short) set before it mounts:
        set by its first Resize instead, they restyle every widget of it once more (~100 ms for
        the plan editor)."""
        if isinstance(screen, Screen):
            screen.update_classes(self.breakpoint_classes(), update=False)
            sheet = getattr(screen, "STYLESHEET", None)
            if isinstance(sheet, Path):
                self._add_stylesheet(sheet)
        return super().push_screen(screen, *args, **kwargs)

    def breakpoint_classes(self) -> dict[str, bool]:
        """The breakpoint classes for the terminal's size, as Textual's Screen sets them on Resize."""
        width, height = self.size
        classes: dict[str, bool] = {}
        for dimension, points in ((width, self.HORIZONTAL_BREAKPOINTS), (height, self.VERTICAL_BREAKPOINTS)):
            reached = [name for at, name in sorted(points) if dimension >= at]
            classes |= {name: name == reached[-1] if reached else False for _, name in points}
        return classes

    def on_start_screen_chosen(self, message: StartScreen.Chosen) -> None:
        """A starting point chosen: opened in the editor, or loaded into it when the start screen
        was opened again over it (that screen then closes; the first one stays under the editor)."""
        from k3stui.tui.state import PlanState

        if message.start_screen is not self.screen:  # a second Enter before the editor opened
            return
        if message.start_screen is not self.screen_stack[0]:
            self.pop_screen()
        plan, source, found, label = message.start
        if self.state is None:
            self._open_plan(PlanState(plan, source, found, label=label))
        else:
            self.state.load(plan, source, found, label)
            self._plan_screen().refresh_view(values=True)

    def _open_plan(self, state: PlanState, tab: str | None = None) -> None:
        from k3stui.tui.screens.plan_editor import PlanEditorScreen

        self.state = state
        self.push_screen(PlanEditorScreen(state, tab=tab))

    def _add_stylesheet(self, path: Path) -> None:
        """A screen's rules (its STYLESHEET), added when it is first opened (not parsed before the
        first paint). Not the screen's CSS_PATH: for that Textual re-parses every stylesheet of the
        app (~100 ms); added as a source, only the new file is parsed, as a widget's DEFAULT_CSS is."""
        if not self.stylesheet.has_source(str(path), ""):
            self.stylesheet.add_source(path.read_text(encoding="utf-8"), read_from=(str(path), ""))

    def _plan_screen(self) -> PlanEditorScreen:
        from k3stui.tui.screens.plan_editor import PlanEditorScreen

        return next(s for s in self.screen_stack if isinstance(s, PlanEditorScreen))

    def action_open_start(self) -> None:
        """From the plan screen only (its ctrl+o, the palette): not over a running install."""
        self.push_screen(StartScreen(self.root, can_go_back=self.state is not None))

    def action_open_doctor(self) -> None:
        """The doctor screen for the plan being edited (K3s defaults before one is chosen)."""
        from k3stui.plan import Plan
        from k3stui.tui.screens.doctor import DoctorScreen

        self.push_screen(DoctorScreen(self.state.applied if self.state else Plan(), self.root))

    def _handle_exception(self, error: Exception) -> None:
        """Textual's one hook for an exception no handler caught: keep the user's unsaved plan,
        then end with exit status 3 and a sentence instead of a screen of traceback."""
        if self.crash is None:  # the first one counts; later ones come from tearing down
            from k3stui.tui.plan_files import write_recovery

            saved = ""
            if self.state is not None and self.state.edited:
                try:
                    saved = f" Your unsaved plan was written to {write_recovery(self.state, self.out_dir)}."
                except Exception as exc:  # already failing: say so, do not hide the bug
                    saved = f" Your unsaved plan could not be written ({exc})."
            self.crash = (f"k3stui: internal error: {type(error).__name__}: {error}.{saved} "
                          "Run with K3STUI_DEBUG=1 for the traceback and report it.")
        if os.environ.get("K3STUI_DEBUG"):
            super()._handle_exception(error)  # Textual prints the traceback on exit
        else:
            self.exit(INTERNAL, return_code=INTERNAL)


def run_app(root: Path, out_dir: Path) -> int:
    """Run the UI in this terminal; the exit status (3 after a crash, its message on stderr)."""
    app = K3sTuiApp(root=root, out_dir=out_dir)
    result = app.run()
    if app.crash is not None:
        print(app.crash, file=sys.stderr)
        return INTERNAL
    return result if isinstance(result, int) else 0
