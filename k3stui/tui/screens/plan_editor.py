"""The main screen: the plan's options in tabs, live findings under each field, previews, help."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Footer, Header, Label, Static, TabbedContent, TabPane

from k3stui import plan as p
from k3stui.tui.fields import FIELDS, SECTIONS, TABS, section_visible
from k3stui.tui.state import PlanState
from k3stui.tui.widgets.field_row import FieldRow
from k3stui.tui.widgets.findings_list import FindingsList
from k3stui.tui.widgets.help_panel import HelpPanel
from k3stui.tui.widgets.implications_view import ImplicationsView
from k3stui.tui.widgets.macvlan_networks import MacvlanNetworks
from k3stui.tui.widgets.preview_pane import PreviewPane
from k3stui.tui.widgets.summary_bar import SummaryBar

_TAB_IDS = [tab for tab, _ in TABS]
_PREVIEW_DELAY = 0.15  # seconds of quiet typing before the previews re-render


class PlanEditorScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: Input binds ctrl+e (end of line); the app's actions win on this screen.
        Binding("f1", "toggle_help", "Help", priority=True),
        Binding("ctrl+s", "save", "Save preset", priority=True),
        Binding("ctrl+e", "export", "Export", priority=True),
        Binding("f9", "install", "Install", priority=True),
        Binding("ctrl+n", "next_tab", "Next tab", show=False, priority=True),
        Binding("ctrl+b", "previous_tab", "Prev tab", show=False, priority=True),
        Binding("ctrl+o", "app.open_start", "Open…"),
    ]

    def __init__(self, state: PlanState, *, installer_missing: str | None = None) -> None:
        super().__init__()
        self.state = state
        self.installer_missing = installer_missing
        self._preview_timer: Timer | None = None
        self._preview_stale = True
        # A tab switch settles through a message; presses arriving before it must step from the
        # tab already asked for, not the one still shown, or fast presses get lost.
        self._tab_asked: str | None = None

    # ----------------------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Header()
        yield SummaryBar(id="summary")
        with TabbedContent(initial="cluster", id="tabs"):
            for tab, title in TABS:
                with TabPane(title, id=tab):
                    yield from self._tab_body(tab)
        yield HelpPanel(id="help")
        yield Footer()

    def _tab_body(self, tab: str) -> ComposeResult:
        if tab == "findings":
            with VerticalScroll(classes="tab-body"):
                yield FindingsList(id="findings-list")
            return
        if tab == "preview":
            yield PreviewPane(id="preview")
            return
        with VerticalScroll(classes="tab-body"):
            if tab == "addresses":
                yield Static("", id="ip-family", markup=False)
            if tab == "network":
                yield ImplicationsView(id="implications")
            yield from (FieldRow(f, self.state) for f in FIELDS if f.tab == tab and not f.section)
            for section, title in SECTIONS.items():
                rows = [f for f in FIELDS if f.tab == tab and f.section == section]
                if rows:
                    with Vertical(id=f"sec-{section}", classes="section"):
                        yield Label(title, classes="section-title")
                        yield from (FieldRow(f, self.state) for f in rows)
                        if section == "multus":
                            yield MacvlanNetworks(self.state, id="networks")

    def on_mount(self) -> None:
        self.title = "k3stui"
        self.refresh_view()
        self._focus_first_field("cluster")

    def _focus_first_field(self, tab: str) -> None:
        """Keyboard users land on the tab's first option, not on the buttons."""
        rows = [r for r in self.query_one(f"TabPane#{tab}").query(FieldRow) if r.display]
        if rows:
            rows[0].input.focus()

    # ----------------------------------------------------------------------------- updating
    def refresh_view(self, *, values: bool = False) -> None:
        """Show the state: counts, every field's findings, derived facts. `values`: after a load."""
        state = self.state
        self.sub_title = state.source
        self.query_one(SummaryBar).show(state, installer=self.installer_missing)
        for row in self.query(FieldRow):
            row.refresh_from(state, values=values)
        for section in SECTIONS:
            self.query_one(f"#sec-{section}").display = section_visible(section, state.applied)
        if self.query_one(MacvlanNetworks).shown != state.network_count:  # Multus turned on, a load
            self.call_next(self._sync_networks)
        family = p.ip_family(state.applied)
        cidrs = ", ".join(p.effective_cluster_cidr(state.applied))
        self.query_one("#ip-family", Static).update(f"IP family: {family}  (from cluster-cidr {cidrs})")
        self.query_one(ImplicationsView).show(state.implications)
        self.query_one(FindingsList).show(state.findings, state.implications)
        self.refresh_bindings()
        self._preview_stale = True
        if self.query_one(TabbedContent).active == "preview":
            self._schedule_preview()

    def _schedule_preview(self) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(_PREVIEW_DELAY, self.refresh_preview)

    def refresh_preview(self) -> None:
        from k3stui.tui.actions import preview_items

        self._preview_stale = False
        self.query_one(PreviewPane).show(preview_items(self.state))

    def on_field_row_edited(self, event: FieldRow.Edited) -> None:
        if isinstance(event.value, bool):
            self.state.set_flag(event.path, event.value)
        else:
            self.state.set_text(event.path, event.value)
        self.refresh_view()

    async def _sync_networks(self, focus: int | None = None, *, rebuild: bool = False) -> None:
        networks = self.query_one(MacvlanNetworks)
        await networks.sync(self.state, rebuild=rebuild)
        self.refresh_view()
        if focus is not None:
            networks.focus_network(focus)

    async def on_macvlan_networks_requested(self, event: MacvlanNetworks.Requested) -> None:
        if event.remove is None:
            index = self.state.add_network()
            self.say(f"Added macvlan network {index + 1}")
        else:
            self.state.remove_network(event.remove)
            index = max(0, event.remove - 1)
            self.say(f"Removed macvlan network {event.remove + 1}")
        await self._sync_networks(index, rebuild=True)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == self._tab_asked:
            self._tab_asked = None
        if event.pane.id != self.query_one(TabbedContent).active:
            return  # a stale switch: focusing its fields would pull the view back to it
        if event.pane.id == "preview" and self._preview_stale:
            self.refresh_preview()
        if event.pane.id in ("preview", "findings"):
            self.query_one(HelpPanel).show(None)
        if event.pane.id == "preview":
            self.query_one("#preview-list").focus()
        elif event.pane.id:
            self._focus_first_field(event.pane.id)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        row = next((n for n in event.widget.ancestors_with_self if isinstance(n, FieldRow)), None)
        if row is not None:
            self.query_one(HelpPanel).show(row.field.help_key or row.field.path)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("save", "export", "install"):
            event.stop()
            self.run_action(event.button.id)

    def say(self, message: str) -> None:
        self.query_one(SummaryBar).say(message)

    # ----------------------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export" and self.state.has_errors:
            return None  # shown greyed in the footer
        if action == "install" and (self.state.has_errors or self.installer_missing):
            return None
        return True

    def action_toggle_help(self) -> None:
        help_panel = self.query_one(HelpPanel)
        help_panel.display = not help_panel.display

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_next_tab(self) -> None:
        self._step_tab(1)

    def action_previous_tab(self) -> None:
        self._step_tab(-1)

    def _step_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        current = self._tab_asked or tabs.active
        self._tab_asked = _TAB_IDS[(_TAB_IDS.index(current) + step) % len(_TAB_IDS)]
        tabs.active = self._tab_asked

    def action_save(self) -> None:
        from k3stui.tui.actions import preset_name
        from k3stui.tui.screens.path_prompt import PathPromptScreen

        default = self.app.out_dir / f"{preset_name(self.state.source)}.yaml"  # type: ignore[attr-defined]
        prompt = PathPromptScreen("Save the plan as a preset file", default, replace_label="Replace it")
        self.app.push_screen(prompt, self._save_to)

    def _save_to(self, answer: tuple[Path, bool] | None) -> None:
        if answer is None:
            return
        from k3stui.tui.actions import save_preset

        path, replace_existing = answer
        try:
            save_preset(self.state, path, force=replace_existing)
        except Exception as exc:  # shown, not raised: the user can pick another path
            self.app.notify(str(exc), title="Not saved", severity="error")
            return
        self.say(f"Saved preset to {path}")
        self.app.notify(str(path), title="Preset saved")

    def action_export(self) -> None:
        if self.state.has_errors:
            self.app.notify("Fix the errors first (see the Findings tab).", severity="warning")
            return
        from k3stui.tui.screens.path_prompt import PathPromptScreen

        prompt = PathPromptScreen("Export every file to a folder", self.app.out_dir,  # type: ignore[attr-defined]
                                  replace_label="Write into a non-empty folder")
        self.app.push_screen(prompt, self._export_to)

    def _export_to(self, answer: tuple[Path, bool] | None) -> None:
        if answer is None:
            return
        from k3stui.tui.actions import export_files

        folder, force = answer
        try:
            written = export_files(self.state, folder, force=force)
        except Exception as exc:
            self.app.notify(str(exc), title="Not exported", severity="error")
            return
        self.say(f"Exported {written} files to {folder}")
        self.app.notify(f"{written} files in {folder}", title="Exported")

    def action_install(self) -> None:
        if self.state.has_errors or self.installer_missing:
            self.app.notify(self.installer_missing or "Fix the errors first.", severity="warning")
            return
        from k3stui.tui.screens.install_confirm import InstallScreen

        self.app.push_screen(InstallScreen(self.state, self.app.root))  # type: ignore[attr-defined]

