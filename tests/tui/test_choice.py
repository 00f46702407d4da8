"""The option rows' choice widget (issue 16): one widget until it is opened, its list picked from by
keyboard or mouse, left / right stepping without opening it, the blank shown as "K3s default"."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import OptionList, Select
from tuikit import notes, row, settle, until

from k3stui import plan as p
from k3stui.tui.help_texts import help_for
from k3stui.tui.state import PlanState
from k3stui.tui.widgets.choice import Choice, ChoiceList, place_under
from k3stui.tui.widgets.help_panel import OptionHelp


def choice(app, path: str) -> Choice:
    return row(app, path).query_one(Choice)


def shown(widget: Choice) -> str:
    return str(widget.render())


async def opened(pilot) -> OptionList:
    await until(pilot, lambda: isinstance(pilot.app.screen, ChoiceList))
    return pilot.app.screen.query_one(OptionList)


async def closed(pilot) -> None:
    await until(pilot, lambda: not isinstance(pilot.app.screen, ChoiceList))
    await settle(pilot)


async def test_keys_open_pick_step_and_blank_is_unset(make_app):
    """Egress selector: blank ("K3s default"), agent, cluster, pod, disabled; with Calico, pod draws
    EGRESS002 under the row."""
    state = PlanState()
    state.set_text("cni.kind", "calico")
    app = make_app(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        widget = choice(app, "egress_selector_mode")
        widget.focus()
        await pilot.pause()
        assert shown(widget).startswith("K3s default") and shown(widget).rstrip().endswith("▾")
        prompt = widget.render().spans[0]  # dim: not to be taken for a value
        assert prompt.style == widget.get_component_rich_style("choice--prompt")

        await pilot.press("enter")
        listing = await opened(pilot)
        assert listing.highlighted == 0  # the current value, marked in words too
        assert str(listing.get_option_at_index(0).prompt) == "K3s default ✓"
        await pilot.press("down", "down", "down", "enter")
        await closed(pilot)
        assert app.screen.focused is widget
        assert widget.value == "pod" and app.state.value("egress_selector_mode") == "pod"
        assert "✗" in notes(app, "egress_selector_mode") or "!" in notes(app, "egress_selector_mode")

        await pilot.press("space")
        listing = await opened(pilot)
        assert listing.highlighted == 3
        await pilot.press("home", "escape")  # moved, then closed: nothing changes
        await closed(pilot)
        assert widget.value == "pod" and app.state.value("egress_selector_mode") == "pod"

        await pilot.press("enter", "d", "a")  # type to search: "d" disabled, then "a" agent
        listing = await opened(pilot)
        await until(pilot, lambda: listing.highlighted == 1)
        await pilot.press("escape")
        await closed(pilot)

        await pilot.press("left")  # a step without opening the list
        await settle(pilot)
        assert widget.value == "cluster" and app.state.value("egress_selector_mode") == "cluster"
        assert notes(app, "egress_selector_mode") == ""  # the finding went with the value
        await pilot.press("left", "left", "left")  # agent, then the blank; it stops there
        await settle(pilot)
        assert widget.value is Choice.BLANK and shown(widget).startswith("K3s default")
        assert app.state.value("egress_selector_mode") is None  # unset: K3s's own default applies


async def test_a_click_opens_the_list_and_a_click_picks(make_app):
    app = make_app(PlanState())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        widget = choice(app, "egress_selector_mode")
        await pilot.click(widget)
        await opened(pilot)
        await pilot.click(offset=(0, 0))  # outside the list: closed, unchanged
        await closed(pilot)
        assert widget.value is Choice.BLANK
        help_text = str(app.screen.query_one(OptionHelp).render())
        assert help_for("egress_selector_mode").title in help_text  # the help follows the focus

        await pilot.click(widget)
        listing = await opened(pilot)
        assert listing.region.y == widget.region.bottom  # right under the row
        values = widget.values
        await pilot.click(listing, offset=(3, 1 + values.index("cluster")))  # past the top border
        await closed(pilot)
        assert widget.value == "cluster" and app.state.value("egress_selector_mode") == "cluster"
        assert app.screen.focused is widget


class _OneChoice(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.changes: list[tuple[Choice, str | None]] = []

    def compose(self) -> ComposeResult:
        yield Choice(("vxlan", "host-gw"), "vxlan", id="backend")

    def on_choice_changed(self, event: Choice.Changed) -> None:
        self.changes.append((event.control, event.value))


async def test_code_sets_post_changed_unless_prevented():
    app = _OneChoice()
    async with app.run_test() as pilot:
        widget = app.query_one(Choice)
        with widget.prevent(Choice.Changed):
            widget.value = "host-gw"
        await pilot.pause()
        assert app.changes == [] and widget.value == "host-gw"
        widget.value = "host-gw"  # the same value: no change to tell
        widget.value = "vxlan"
        await pilot.pause()
        assert app.changes == [(widget, "vxlan")]
        with pytest.raises(ValueError, match="'udp' is not one of vxlan, host-gw"):
            widget.value = "udp"
        widget.value = Choice.BLANK  # no blank allowed: the first option, as Select does
        assert widget.value == "vxlan"
        widget.options = ("host-gw",)  # its value gone: the first option
        await pilot.pause()
        assert widget.value == "host-gw" and app.changes[-1] == (widget, "host-gw")

        widget.options = ("vxlan", "host-gw")
        widget.disabled = True  # a value implied by other choices: shown, not editable
        await pilot.click(Choice)
        await pilot.press("left")
        assert not isinstance(app.screen, ChoiceList) and widget.value == "host-gw"
        widget.disabled = False
        widget.focus()
        await pilot.press("left")
        assert widget.value == "vxlan"


async def test_an_imported_value_outside_the_list_shows(make_app):
    state = PlanState()
    state.set_text("egress_selector_mode", "tunnel")  # as an imported config.yaml may say
    app = make_app(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        widget = choice(app, "egress_selector_mode")
        assert shown(widget).startswith("tunnel") and widget.values[-1] == "tunnel"
        assert notes(app, "egress_selector_mode")  # and what is wrong with it, under it
        # a plan loaded over it (Ctrl+O) with another value we do not list
        app.state.load(p.Plan(egress_selector_mode="legacy"), "another")
        app.screen.refresh_view(values=True)
        await settle(pilot)
        assert widget.value == "legacy" and shown(widget).startswith("legacy")
        assert "tunnel" not in widget.values  # the earlier plan's value is not offered any more


async def test_a_preset_editor_has_no_select(make_app):
    """Each Select was six widgets mounted with the form (issue 16: "preset ready <= 300 ms")."""
    app = make_app()
    async with app.run_test() as pilot:
        options = app.screen.query_one(OptionList)
        options.highlighted = [o.id for o in options.options].index("preset:multus-macvlan")
        await pilot.press("enter")
        await until(pilot, lambda: getattr(app.screen, "shown_tab", None) == "cluster")
        assert not app.screen.query(Select)
        choices = list(app.screen.query(Choice))
        assert [c.parent.field.path for c in choices] == ["role", "egress_selector_mode"]
        assert all(not c.children for c in choices)


def test_the_list_opens_below_or_else_above():
    from textual.geometry import Offset, Region, Size

    screen = Size(80, 24)
    assert place_under(Region(21, 9, 58, 1), Size(60, 7), screen) == Offset(20, 10)
    assert place_under(Region(21, 20, 58, 1), Size(60, 7), screen) == Offset(20, 13)  # above
    assert place_under(Region(0, 2, 10, 1), Size(12, 30), screen) == Offset(0, 0)  # taller than the screen


def test_a_value_reads_as_its_label_where_it_has_one():
    widget = Choice(["online", "script"], "online", labels={"script": "a local install script"})
    assert widget.label("script") == "a local install script" and widget.label("online") == "online"
    assert widget.value == "online" and widget.values == ("online", "script")
