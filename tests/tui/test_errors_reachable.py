"""At 80x24 an error may sit below the fold of its tab, or on a tab not shown: each tab's label
counts the errors under its rows, and F2 (or the palette's "Go to the first error") shows the first
one's tab and focuses its option, scrolled into view."""

from __future__ import annotations

from textual.widgets import TabbedContent
from tuikit import opened, palette, row, settle, show, until

from k3stui.plan import Plan
from k3stui.presets import load_shipped
from k3stui.tui.state import PlanState

RANGE_END = "cni.multus.networks[0].range_end"


def labels(app) -> dict[str, str]:
    tabs = app.screen.query_one(TabbedContent)
    return {tab: tabs.get_tab(tab).label.plain
            for tab in ("cluster", "addresses", "network", "host", "findings")}


def on_screen(app, path: str) -> bool:
    """The row's input lies inside the visible part of its tab's scrolling body."""
    widget = row(app, path).input
    body = next(a for a in widget.ancestors if a.has_class("tab-body"))
    return body.region.contains_region(widget.region)


async def test_tab_labels_count_their_errors_and_f2_goes_to_the_first(make_app):
    state = PlanState(load_shipped("multus-macvlan").plan)
    state.set_text(RANGE_END, "192.168.51.216")  # outside the network's subnet, far down its tab
    app = make_app(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, app, "cluster")
        assert labels(app) == {"cluster": "Cluster", "addresses": "Addresses", "network": "Pod network ✗1",
                               "host": "Host", "findings": "Findings ✗1"}
        await pilot.press("f2")
        await until(pilot, lambda: app.screen.shown_tab == "network")
        await settle(pilot)
        assert app.screen.focused is row(app, RANGE_END).input
        assert on_screen(app, RANGE_END)
        assert "Range end" in str(app.screen.query_one("#status").render())
        # another error, on an earlier tab (set through the state: the subject is the marks and F2)
        app.state.set_text("cluster_cidr", "10.42.0.0/33")
        app.screen.refresh_view()
        assert labels(app)["addresses"] == "Addresses ✗1" and labels(app)["findings"] == "Findings ✗2"
        await pilot.press("f2")  # from the Pod network tab: the first error is on Addresses
        await until(pilot, lambda: app.screen.shown_tab == "addresses")
        assert app.screen.focused is row(app, "cluster_cidr").input
        # fixed: the marks go
        app.state.set_text("cluster_cidr", "10.42.0.0/16")
        app.state.set_text(RANGE_END, "192.168.50.216")
        app.screen.refresh_view()
        assert labels(app) == {"cluster": "Cluster", "addresses": "Addresses", "network": "Pod network",
                               "host": "Host", "findings": "Findings"}
        await pilot.press("f2")
        await pilot.pause()
        assert "No error" in str(app.screen.query_one("#status").render())


async def test_the_palette_goes_to_the_first_error_on_the_tab_shown(make_app):
    app = make_app(PlanState(Plan(cluster_cidr=("10.42.0.0/33",))), tab="addresses")
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        row(app, "service_cidr").input.focus()
        await palette(pilot, "first error")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.focused is row(app, "cluster_cidr").input)
