"""The main screen: the plan's options in tabs, live findings under each field, previews, help.

Each tab's options are built the first time the tab is shown: the first screen and a large preset
appear at once, and a screen of a few dozen widgets stays quick to lay out.

Typing never waits for the rules: an edit is stored at once and judged in a worker a moment after
the typing pauses; the judgement then redraws only what changed (rows whose findings changed, the
counts when they changed, the footer when Export/Install turn on or off)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Header, Label, Static, TabbedContent, TabPane

from k3stui import plan as p
from k3stui.findings import Severity
from k3stui.tui.fields import FIELDS, SECTIONS, TABS, Field, field_for, section_visible
from k3stui.tui.screens.fresh import FreshScreen
from k3stui.tui.state import PlanState, judge
from k3stui.tui.widgets.field_row import FieldRow
from k3stui.tui.widgets.findings_list import FindingsList
from k3stui.tui.widgets.help_panel import OptionHelp
from k3stui.tui.widgets.implications_view import ImplicationsView
from k3stui.tui.widgets.macvlan_networks import MacvlanNetworks
from k3stui.tui.widgets.preview_pane import PreviewPane
from k3stui.tui.widgets.steady_footer import SteadyFooter
from k3stui.tui.widgets.summary_bar import SummaryBar

if TYPE_CHECKING:
    from k3stui.tui.app import K3sTuiApp
    from k3stui.tui.screens.path_prompt import PathAnswer

W = TypeVar("W", bound=Widget)
_TAB_IDS = [tab for tab, _ in TABS]
_FINDINGS = _TAB_IDS.index("findings")  # the tabs before it hold the options


def _first_field(tab: str) -> Field | None:
    """A tab's first option (outside its sections), the one focused when the tab opens."""
    return next((f for f in FIELDS if f.tab == tab and not f.section), None)


# The option focused when the screen opens: focused by Textual as the screen mounts (not moved
# there afterwards, a footer and help redraw more) and its help shown from the start.
_FIRST = cast("Field", _first_field(_TAB_IDS[0]))
_PREVIEW_DELAY = 0.15  # seconds of quiet typing before the previews re-render
JUDGE_DELAY = 0.04  # seconds of quiet typing before the plan is judged: a burst is judged once


def blocked_reason(state: PlanState) -> str | None:
    """Why Export and Install are off, in the words the status line shows; None when they are on."""
    errors = state.counts[Severity.ERROR]
    if not errors:
        return None
    return f"{errors} error{'s' if errors > 1 else ''}: see Findings"


