"""SVG snapshots of the main screens at 80x24 and 120x40 (pytest-textual-snapshot).

Regenerate after a deliberate UI change: pytest tests/tui --snapshot-update, then review the SVGs.
The app is rooted in tmp_path and starts from a fixed plan, so nothing of this host shows.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input, TabbedContent

from k3stui.tui.screens.plan_editor import PlanEditorScreen
from k3stui.tui.state import PlanState

SIZES = [(80, 24), (120, 40)]
both_sizes = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")


async def show_tab(pilot, tab: str) -> None:
    """Switch tabs once the plan screen is up (the app pushes it from on_mount), then settle."""
    for _ in range(50):
        if isinstance(pilot.app.screen, PlanEditorScreen) and pilot.app.screen.query(TabbedContent):
            break
        await pilot.pause(0.05)
    await pilot.pause(0.1)
    pilot.app.screen.query_one(TabbedContent).active = tab
    await settle(pilot)
    assert pilot.app.screen.query_one(TabbedContent).active == tab


def on_tab(tab: str):
    """A `run_before` that shows `tab`."""
    async def run_before(pilot) -> None:
        await show_tab(pilot, tab)

    return run_before


async def settle(pilot) -> None:
    """A tab switch animates its underline and moves focus: wait for both before the picture.
    A blinking cursor would make the picture depend on timing: keep it steady."""
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    for _ in range(3):  # the footer recomposes for the newly focused field a few frames later
        await pilot.pause(0.1)


@both_sizes
def test_start_screen(snap_compare, make_app, size):
    assert snap_compare(make_app(), terminal_size=size)


@both_sizes
def test_plan_cluster_tab(snap_compare, make_app, size):
    assert snap_compare(make_app(PlanState()), terminal_size=size)


@both_sizes
def test_addresses_with_a_bad_cidr(snap_compare, make_app, size):
    state = PlanState()
    state.set_text("cluster_cidr", "10.42.0.0/33")
    assert snap_compare(make_app(state), terminal_size=size, run_before=on_tab("addresses"))


@both_sizes
def test_pod_network_with_calico(snap_compare, make_app, size):
    state = PlanState()
    state.set_text("cni.kind", "calico")
    assert snap_compare(make_app(state), terminal_size=size, run_before=on_tab("network"))


@both_sizes
def test_preview_host_gw(snap_compare, make_app, size):
    state = PlanState()
    state.set_text("flannel.backend", "host-gw")
    state.set_text("nodes", "srv1=10.0.0.30@server, ag1=10.0.0.31")
    assert snap_compare(make_app(state), terminal_size=size, run_before=on_tab("preview"))


def test_save_prompt(snap_compare, make_app, tmp_path):
    async def open_save(pilot):
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        pilot.app.screen.query_one("#path").value = "saved/lab.yaml"  # not tmp_path: stable SVG
        await settle(pilot)

    assert snap_compare(make_app(PlanState()), terminal_size=(80, 24), run_before=open_save)


@both_sizes
def test_pod_network_multus_two_networks(snap_compare, make_app, size):
    """Two macvlan networks; the second's subnet overlaps cluster-cidr, said under that field."""
    from k3stui.tui.fields import field_for

    state = PlanState()
    state.set_flag("multus", True)
    state.set_text("cni.multus.networks[0].master", "eth1")
    state.set_text("cni.multus.networks[0].subnet", "192.168.50.0/24")
    state.add_network()
    state.set_text("cni.multus.networks[1].master", "eth2")
    state.set_text("cni.multus.networks[1].subnet", "10.42.5.0/24")

    async def show_second_network(pilot):
        await show_tab(pilot, "network")
        subnet = pilot.app.screen.query_one("#" + field_for("cni.multus.networks[1].subnet").widget_id)
        subnet.query_one(Input).focus()
        await settle(pilot)
        # the second network from its title down, not the tab's top
        pilot.app.screen.query_one("#net-1").scroll_visible(animate=False, top=True)
        await settle(pilot)

    assert snap_compare(make_app(state), terminal_size=size, run_before=show_second_network)
