"""SVG snapshots of the main screens at 80x24 and 120x40 (pytest-textual-snapshot); a screen shown
at both sizes is pictured from one app, resized (`snap_sizes`), the others with `snap_compare`.

Regenerate after a deliberate UI change: pytest tests/tui --snapshot-update, then review the SVGs.
The app is rooted in tmp_path and starts from a fixed plan, so nothing of this host shows.
"""

from __future__ import annotations

import inspect
import pickle
from pathlib import Path

import pytest
import tuikit
from textual.widgets import Input, TabbedContent
from tuikit import until

from k3stui.install.events import OutputLine, StepDone, StepFailed, StepStarted, Undone
from k3stui.tui.state import PlanState
from k3stui.tui.widgets.steady_footer import SteadyFooter, shown_keys

# The install screen's root in pictures: a fixed path (tmp_path would change every run), never
# written (only the dry run reads under it; the running and failed pictures are fed events).
PICTURE_ROOT = "/nonexistent/k3stui-snapshot-root"

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def snap_sizes(snapshot, request):
    """`snap_sizes(app, run_before)`: the app's picture at 80x24, then at 120x40 from the same app,
    its terminal resized as a user's is (`run_before` runs again after the resize: it puts the view
    where the picture wants it). Each is compared with its own SVG, `test_x[80x24].svg` and
    `test_x[120x40].svg`, and a mismatch goes into pytest-textual-snapshot's report like its own
    `snap_compare`'s. One app start and tab build instead of two."""
    from pytest_textual_snapshot import PseudoApp, PseudoConsole, SVGImageExtension, node_to_report_path
    from rich.console import Console

    pictures_snapshot = snapshot.use_extension(SVGImageExtension)

    def compare(app, run_before=None) -> bool:
        title = app.title

        async def auto_pilot(pilot) -> None:
            pictures = {}
            for size in SIZES:
                if pilot.app.size != size:
                    await pilot.resize_terminal(*size)
                    await until(pilot, lambda size=size: pilot.app.screen.size == size)
                if run_before is not None:
                    await run_before(pilot)
                await settle(pilot)
                await pilot.wait_for_scheduled_animations()
                pictures[size] = pilot.app.export_screenshot(title=title, simplify=True)
            pilot.app.exit(pictures)

        pictures = app.run(headless=True, auto_pilot=auto_pilot, size=SIZES[0])
        outcomes = []
        for (width, height), svg in pictures.items():
            name = f"{width}x{height}"
            location = Path(pictures_snapshot.extension.get_location(
                test_location=pictures_snapshot.test_location, index=name))
            expected = location.read_text(encoding="utf-8") if location.is_file() else None
            outcomes.append((pictures_snapshot(name=name) == svg, expected, svg, name))
        # as snap_compare records it, for the report: the first mismatch (or the last picture, passed)
        matched, expected, svg, name = next((o for o in outcomes if not o[0]), outcomes[-1])
        console = Console(legacy_windows=False, force_terminal=True)
        full_path, line, test_name = request.node.reportinfo()
        node_to_report_path(request.node).write_bytes(pickle.dumps((
            matched, expected, svg, PseudoApp(PseudoConsole(False, console.size)), full_path, line,
            f"{test_name}[{name}]", inspect.getdoc(request.node.function) or "", "", expected is not None)))
        return all(o[0] for o in outcomes)

    return compare


async def opened(pilot) -> None:
    """Until the plan screen (the app pushes it from on_mount) has settled on its first tab (the
    app's `tab=`): built and focused, its inputs exist."""
    await tuikit.opened(pilot, pilot.app)
    assert pilot.app.screen.query_one(TabbedContent).active == pilot.app.screen.shown_tab


async def settle(pilot) -> None:
    """Every edit judged and drawn (tuikit.settle), the footer rebuilt for the keys of the focused
    widget (it rebuilds a refresh or two after the focus moves), the cursor kept steady: a blinking
    one would make the picture depend on timing."""
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await tuikit.settle(pilot)

    def footer_current() -> bool:
        screen = pilot.app.screen
        return all(footer.composed == shown_keys(screen) for footer in screen.query(SteadyFooter))

    if not footer_current():
        await until(pilot, footer_current)
        await tuikit.settle(pilot)  # the rebuilt footer's keys mounted and drawn


def test_start_screen(snap_sizes, make_app):
    assert snap_sizes(make_app())  # the picture's own settle is all the start screen needs


def test_plan_cluster_tab(snap_sizes, make_app):
    assert snap_sizes(make_app(PlanState()), opened)


def test_addresses_with_a_bad_cidr(snap_sizes, make_app):
    state = PlanState()
    state.set_text("cluster_cidr", "10.42.0.0/33")
    assert snap_sizes(make_app(state, tab="addresses"), opened)


def test_pod_network_with_calico(snap_sizes, make_app):
    state = PlanState()
    state.set_text("cni.kind", "calico")
    assert snap_sizes(make_app(state, tab="network"), opened)


def test_preview_host_gw(snap_sizes, make_app):
    state = PlanState()
    state.set_text("flannel.backend", "host-gw")
    state.set_text("nodes", "srv1=10.0.0.30@server, ag1=10.0.0.31")
    assert snap_sizes(make_app(state, tab="preview"), opened)


