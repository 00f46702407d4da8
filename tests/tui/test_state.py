"""PlanState without Textual: the network list and the flags editor as plain calls (what a CLI
could make too), and the table's help coverage."""

from __future__ import annotations

import pytest

from k3stui.tui.fields import FIELDS, NETWORK_ATTRS, field_for
from k3stui.tui.help_texts import HELP
from k3stui.tui.state import PlanState


def test_networks_add_edit_remove_and_findings_follow_the_index() -> None:
    state = PlanState()
    assert state.network_count == 0
    state.set_flag("multus", True)
    assert state.network_count == 1 and state.networks == ()  # a blank one to type into
    state.set_text("cni.multus.networks[0].master", "eth1")
    state.set_text("cni.multus.networks[0].subnet", "192.168.50.0/24")
    assert state.add_network() == 1
    assert state.add_network() == 2
    assert [n.name for n in state.networks] == ["macvlan", "macvlan-2", "macvlan-3"]
    state.set_text("cni.multus.networks[2].subnet", "10.42.5.0/24")
    state.set_text("cni.multus.networks[2].mtu", "x")  # a text error on a row that will move
    third = field_for("cni.multus.networks[2].subnet")
    assert any("overlaps cluster-cidr" in f.message for f in state.findings_for(third))
    state.remove_network(1)
    second = field_for("cni.multus.networks[1].subnet")
    assert [n.name for n in state.networks] == ["macvlan", "macvlan-3"]
    assert any("overlaps cluster-cidr" in f.message for f in state.findings_for(second))
    assert state.input_errors == {}
    state.set_text("cni.multus.networks[1].namespace", "")  # empty: the model's default
    assert state.networks[1].namespace == "default"


def test_add_network_keeps_the_blank_first_one() -> None:
    state = PlanState()
    state.set_flag("multus", True)
    assert state.add_network() == 1
    assert [n.name for n in state.networks] == ["macvlan", "macvlan-2"]


def test_flags_editor_keeps_unchanged_values_and_rejects_modelled_flags() -> None:
    state = PlanState()
    state.plan = state.plan.__class__(extra={"https-listen-port": 7443, "cluster-init": True})
    state.set_text("extra", "https-listen-port=7443\ncluster-init=true\ntls-san=a,b")
    assert state.plan.extra == {"https-listen-port": 7443, "cluster-init": True, "tls-san": ["a", "b"]}
    state.set_text("extra", "flannel-backend=host-gw")
    assert "own field" in state.input_errors["extra"]
    state.set_text("extra", "agent-token=x")
    assert "secret" in state.input_errors["extra"]
    state.set_text("extra", "kube-controller-manager-arg=node-cidr-mask-size=25")
    assert "Addresses tab" in state.input_errors["extra"]


def test_every_field_has_help() -> None:
    assert [f.path for f in FIELDS if f.path not in HELP] == []
    assert [a for a, *_ in NETWORK_ATTRS if f"macvlan.{a}" not in HELP] == []


def test_preview_says_why_a_plan_cannot_be_rendered() -> None:
    """render_all refuses a relative node path (no rule reports it yet): the preview says so
    instead of raising out of the app."""
    from k3stui.tui.plan_files import preview_items

    state = PlanState()
    state.set_text("flannel.conf", "rel/net.json")
    state.set_text("flannel.mtu", "1400")  # now a net-conf.json is rendered to that path
    items = dict(preview_items(state))
    assert "Ports, MTU, capacity, routes" in items
    assert "rel/net.json" in items["Files: not rendered"]


def test_saved_preset_names_load_back(tmp_path) -> None:
    """The name comes from the file name; any file name gives one the loader accepts."""
    from k3stui.fsio import WriteRefused
    from k3stui.tui.plan_files import preset_name, save_preset
    from k3stui.tui.starting_points import preset_from_file

    assert preset_name("preset calico") == "preset-calico"
    assert preset_name("--") == "my-plan"
    for stem in ("Café Lab", "x" * 70 + "-y", "2024_lab.v2"):
        path = save_preset(PlanState(), tmp_path / f"{stem}.yaml")
        assert preset_from_file(path).name == preset_name(stem)
    with pytest.raises(WriteRefused, match="is a folder"):
        save_preset(PlanState(), tmp_path, force=True)


def test_a_judgement_of_an_older_edit_is_not_taken() -> None:
    """The worker judges a snapshot; typing may go on meanwhile: only the latest edit's counts."""
    from k3stui.tui.state import judge

    state = PlanState()
    older = state.snapshot()
    state.edit_text("cluster_cidr", "10.42.0.0/33")
    assert not state.current and not state.has_errors  # stored at once, not judged yet
    assert not state.accept(judge(older))
    assert not state.current
    assert state.accept(judge(state.snapshot()))
    assert state.current and state.has_errors


def test_role_is_this_hosts_and_leaves_the_plan_judged_as_the_cluster() -> None:
    from k3stui.presets import load_shipped

    state = PlanState(load_shipped("flannel-host-gw").plan)
    before = [(f.code, f.key) for f in state.findings]
    state.set_text("role", "agent")
    assert state.role == "agent" and state.plan.role == "server"
    assert [(f.code, f.key) for f in state.findings] == before  # no AGENT001/003/010
    state.set_text("role", "")
    assert state.role == "server"  # emptied: the plan's own role
