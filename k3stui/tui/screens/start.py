"""Where the plan starts: a shipped preset, a preset file, this host's K3s config, or K3s defaults.

The presets are listed with their descriptions, read from each file's metadata line without the
YAML parser (`starting_points.metadata_description`): the screen paints without it."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Header, Input, Label, OptionList
from textual.widgets.option_list import Option

from k3stui import plan as p
from k3stui.findings import Finding, InputError
from k3stui.tui import starting_points as st
from k3stui.tui.screens.fresh import FreshScreen
from k3stui.tui.widgets.steady_footer import SteadyFooter

# What the start screen hands back: (plan, where it came from, importers' findings).
# (plan, where it came from, importer findings, (name, description) of the preset if one)
Start = tuple[p.Plan, str, list[Finding], tuple[str, str] | None]


class StartScreen(FreshScreen[Start]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),
        Binding("ctrl+l", "focus_file", "Preset file"),
    ]

    class Shown(Message):
        """The screen has painted (posted once its first refresh is done): time for the app's warm-up."""

    def __init__(self, root: Path, *, can_go_back: bool = False) -> None:
        super().__init__()
        self.root = root
        self.can_go_back = can_go_back

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="start"):
            yield Label("Start from…", classes="section-title")
            yield OptionList(*self._options(), id="starts")
            yield Label("…or a preset file:", classes="section-title")
            with Horizontal(id="file-row"):
                yield Input(placeholder="path/to/preset.yaml", id="preset-file")
                yield Button("Load", id="load-file", compact=True)
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
            self.dismiss((p.Plan(), "K3s defaults", [], None))
        elif choice == "host":
            self._load_host()
        elif choice.startswith("preset:"):
            self._load_shipped(choice.removeprefix("preset:"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._load_file()

    @on(Button.Pressed, "#load-file")
    def _load_pressed(self, event: Button.Pressed) -> None:
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
        self.dismiss((preset.plan, f"preset {preset.name}", [], (preset.name, preset.description)))

    def _load_shipped(self, name: str) -> None:
        from k3stui.presets import load_shipped

        try:
            preset = load_shipped(name)
        except InputError as exc:
            self.notify(str(exc), title="Cannot load the preset", severity="error", timeout=10)
            return
        self.dismiss((preset.plan, f"preset {preset.name}", [], (preset.name, preset.description)))

    def _load_host(self) -> None:
        try:
            plan, found = st.plan_from_host(self.root)
        except InputError as exc:
            self.notify(str(exc), title="Cannot read the config", severity="error", timeout=10)
            return
        self.dismiss((plan, "this host's K3s config", found, None))

    def action_focus_file(self) -> None:
        self.query_one("#preset-file", Input).focus()

    def action_back(self) -> None:
        if self.can_go_back:
            self.app.pop_screen()