def test_save_prompt(snap_compare, make_app, tmp_path):
    async def open_save(pilot):
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        pilot.app.screen.query_one("#path").value = "saved/lab.yaml"  # not tmp_path: stable SVG
        await settle(pilot)

    assert snap_compare(make_app(PlanState()), terminal_size=(80, 24), run_before=open_save)


def test_pod_network_multus_two_networks(snap_sizes, make_app):
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
        await opened(pilot)
        subnet = pilot.app.screen.query_one("#" + field_for("cni.multus.networks[1].subnet").widget_id)
        subnet.query_one(Input).focus()
        await settle(pilot)
        # the second network from its title down, not the tab's top
        pilot.app.screen.query_one("#net-1").scroll_visible(animate=False, top=True)
        await settle(pilot)

    assert snap_sizes(make_app(state, tab="network"), show_second_network)


def test_findings_tab(snap_sizes, make_app):
    """Errors, warnings and notes with their fixes; long ones wrap under their own start."""
    state = PlanState()
    state.set_text("cluster_cidr", "10.42.0.0/33")
    state.set_text("flannel.backend", "host-gw")
    state.set_text("cni.kind", "calico")
    assert snap_sizes(make_app(state, tab="findings"), opened)


def test_host_tab_flags_editor(snap_compare, make_app):
    state = PlanState()
    state.set_text("extra", "disable-helm-controler=true\nprotect-kernel-defaults=true")

    async def show_flags(pilot):
        await opened(pilot)
        pilot.app.screen.query_one("#f-extra").input.focus()
        await settle(pilot)

    assert snap_compare(make_app(state, tab="host"), terminal_size=(80, 24), run_before=show_flags)


def test_pod_network_cilium(snap_compare, make_app):
    state = PlanState()
    state.set_text("cni.kind", "cilium")

    async def show_cilium(pilot):
        await opened(pilot)
        pilot.app.screen.query_one("#sec-cilium").scroll_visible(animate=False, top=True)
        await settle(pilot)

    assert snap_compare(make_app(state, tab="network"), terminal_size=(80, 24), run_before=show_cilium)


def test_export_prompt(snap_compare, make_app):
    async def open_export(pilot):
        await settle(pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        pilot.app.screen.query_one("#path").value = "exported"  # not tmp_path: stable SVG
        await settle(pilot)

    assert snap_compare(make_app(PlanState()), terminal_size=(80, 24), run_before=open_export)


def _install_screen(events=(), *, failed: bool = False):
    """A `run_before` that opens the install screen (dry run under PICTURE_ROOT), then feeds it
    runner events as a run would, and the failed ending when asked."""
    from pathlib import Path

    from k3stui.tui.screens.install_confirm import InstallScreen

    async def run_before(pilot) -> None:
        await settle(pilot)
        screen = InstallScreen(pilot.app.state, Path(PICTURE_ROOT), stamp="20260101-000000")
        await pilot.app.push_screen(screen)
        await settle(pilot)
        if events or failed:
            screen.begin_running()
            for event in events:
                screen.show_event(event)
        if failed:
            screen.finished(False, "failed at 'the official K3s install script (server)': downloading "
                            "https://get.k3s.io failed; give --install-script FILE, or use an air-gapped "
                            "bundle (k3stui bundle)", ("removed /etc/rancher/k3s/config.yaml.d/"
                                                       "50-k3stui-network.yaml", "removed /etc/sysctl.d/"
                                                       "90-k3stui.conf"))
        await settle(pilot)

    return run_before


_STEPS = [
    StepStarted(1, 3, "file", "writing /etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"),
    StepDone(1, 3, "writing /etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"),
    StepStarted(2, 3, "file", "writing /etc/sysctl.d/90-k3stui.conf"),
    StepDone(2, 3, "writing /etc/sysctl.d/90-k3stui.conf"),
    StepStarted(3, 3, "command", "running: the official K3s install script (server)"),
    OutputLine("[INFO]  Finding release for channel stable"),
]


def test_install_dry_run(snap_compare, make_app):
    assert snap_compare(make_app(PlanState()), terminal_size=(80, 24), run_before=_install_screen())


def test_install_running(snap_compare, make_app):
    assert snap_compare(make_app(PlanState()), terminal_size=(80, 24), run_before=_install_screen(_STEPS))


def test_install_failed_with_rollback(snap_compare, make_app):
    failure = [*_STEPS, StepFailed(3, 3, "the official K3s install script (server)", "downloading failed"),
               Undone(("removed /etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml",))]
    assert snap_compare(make_app(PlanState()), terminal_size=(80, 24),
                        run_before=_install_screen(failure, failed=True))


def test_pod_network_error_below_the_fold_after_f2(snap_compare, make_app):
    """80x24: the tab label counts the error, F2 brings its option (far down the Multus section)
    into view with its note, and the status line says it."""
    from k3stui.presets import load_shipped

    state = PlanState(load_shipped("multus-macvlan").plan)
    state.set_text("cni.multus.networks[0].range_end", "192.168.51.216")

    async def first_error(pilot):
        await opened(pilot)
        await pilot.press("f2")
        await until(pilot, lambda: pilot.app.screen.shown_tab == "network")
        await settle(pilot)

    assert snap_compare(make_app(state), terminal_size=(80, 24), run_before=first_error)
