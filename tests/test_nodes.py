"""Nodes in the plan: presets carry them, the rules judge them, `render --per-node` writes a folder
per node whose drop-in reads back as that node's plan, and `install --node` installs one of them."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from k3stui import plan as p
from k3stui.cli import build_parser
from k3stui.commands import install as install_command
from k3stui.commands import render as render_command
from k3stui.findings import InputError
from k3stui.importers import merge_configs, plan_from_args
from k3stui.plan import Flannel, Node, Plan
from k3stui.presets import Preset, dump_preset, load_preset_text
from k3stui.render.files import DROPIN_NODE_PATH
from k3stui.render.per_node import plan_for_node, render_per_node
from k3stui.rules import validate

HOST_GW = Plan(flannel=Flannel(backend="host-gw"), token_file="/etc/rancher/k3s/token", nodes=(
    Node("srv1", "192.168.1.10", "server", node_ip=("192.168.1.10",), flannel_iface="eth1"),
    Node("ag1", "192.168.1.11", "agent", node_ip=("192.168.1.11",), flannel_iface="eth1"),
))
HA = Plan(k3s_version="v1.34.3+k3s1", cluster_cidr=("10.42.0.0/16", "fd00:42::/56"),
          service_cidr=("10.43.0.0/16", "fd00:43::/112"), nodes=(
    *(Node(f"srv{i}", f"10.0.0.1{i}", "server", node_ip=(f"10.0.0.1{i}", f"fd00:1::1{i}"))
      for i in (1, 2, 3)),
    Node("ag1", "10.0.0.21", node_ip=("10.0.0.21", "fd00:1::21"), node_external_ip=("203.0.113.21",)),
))


def _dropin(files, node: str) -> dict:
    f = next(f for f in files if f.path == f"nodes/{node}{DROPIN_NODE_PATH}")
    return yaml.safe_load(f.content)


def _read_back(files, node: Node) -> Plan:
    """The node's drop-in through k3stui's own importer."""
    merged, found = merge_configs([("dropin", next(
        f for f in files if f.path == f"nodes/{node.name}{DROPIN_NODE_PATH}").content.decode())])
    plan, more = plan_from_args(merged, role=node.role, base=Plan())
    assert not [f for f in found + more if f.severity.value == "error"]
    return plan


def test_nodes_round_trip_through_a_preset_and_the_schema() -> None:
    import jsonschema

    from k3stui.presets import preset_schema

    text = dump_preset(Preset("ha", "three servers", HA))
    assert "node-ip:" in text and "node-external-ip:" in text
    jsonschema.Draft202012Validator(preset_schema()).validate(yaml.safe_load(text))
    assert load_preset_text(text, "ha.yaml").plan == HA
    with pytest.raises(InputError, match=r"spec.nodes\[0\].flannel-iface: must be a string"):
        load_preset_text(text.replace("name: srv1", "name: srv1\n    flannel-iface: 3", 1), "bad.yaml")


def test_each_node_folder_holds_its_own_node_ip_and_reads_back_as_its_plan() -> None:
    files = render_per_node(HOST_GW)
    for node in HOST_GW.nodes:
        data = _dropin(files, node.name)
        assert data["node-ip"] == list(node.node_ip) and data["flannel-iface"] == "eth1"
        assert data["node-name"] == node.name
        assert data.get("flannel-backend") == ("host-gw" if node.role == "server" else None)  # server flag
        back = _read_back(files, node)
        assert back.node_ip == node.node_ip and back.flannel.iface == "eth1"
        assert back.extra["node-name"] == node.name and back.role == node.role
        if node.role == "server":
            assert back.flannel.backend == "host-gw"
    agent = _dropin(files, "ag1")
    assert agent["server"] == "https://192.168.1.10:6443" and agent["token-file"] == "/etc/rancher/k3s/token"
    paths = {f.path for f in files}
    assert {"nodes/srv1/install.sh", "nodes/ag1/install.sh", "plan.yaml", "README.md"} <= paths
    assert not any(f.startswith(("server/", "agent/")) for f in paths)  # not the role-wide layout
    readme = next(f for f in files if f.path == "README.md").content.decode()
    assert "nodes/srv1/" in readme and "--node <name>" in readme


def test_ha_first_server_starts_etcd_the_others_join_it() -> None:
    files = render_per_node(HA)
    first, second = _dropin(files, "srv1"), _dropin(files, "srv2")
    assert first["cluster-init"] is True and "server" not in first
    assert second["server"] == "https://10.0.0.11:6443" and "cluster-init" not in second
    assert second["token-file"] == "/etc/rancher/k3s/k3stui-agent-token"  # the first server's token
    for name in ("srv1", "srv2", "srv3"):
        assert _dropin(files, name)["cluster-cidr"] == ["10.42.0.0/16", "fd00:42::/56"]
    agent = _dropin(files, "ag1")
    assert agent["node-external-ip"] == ["203.0.113.21"] and "cluster-cidr" not in agent
    vip = render_per_node(replace(HA, server="https://10.0.0.5:6443"))
    assert "server" not in _dropin(vip, "srv1")  # the first server joins nobody, VIP or not
    assert _dropin(vip, "srv3")["server"] == "https://10.0.0.5:6443"


def test_node_drop_ins_carry_network_keys_and_the_node_lists_own() -> None:
    """node-name and cluster-init come from the node list; the user's other keys stay in their files."""
    from k3stui.render.files import render_all

    plan = replace(HA, extra={"cluster-init": True, "tls-san": ["k3s.example"], "agent-token": "s3cret"})
    files = render_per_node(plan)
    assert _dropin(files, "srv1")["cluster-init"] is True
    for name in ("srv2", "srv3", "ag1"):
        assert "cluster-init" not in _dropin(files, name)  # they join the first server's etcd
    for node in plan.nodes:
        assert not {"tls-san", "agent-token"} & set(_dropin(files, node.name))
    readme = next(f for f in files if f.path == "README.md").content.decode()
    assert "Not in the drop-ins: agent-token, tls-san." in readme and "s3cret" not in readme
    role_wide = replace(HOST_GW, nodes=(), extra={"node-name": "laptop", "cluster-init": True})
    server = yaml.safe_load(next(f.content for f in render_all(role_wide)
                                 if f.path == f"server{DROPIN_NODE_PATH}"))
    assert "node-name" not in server and "cluster-init" not in server  # a role-wide plan: the user's keys


