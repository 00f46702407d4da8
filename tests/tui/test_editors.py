"""Pilot tests of the editors added for options the form could not edit before: several macvlan
networks, more Calico/Cilium chart options, flannel's node paths and the other K3s flags."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, TextArea
from tuikit import notes, opened, palette, put, row, settle, show, until

from k3stui.tui.starting_points import preset_from_file
from k3stui.tui.state import PlanState
from k3stui.tui.widgets.macvlan_networks import MacvlanNetworks


def net(i: int, attr: str) -> str:
    return f"cni.multus.networks[{i}].{attr}"


async def test_second_network_error_shows_under_it_and_goes_with_it(make_app):
    state = PlanState()
    state.set_flag("multus", True)
    # the first network set up through the state (its typing is another test's subject)
    state.set_text(net(0, "master"), "eth1")
    state.set_text(net(0, "subnet"), "192.168.50.0/24")
    app = make_app(state, tab="network")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        networks = app.screen.query_one(MacvlanNetworks)
        assert networks.shown == 1
        row(app, net(0, "subnet")).input.focus()
        await pilot.press("f7")  # Add network: bound on the list, focus is inside it
        await settle(pilot)
        assert networks.shown == 2 and len(app.state.networks) == 2
        assert app.screen.focused is row(app, net(1, "name")).input  # lands on the new network
        await put(pilot, app, net(1, "master"), "eth2")
        await put(pilot, app, net(1, "subnet"), "10.42.5.0/24")  # inside cluster-cidr
        assert app.state.networks[1].subnet == "10.42.5.0/24"
        assert "overlaps cluster-cidr" in notes(app, net(1, "subnet"))
        assert row(app, net(1, "subnet")).has_class("-error")
        assert "overlaps" not in notes(app, net(0, "subnet"))  # only under the network it is about
        await pilot.click("#net-remove-1")
        await settle(pilot)
        assert networks.shown == 1 and len(app.state.networks) == 1
        assert not app.screen.query("#net-1")
        assert app.state.networks[0].subnet == "192.168.50.0/24"
        assert not any("overlaps" in f.message for f in app.state.findings)
        assert not app.state.has_errors


async def test_remove_binding_removes_the_focused_network(make_app):
    state = PlanState()
    state.set_flag("multus", True)
    for i in range(3):
        state.set_text(net(i, "subnet"), f"192.168.{i}.0/24") if i == 0 else state.add_network()
    state.set_text(net(2, "subnet"), "10.42.5.0/24")  # inside cluster-cidr: its finding moves up too
    app = make_app(state, tab="network")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        row(app, net(1, "name")).input.focus()
        await pilot.press("f8")
        await settle(pilot)
        assert [n.name for n in app.state.networks] == ["macvlan", "macvlan-3"]
        assert app.screen.query_one(MacvlanNetworks).shown == 2
        assert row(app, net(1, "name")).input.value == "macvlan-3"
        assert row(app, net(1, "subnet")).input.value == "10.42.5.0/24"
        assert "overlaps cluster-cidr" in notes(app, net(1, "subnet"))
        assert row(app, net(1, "subnet")).has_class("-error")
        assert not app.screen.query("#net-2")


async def test_cilium_option_reaches_the_chart_values_preview(make_app):
    state = PlanState()
    state.set_text("cni.kind", "cilium")
    app = make_app(state, tab="network")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        row(app, "cni.cilium.encryption").input.value = "wireguard"
        await put(pilot, app, "cni.cilium.operator_replicas", "3")
        assert app.state.plan.cni.cilium.encryption == "wireguard"
        assert app.state.plan.cni.cilium.operator_replicas == 3
        await show(pilot, app, "preview")
        await settle(pilot)
        listing = app.screen.query_one("#preview-list", OptionList)
        ids = [o.id for o in listing.options]
        listing.highlighted = ids.index("chart: values.yaml")
        await settle(pilot)
        values = str(app.screen.query_one("#preview-text").render())
        assert "encryption:\n    enabled: true\n    type: wireguard" in values
        assert "operator:\n    replicas: 3" in values


async def test_unknown_extra_flag_shows_did_you_mean_at_the_field(make_app):
    app = make_app(PlanState(), tab="host")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        area = row(app, "extra").query_one(TextArea)
        area.focus()
        await put(pilot, app, "extra", "disable-helm-controler=true")
        assert app.state.plan.extra == {"disable-helm-controler": "true"}
        assert 'Did you mean "disable-helm-controller"?' in notes(app, "extra")
        assert row(app, "extra").has_class("-error")  # a close match of a flag K3s would skip
        # a flag the plan models belongs in its own field: said at this field, the plan unchanged
        await put(pilot, app, "extra", "cluster-cidr=10.0.0.0/80")
        assert "has its own field" in notes(app, "extra")
        assert app.state.plan.cluster_cidr == ()


async def test_saved_preset_reloads_every_new_option(make_app, tmp_path: Path):
    from k3stui.tui.screens.plan_editor import PlanEditorScreen

    # Set up through the state (each editor's own typing is tested above): the subject is Save.
    state = PlanState()
    state.set_text("cni.kind", "cilium")
    state.set_flag("multus", True)
    state.set_text("cni.cilium.routing_mode", "native")
    state.set_text("cni.cilium.operator_replicas", "1")
    state.set_text(net(0, "master"), "eth1")
    state.set_text(net(0, "subnet"), "192.168.50.0/24")
    state.add_network()
    state.set_text(net(1, "master"), "eth2")
    state.set_text(net(1, "subnet"), "192.168.60.0/24")
    state.set_text(net(1, "ipam"), "whereabouts")
    state.set_text("flannel.cni_conf", "/etc/cni/custom.conflist")
    state.set_text("extra", "disable-helm-controler=true")
    app = make_app(state)
    target = tmp_path / "lab.yaml"
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert target.is_file()
        plan = preset_from_file(target).plan
        assert plan.cni.cilium.routing_mode == "native" and plan.cni.cilium.operator_replicas == 1
        assert [(n.master, n.subnet, n.ipam) for n in plan.cni.multus.networks] == [
            ("eth1", "192.168.50.0/24", "host-local"), ("eth2", "192.168.60.0/24", "whereabouts")]
        assert plan.flannel.cni_conf == "/etc/cni/custom.conflist"
        assert plan.extra == {"disable-helm-controler": "true"}

        # Reload it in the same app, as the user would (ctrl+o, the preset file), over a plan changed
        # since: every option shows the file's value (one app start, not two).
        app.state.set_text(net(1, "subnet"), "10.9.9.0/24")
        app.state.set_text("cni.cilium.routing_mode", "tunnel")
        app.state.set_text("extra", "")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: app.screen.query("#preset-file"))
        app.screen.query_one("#preset-file", Input).value = str(target)
        await pilot.press("ctrl+l", "enter")
        await until(pilot, lambda: isinstance(app.screen, PlanEditorScreen))
        assert app.state.source.startswith("preset ") and not app.state.edited
        await show(pilot, app, "network")
        assert app.screen.query_one(MacvlanNetworks).shown == 2
        assert row(app, net(1, "subnet")).input.value == "192.168.60.0/24"
        assert row(app, net(1, "ipam")).input.value == "whereabouts"
        assert row(app, "cni.cilium.routing_mode").input.value == "native"
        await show(pilot, app, "host")
        assert row(app, "extra").input.text == "disable-helm-controler=true"
        assert 'Did you mean "disable-helm-controller"?' in notes(app, "extra")  # still reported


async def test_palette_adds_a_network(make_app):
    state = PlanState()
    state.set_flag("multus", True)
    app = make_app(state)
    async with app.run_test() as pilot:
        await palette(pilot, "add macvlan")
        await pilot.press("enter")
        await until(pilot, lambda: len(app.state.networks) == 2)  # runs after the palette closes
        await until(pilot, lambda: app.screen.query_one(MacvlanNetworks).shown == 2)
        assert len(app.state.networks) == 2
        assert app.screen.query_one(MacvlanNetworks).shown == 2


async def test_turning_multus_on_shows_a_network_to_fill_in(make_app):
    from textual.widgets import Checkbox

    app = make_app(PlanState(), tab="network")
    async with app.run_test() as pilot:
        await opened(pilot, app)
        assert not app.screen.query(MacvlanNetworks)  # the Multus section is built when it is shown
        row(app, "multus").query_one(Checkbox).value = True
        await settle(pilot)
        await settle(pilot)
        assert app.screen.query_one(MacvlanNetworks).shown == 1
        await put(pilot, app, net(0, "master"), "eth1")
        assert app.state.networks[0].master == "eth1"