class PlanEditorScreen(FreshScreen[None]):
    AUTO_FOCUS = f"#{_FIRST.widget_id} .field-input"
    STYLESHEET = Path(__file__).with_name("plan_editor.tcss")  # added as it opens (app.push_screen)
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: Input binds ctrl+e (end of line); the app's actions win on this screen.
        Binding("f1", "toggle_help", "Help", priority=True),
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+e", "export", "Export", priority=True),
        Binding("f9", "install", "Install", priority=True),
        # Hidden (the footer is full at 80 columns): the tab labels count the errors, the palette
        # and the README name the key.
        Binding("f2", "first_error", "First error", show=False, priority=True),
        Binding("ctrl+n", "next_tab", "Next tab", show=False, priority=True),
        Binding("ctrl+b", "previous_tab", "Prev tab", show=False, priority=True),
        Binding("ctrl+o", "app.open_start", "Open"),
    ]

    def __init__(self, state: PlanState, *, tab: str | None = None) -> None:
        """`tab`: the tab shown first (None: the first one; tests open the one they are about)."""
        tab = tab or _TAB_IDS[0]
        if tab not in _TAB_IDS:
            raise ValueError(f"no tab {tab!r}: one of {', '.join(_TAB_IDS)}")
        super().__init__()
        self.state = state
        self._first_tab = tab
        first = _first_field(tab)
        self._first_help = (first.help_key or first.path) if first else None
        # Before the Header mounts: set in on_mount, each would lay the screen out once more.
        self.title, self.sub_title = "k3stui", state.source
        self._preview_timer: Timer | None = None
        self._preview_stale = True
        # A tab switch settles through a message; presses arriving before it must step from the
        # tab already asked for, not the one still shown, or fast presses get lost.
        self._tab_asked: str | None = None
        self._focus_on_switch: str | None = None  # the field path F2 asked for, focused once its tab shows
        self._drawn: dict[str, object] = {}  # what the screen-wide views last showed
        self.shown_tab: str | None = None  # the last tab whose switch has settled (focus moved in)
        self._built: set[str] = {tab}  # tabs whose options are mounted
        self._rows: list[FieldRow] = []
        self._sections: list[Vertical] = []
        self._unfilled: set[str] = set()  # sections mounted empty while hidden (see _tab_body)
        self._views: dict[str, Widget] = {}
        self._labels_shown: tuple[str, ...] = ()  # the tab labels as last drawn (see _label_tabs)

    @property
    def tui(self) -> K3sTuiApp:
        return cast("K3sTuiApp", self.app)

    # ----------------------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Header()
        yield SummaryBar(id="summary")
        self._labels_shown = self._tab_labels()  # composed with their counts: no relabel after mount
        with TabbedContent(initial=self._first_tab, id="tabs"):
            for (tab, _), label in zip(TABS, self._labels_shown, strict=True):
                with TabPane(label, id=tab):
                    if tab in self._built:
                        yield from self._tab_body(tab)
        yield OptionHelp(self._first_help, id="help")
        yield SteadyFooter(compact=True)  # F7/F8 on the Multus section: every key still fits in 80 columns

    def _tab_body(self, tab: str) -> list[Widget]:
        if tab == "findings":
            return [VerticalScroll(FindingsList(id="findings-list"), classes="tab-body")]
        if tab == "preview":
            return [PreviewPane(id="preview")]
        body: list[Widget] = []
        if tab == "addresses":
            body.append(Static("", id="ip-family", markup=False))
        if tab == "network":
            body.append(ImplicationsView(id="implications"))
        body += [FieldRow(f, self.state) for f in FIELDS if f.tab == tab and not f.section]
        for section in SECTIONS:
            if any(f.tab == tab and f.section == section for f in FIELDS):
                # A hidden section (another CNI's) stays empty until it is shown: the Pod network
                # tab is built with one CNI's options, not all four sections'.
                shown = section_visible(section, self.state.applied)
                if not shown:
                    self._unfilled.add(section)
                body.append(Vertical(*(self._section_body(section) if shown else ()), id=f"sec-{section}",
                                     classes="section"))
        return [VerticalScroll(*body, classes="tab-body")]

    def _section_body(self, section: str) -> list[Widget]:
        rows: list[Widget] = [Label(SECTIONS[section], classes="section-title")]
        rows += [FieldRow(f, self.state) for f in FIELDS if f.section == section]
        if section == "multus":
            rows.append(MacvlanNetworks(self.state, id="networks"))
        return rows

    async def _fill_sections(self) -> None:
        """Build the options of the sections the plan now shows (a CNI chosen, Multus turned on)."""
        todo = [s for s in self._sections if s.id and s.id.removeprefix("sec-") in self._unfilled
                and section_visible(s.id.removeprefix("sec-"), self.state.applied)]
        for section in todo:
            name = (section.id or "").removeprefix("sec-")
            self._unfilled.discard(name)
            await section.mount_all(self._section_body(name))
        if todo:
            self._index()
            self.refresh_view()

    async def _build(self, tab: str) -> None:
        """Mount a tab's options the first time it is shown, then show the state in them."""
        if tab in self._built or tab not in _TAB_IDS:
            return
        self._built.add(tab)
        await self.query_one(f"TabPane#{tab}").mount_all(self._tab_body(tab))
        self._drawn.clear()  # the new views have drawn nothing yet
        self._index()
        self.refresh_view()

    def _index(self) -> None:
        """Remember the built rows and views: a DOM query per judgement would cost more than it."""
        self._rows = list(self.query(FieldRow))
        self._sections = list(self.query(".section").results(Vertical))
        self._views = {w.id: w for w in self.query("#networks, #ip-family, #implications, #findings-list")
                       if w.id}

    def _one(self, name: str, kind: type[W]) -> W | None:
        """The view, or None while its tab is not built."""
        view = self._views.get(name)
        return view if isinstance(view, kind) else None

    def on_mount(self) -> None:
        self._index()
        self.refresh_view()
        self._focus_first_field(self._first_tab)

    def _focus_first_field(self, tab: str) -> None:
        """Keyboard users land on the tab's first option, not on the buttons."""
        rows = [r for r in self.query_one(f"TabPane#{tab}").query(FieldRow) if r.display]
        if rows:
            rows[0].input.focus()

    def _help(self) -> OptionHelp | None:
        """The option help, if it is there (queried safely: a palette command may remove widgets)."""
        return next(iter(self.query(OptionHelp)), None)

    # ----------------------------------------------------------------------------- updating
    def refresh_view(self, *, values: bool = False) -> None:
        """Show the state: counts, every field's findings, derived facts. `values`: after a load.
        Each view is redrawn only when what it shows changed."""
        state = self.state
        self.sub_title = state.source
        self.query_one(SummaryBar).show(state)
        for row in self._rows:
            row.refresh_from(state, values=values)
        for section in self._sections:
            section.display = section_visible(section.id.removeprefix("sec-") if section.id else "",
                                              state.applied)
            if section.display and section.id and section.id.removeprefix("sec-") in self._unfilled:
                self.call_next(self._fill_sections)  # after a load or an edit judged at once
        networks = self._one("networks", MacvlanNetworks)
        if networks is not None and networks.shown != state.network_count:  # Multus turned on, a load
            self.call_next(self._sync_networks)
        family = self._one("ip-family", Static)
        if family is not None:
            cidrs = ", ".join(p.effective_cluster_cidr(state.applied))
            self._draw("ip-family", f"IP family: {p.ip_family(state.applied)}  (from cluster-cidr {cidrs})",
                       family.update)
        implications = self._one("implications", ImplicationsView)
        if implications is not None:
            self._draw("implications", state.implications, implications.show)
        self._label_tabs(self._tab_labels())
        findings = self._one("findings-list", FindingsList)
        if findings is not None:
            self._draw("findings", (state.findings, state.implications), lambda shown: findings.show(*shown))
        self._preview_stale = True
        if self.query_one(TabbedContent).active == "preview":
            self._schedule_preview()

    def _tab_labels(self) -> tuple[str, ...]:
        """Each tab's title with the count of errors under its rows (the Findings tab: all of them),
        so an error below the fold of a tab, or on another tab, is seen from anywhere."""
        state = self.state
        counts = {tab: len(state.errors_in(tab)) for tab in _TAB_IDS[:_FINDINGS]} if state.has_errors else {}
        counts["findings"] = state.counts[Severity.ERROR]
        return tuple(f"{title} [b]✗{n}[/b]" if (n := counts.get(tab, 0)) else title for tab, title in TABS)

    def _label_tabs(self, labels: tuple[str, ...]) -> None:
        """Only the labels that changed: each new label lays the whole screen out again."""
        tabs = self.query_one(TabbedContent)
        for (tab, _), label, shown in zip(TABS, labels, self._labels_shown, strict=True):
            if label != shown:
                tabs.get_tab(tab).label = label
        self._labels_shown = labels

    def _draw(self, key: str, shown: Any, draw: Callable[[Any], object]) -> None:
        if self._drawn.get(key, ...) != shown:
            self._drawn[key] = shown
            draw(shown)

    def judge_now(self) -> None:
        """Before anything that acts on the findings (Export, Install): judge a pending edit now."""
        if not self.state.current:
            self.state.revalidate()
            self.refresh_view()

    @work(exclusive=True, group="judge")
    async def _judge_soon(self) -> None:
        """Judge after a short pause in the typing; a newer edit cancels this one (exclusive)."""
        await asyncio.sleep(JUDGE_DELAY)
        judgement = await asyncio.to_thread(judge, self.state.snapshot())
        if self.state.accept(judgement):
            self.refresh_view()
            await self._fill_sections()  # in the worker: settled when it is

    def _schedule_preview(self) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(_PREVIEW_DELAY, self.refresh_preview)

    def refresh_preview(self) -> None:
        from k3stui.tui.plan_files import preview_items

        self._preview_stale = False
        self.query_one(PreviewPane).show(preview_items(self.state))

    def on_field_row_edited(self, event: FieldRow.Edited) -> None:
        if isinstance(event.value, bool):
            self.state.edit_flag(event.path, event.value)
        else:
            self.state.edit_text(event.path, event.value)
        self._judge_soon()

    async def _sync_networks(self, focus: int | None = None) -> None:
        networks = self.query_one(MacvlanNetworks)
        await networks.sync(self.state)
        self._index()
        self.refresh_view()
        if focus is not None:
            networks.focus_network(focus)

    async def on_macvlan_networks_requested(self, event: MacvlanNetworks.Requested) -> None:
        # One layout for the new rows, the status line, the focus and its help (each on its own
        # would lay the whole tab out again).
        with self.app.batch_update():
            await self._build("network")
            self.judge_now()  # the rows are rebuilt from the state: it must hold what was typed
            await self._fill_sections()  # Multus just turned on: its section may still be empty
            if event.remove is None:
                index = self.state.add_network()
                self.say(f"Added macvlan network {index + 1}")
            else:
                self.state.remove_network(event.remove)
                index = max(0, event.remove - 1)
                self.say(f"Removed macvlan network {event.remove + 1}")
            await self._sync_networks(index)

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == self._tab_asked:
            self._tab_asked = None
        if event.pane.id != self.query_one(TabbedContent).active:
            return  # a stale switch: focusing its fields would pull the view back to it
        await self._build(event.pane.id or "")
        if event.pane.id != self.query_one(TabbedContent).active:
            return  # switched on while it was being built
        if event.pane.id == "preview" and self._preview_stale:
            self.refresh_preview()
        help_panel = self._help()
        if event.pane.id in ("preview", "findings") and help_panel is not None:
            help_panel.show(None)
        if event.pane.id == "preview":
            self.query_one("#preview-list").focus()
        elif self._focus_on_switch is not None:
            self._focus_field(self._focus_on_switch)
        elif event.pane.id:
            self._focus_first_field(event.pane.id)
        self._focus_on_switch = None
        self.shown_tab = event.pane.id

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        row = next((n for n in event.widget.ancestors_with_self if isinstance(n, FieldRow)), None)
        help_panel = self._help()
        if row is not None and help_panel is not None:
            help_panel.show(row.field.help_key or row.field.path)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#export")
    def _export_pressed(self) -> None:
        self.action_export()

    @on(Button.Pressed, "#install")
    def _install_pressed(self) -> None:
        self.action_install()

    def say(self, message: str) -> None:
        self.query_one(SummaryBar).say(message)

    # ----------------------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Export and Install stay live while errors remain so their keys can say why (status line).
        return True

    def _refused(self, what: str) -> bool:
        """Say why `what` is off (errors), in the status line; True when it is."""
        self.judge_now()
        reason = blocked_reason(self.state)
        if reason is not None:
            self.say(f"{what} is off: {reason}")
            self.app.bell()
        return reason is not None

    def action_toggle_help(self) -> None:
        help_panel = self._help()
        if help_panel is not None:
            help_panel.display = not help_panel.display

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_network(self, what: str) -> None:
        """The palette's Add / Remove macvlan network (the focused, else the last one)."""
        self.action_show_tab("network")
        networks = self._one("networks", MacvlanNetworks)
        last = networks.focused_network() if networks is not None else self.state.network_count - 1
        self.post_message(MacvlanNetworks.Requested(networks, None if what == "add" else last))

    def action_first_error(self) -> None:
        """F2: show the tab of the first error (tab by tab, row by row) and focus its field."""
        self.judge_now()
        first = next((found[0] for tab in _TAB_IDS[:_FINDINGS] if (found := self.state.errors_in(tab))), None)
        if first is None:
            self.say("No error under any option" if not self.state.has_errors else
                     "The errors are about the plan as a whole: see Findings")
            if self.state.has_errors:
                self.action_show_tab("findings")
            return
        fld, finding = first
        self.say(f"{fld.label}: {finding.message}")
        tabs = self.query_one(TabbedContent)
        if tabs.active == fld.tab:
            self._focus_field(fld.path)
        else:
            self._focus_on_switch = fld.path
            self._tab_asked = tabs.active = fld.tab

    def _focus_field(self, path: str) -> None:
        rows = self.query("#" + field_for(path).widget_id).results(FieldRow)
        row = next(rows, None)
        if row is not None:
            row.input.focus()
            row.scroll_visible(top=True)  # the option and its notes under it

    def action_next_tab(self) -> None:
        self._step_tab(1)

    def action_previous_tab(self) -> None:
        self._step_tab(-1)

    def _step_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        # While a large plan mounts, no tab is active yet (''): step from the first one.
        current = self._tab_asked or tabs.active
        index = _TAB_IDS.index(current) if current in _TAB_IDS else 0
        self._tab_asked = _TAB_IDS[(index + step) % len(_TAB_IDS)]
        tabs.active = self._tab_asked

    def action_save(self) -> None:
        from k3stui.tui.plan_files import preset_name
        from k3stui.tui.screens.path_prompt import PathPromptScreen

        self.judge_now()
        default = self.tui.out_dir / f"{preset_name(self.state.source)}.yaml"
        prompt = PathPromptScreen("Save the plan as a preset file", default, replace_label="Replace it")
        self.app.push_screen(prompt, self._save_to)

    def _save_to(self, answer: PathAnswer | None) -> None:
        if answer is None:
            return
        from k3stui.tui.plan_files import save_preset

        path, replace_existing = answer.path, answer.replace
        try:
            save_preset(self.state, path, force=replace_existing)
        except Exception as exc:  # shown, not raised: the user can pick another path
            self.app.notify(str(exc), title="Not saved", severity="error")
            return
        self.state.saved()
        self.say(f"Saved preset to {path}")
        self.app.notify(str(path), title="Preset saved")

    def action_export(self) -> None:
        if self._refused("Export"):
            return
        from k3stui.tui.plan_files import export_kinds
        from k3stui.tui.screens.path_prompt import PathPromptScreen

        prompt = PathPromptScreen("Export every file to a folder", self.tui.out_dir,
                                  replace_label="Write into a non-empty folder",
                                  kinds=export_kinds(self.state))
        self.app.push_screen(prompt, self._export_to)

    def _export_to(self, answer: PathAnswer | None) -> None:
        if answer is None:
            return
        from k3stui.tui.plan_files import export_files

        folder, force = answer.path, answer.replace
        try:
            written = export_files(self.state, folder, force=force, kind=answer.kind or "roles")
        except Exception as exc:
            self.app.notify(str(exc), title="Not exported", severity="error")
            return
        self.say(f"Exported {written} files to {folder}")
        self.app.notify(f"{written} files in {folder}", title="Exported")

    def action_install(self) -> None:
        if self._refused("Install"):
            return
        from k3stui.tui.screens.install_confirm import InstallScreen

        self.app.push_screen(InstallScreen(self.state, self.tui.root))