def test_plan_wide_node_ip_is_not_copied_to_every_node() -> None:
    plan = replace(HOST_GW, node_ip=("192.168.1.99",), extra={"node-name": "laptop"})
    assert "NODE023" in [f.code for f in validate(plan)]
    for node in plan.nodes:
        data = _dropin(render_per_node(plan), node.name)
        assert "192.168.1.99" not in str(data) and data["node-name"] == node.name


def test_per_node_needs_nodes_and_the_role_wide_output_stays() -> None:
    with pytest.raises(ValueError, match="lists no nodes"):
        render_per_node(Plan())
    with pytest.raises(ValueError, match=r"no node 'nope'.*srv1, ag1"):
        plan_for_node(HOST_GW, "nope")


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_render_per_node_command(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setattr("k3stui.commands.check.check_inputs", lambda _a: (HOST_GW, []))
    out = tmp_path / "out"
    assert render_command.run(_args("render", "--per-node", "--out", str(out), "--no-chart")) == 0
    assert (out / "nodes/ag1" / DROPIN_NODE_PATH.lstrip("/")).is_file()
    assert "nodes/NAME/install.sh" in capsys.readouterr().out
    assert render_command.run(_args("render", "--per-node")) == 2  # --per-node goes with --out
    monkeypatch.setattr("k3stui.commands.check.check_inputs", lambda _a: (Plan(), []))
    assert render_command.run(_args("render", "--per-node", "--out", str(tmp_path / "o2"))) == 1
    assert "lists no nodes" in capsys.readouterr().err


def test_install_node_selects_the_nodes_plan_and_role(tmp_path: Path) -> None:
    preset = tmp_path / "ha.yaml"
    preset.write_text(dump_preset(Preset("ha", "", HA)))
    root = tmp_path / "root"
    root.mkdir()
    actions = install_command.prepare(_args("install", "--preset", str(preset), "--node", "srv2",
                                            "--root", str(root), "--dry-run"))
    assert actions.role == "server"
    drop = next(f for f in actions.files if f.dest == DROPIN_NODE_PATH)
    data = yaml.safe_load(drop.content)
    assert data["node-ip"] == ["10.0.0.12", "fd00:1::12"] and data["server"] == "https://10.0.0.11:6443"
    assert data["node-name"] == "srv2" and "cluster-init" not in data
    first = install_command.prepare(_args("install", "--preset", str(preset), "--node", "srv1",
                                          "--root", str(root), "--dry-run"))
    assert yaml.safe_load(next(f.content for f in first.files if f.dest == DROPIN_NODE_PATH))["cluster-init"]
    agent = install_command.prepare(_args("install", "--preset", str(preset), "--node", "ag1",
                                          "--root", str(root), "--dry-run"))
    assert agent.role == "agent"
    with pytest.raises(InputError, match="--node srv9: the plan has no node 'srv9'"):
        install_command.prepare(_args("install", "--preset", str(preset), "--node", "srv9",
                                      "--root", str(root)))
    with pytest.raises(InputError, match="is a server in the plan, not a agent"):
        install_command.prepare(_args("install", "--preset", str(preset), "--node", "srv1", "--role", "agent",
                                      "--root", str(root)))


def test_node_rules_stay_quiet_on_good_plans() -> None:
    for plan in (HOST_GW, HA):
        assert not [f for f in validate(plan) if f.code.startswith("NODE")]
    external = replace(HA, nodes=HA.nodes[:2] + HA.nodes[3:], extra={"datastore-endpoint": "postgres://db"})
    assert "NODE010" not in [f.code for f in validate(external)]
    assert "NODE010" in [f.code for f in validate(replace(external, extra={}))]
    # host-gw across 10/8 and 192.168/16 cannot be one segment; node-ip decides, not the address
    split = replace(HOST_GW, nodes=(HOST_GW.nodes[0], replace(HOST_GW.nodes[1], node_ip=("10.1.0.11",))))
    assert "NODE030" in [f.code for f in validate(split)]
    assert p.node_plan(HOST_GW, HOST_GW.nodes[1]).role == "agent"


def test_a_node_ip_rule_keeps_its_severity_per_node() -> None:
    """NODE020 carries the node-ip rules' errors per node, NODE021 their warnings (CIDR017 before
    K3s's family check): a node's finding is never graver or milder than the host's would be."""
    dual = replace(HA, nodes=(replace(HA.nodes[0], node_ip=("10.0.0.11",)),))  # one family on dual-stack
    assert [f.severity.value for f in validate(dual) if f.code.startswith("NODE02")] == ["error"]
    old = replace(dual, k3s_version="v1.22.5+k3s1")
    assert [(f.code, f.severity.value) for f in validate(old) if f.code.startswith("NODE02")] == [
        ("NODE021", "warning")]
