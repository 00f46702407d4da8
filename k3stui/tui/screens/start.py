"""Where the plan starts: a shipped preset, a preset file, this host's K3s config, or K3s defaults.

The presets are listed with their descriptions, read from each file's metadata line without the
YAML parser (`starting_points.metadata_description`): the screen paints without it. A preset file's
path is typed into the Input and loaded by its Enter: no Load button, whose 250 lines of Textual CSS
were a tenth of the first paint (the editor's buttons have theirs parsed by the warm-up)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Header, Input, Label, OptionList
from textual.widgets.option_list import Option

from k3stui import plan as p
from k3stui.findings import Finding, InputError
from k3stui.tui import starting_points as st
from k3stui.tui.screens.fresh import FreshScreen
from k3stui.tui.widgets.steady_footer import SteadyFooter

# A starting point: (plan, where it came from, importers' findings, (name, description) of the preset if one).
Start = tuple[p.Plan, str, list[Finding], tuple[str, str] | None]


class StartScreen(FreshScreen[None]):
    """The app's first screen (it stays under the editor), or opened again over the editor (ctrl+o),
    which it then leaves. A choice is posted to the app as `Chosen`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),
        Binding("ctrl+l", "focus_file", "Preset file"),
    ]

    class Shown(Message):
        """The screen has painted (posted once its first refresh is done): time for the app's warm-up."""

    class Chosen(Message):
        """A starting point read: the app opens it (and closes this screen if it was opened again)."""

        def __init__(self, start_screen: StartScreen, start: Start) -> None:
            super().__init__()
            self.start_screen, self.start = start_screen, start

        @property
        def control(self) -> StartScreen:
            return self.start_screen

    def __init__(self, root: Path, *, can_go_back: bool = False) -> None:
        super().__init__()
        self.root = root
        self.can_go_back = can_go_back

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="start"):
            yield Label("Start from…", classes="section-title")
            yield OptionList(*self._options(), id="starts")
            yield Label("…or a preset file (type its path, then Enter):", classes="section-title")
            yield Input(placeholder="e.g. presets/my-cluster.yaml", id="preset-file")
        yield SteadyFooter()

    def _options(self) -> list[Option]:
        options = [Option("K3s defaults — flannel vxlan, 10.42.0.0/16 pods, 10.43.0.0/16 services",
                          id="defaults")]
        try:
            host = ", ".join(f"/{f.relative_to(self.root)}" for f in st.host_config_files(self.root))
        except InputError as exc:  # offered anyway: choosing it says why again
            host = f"cannot be read: {exc}"
        if host:
            options.append(Option(f"This host's K3s config — {host}", id="host"))
        for name, description in st.shipped_presets():
            options.append(Option(f"Preset {name} — {description}", id=f"preset:{name}"))
        return options

    def on_mount(self) -> None:
        self.title, self.sub_title = "k3stui", "choose a starting point"
        self.query_one(OptionList).focus()
        self.call_after_refresh(self.post_message, self.Shown())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        choice = event.option.id or ""
        if choice == "defaults":
            self._choose((p.Plan(), "K3s defaults", [], None))
        elif choice == "host":
            self._load_host()
        elif choice.startswith("preset:"):
            self._load_shipped(choice.removeprefix("preset:"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._load_file()

    def _load_file(self) -> None:
        from k3stui.tui.screens.path_prompt import typed_path

        path = typed_path(self.query_one("#preset-file", Input).value, self)
        if path is not None:
            self._load_preset(path)

    def _load_preset(self, path: Path) -> None:
        try:
            preset = st.preset_from_file(path)
        except InputError as exc:
            self.notify(str(exc), title="Cannot load the preset", severity="error", timeout=10)
            return
        self._choose((preset.plan, f"preset {preset.name}", [], (preset.name, preset.description)))

    def _load_shipped(self, name: str) -> None:
        from k3stui.presets import load_shipped

        try:
            preset = load_shipped(name)
        except InputError as exc:
            self.notify(str(exc), title="Cannot load the preset", severity="error", timeout=10)
            return
        self._choose((preset.plan, f"preset {preset.name}", [], (preset.name, preset.description)))

    def _load_host(self) -> None:
        try:
            plan, found = st.plan_from_host(self.root)
        except InputError as exc:
            self.notify(str(exc), title="Cannot read the config", severity="error", timeout=10)
            return
        self._choose((plan, "this host's K3s config", found, None))

    def _choose(self, start: Start) -> None:
        self.post_message(self.Chosen(self, start))

    def action_focus_file(self) -> None:
        self.query_one("#preset-file", Input).focus()

    def action_back(self) -> None:
        if self.can_go_back:
            self.app.pop_screen()
