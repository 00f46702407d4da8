"""Preflight is pure: HostInfo values in, findings out."""

from __future__ import annotations

from dataclasses import replace

import pytest

from k3stui.install.actions import plan_actions, wanted_files
from k3stui.install.hostinfo import Address, ExistingK3s, FileState, HostInfo, ModuleState, Route, Socket
from k3stui.install.preflight import check, context, critical_changes
from k3stui.plan import MacvlanNetwork, Multus, Plan, with_value

HOST = HostInfo(
    is_root=True,
    interfaces=("lo", "eth0"),
    addresses=(Address("lo", "127.0.0.1", 8, 4), Address("eth0", "192.168.1.10", 24, 4)),
    routes=(
        Route("default", "eth0", "dhcp", "192.168.1.1", 4),
        Route("192.168.1.0/24", "eth0", "kernel", None, 4),
    ),
    sockets=(Socket("tcp", 4, "0.0.0.0", 22),),
    modules={m: ModuleState(m, True, False, True) for m in ("vxlan", "overlay", "br_netfilter")},
)


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def run(plan=None, host=HOST, role="server", *, under_root=False):
    return check(plan or Plan(), role, host, root="/srv/image" if under_root else "/")


def test_a_clean_host_passes():
    assert [f for f in run() if f.severity.value != "info"] == []


def test_not_root_is_refused_with_the_way_forward():
    found = run(host=replace(HOST, is_root=False))
    f = next(f for f in found if f.code == "INST001")
    assert f.severity.value == "error"
    assert "sudo" in f.hint and "--root DIR" in f.hint and "--dry-run" in f.hint


def test_not_root_is_fine_under_root():
    assert "INST001" not in codes(run(host=replace(HOST, is_root=False), under_root=True))


def test_address_overlapping_the_pod_cidr_is_an_error():
    host = replace(HOST, addresses=(*HOST.addresses, Address("wg0", "10.42.3.1", 24, 4)))
    f = next(f for f in run(host=host) if f.code == "INST040")
    assert "10.42.0.0/16" in f.message and "wg0" in f.message and f.key == "cluster-cidr"


def test_route_overlapping_the_service_cidr_is_an_error_default_route_is_not():
    host = replace(HOST, routes=(*HOST.routes, Route("10.0.0.0/8", "tun0", "static", "172.16.0.1", 4)))
    found = [f for f in run(host=host) if f.code == "INST041"]
    assert {f.key for f in found} == {"cluster-cidr", "service-cidr"}
    assert "10.0.0.0/8" in found[0].message and "tun0" in found[0].message


def test_k3s_own_routes_are_not_conflicts_on_an_existing_install():
    host = replace(
        HOST,
        routes=(*HOST.routes, Route("10.42.0.0/24", "cni0", "kernel", None, 4)),
        existing=ExistingK3s(found=("/usr/local/bin/k3s",)),
    )
    assert "INST041" not in codes(run(host=host))


def test_missing_interfaces_are_reported():
    plan = with_value(Plan(), "flannel.iface", "eth9")
    net = MacvlanNetwork(name="lan", master="bond7", subnet="192.168.50.0/24")
    plan = with_value(plan, "cni.multus", Multus(networks=(net,)))
    found = [f for f in run(plan) if f.code == "INST050"]
    assert [f.key for f in found] == ["flannel-iface", "cni.multus.networks.lan.master"]
    assert "eth0" in found[0].hint


def test_busy_ports_are_errors_unless_k3s_is_already_here():
    host = replace(HOST, sockets=(Socket("tcp", 6, "::", 6443), Socket("udp", 4, "0.0.0.0", 8472)))
    found = [f for f in run(host=host) if f.code == "INST060"]
    assert {f.key for f in found} == {"6443/tcp", "8472/udp"}
    host = replace(host, existing=ExistingK3s(found=("/usr/local/bin/k3s",)))
    assert "INST060" not in codes(run(host=host))


def test_agent_does_not_need_6443_but_wireguard_needs_51820():
    plan = with_value(Plan(), "flannel.backend", "wireguard-native")
    host = replace(
        HOST,
        sockets=(Socket("tcp", 4, "0.0.0.0", 6443), Socket("udp", 4, "0.0.0.0", 51820)),
        modules={**HOST.modules, "wireguard": ModuleState("wireguard", False, False, True)},
    )
    found = [f.key for f in run(plan, host=host, role="agent") if f.code == "INST060"]
    assert found == ["51820/udp"]


@pytest.mark.parametrize(("backend", "module"), [("vxlan", "vxlan"), ("wireguard-native", "wireguard")])
def test_missing_backend_module_is_an_error(backend, module):
    plan = with_value(Plan(), "flannel.backend", backend)
    host = replace(HOST, modules={**HOST.modules, module: ModuleState(module, False, False, False)})
    f = next(f for f in run(plan, host=host) if f.code == "INST020")
    assert f.severity.value == "error" and module in f.message and backend in f.message


def test_builtin_module_counts_and_unknown_is_a_note():
    host = replace(HOST, modules={**HOST.modules, "vxlan": ModuleState("vxlan", False, True, None)})
    assert "INST020" not in codes(run(host=host))
    host = replace(HOST, modules={})
    found = run(host=host)
    assert "INST020" not in codes(found) and "INST021" in codes(found)


def test_host_gw_needs_no_vxlan_module():
    plan = with_value(Plan(), "flannel.backend", "host-gw")
    host = replace(HOST, modules={**HOST.modules, "vxlan": ModuleState("vxlan", False, False, False)})
    assert "INST020" not in codes(run(plan, host=host))


def test_ra_default_route_without_accept_ra_2_warns():
    routes = (*HOST.routes, Route("default", "eth0", "ra", "fe80::1", 6))
    host = replace(HOST, routes=routes, accept_ra={"all": 1, "eth0": 1})
    f = next(f for f in run(host=host) if f.code == "INST070")
    assert f.severity.value == "warning" and "eth0" in f.message
    assert "INST070" not in codes(run(host=replace(host, accept_ra={"eth0": 2})))
    assert "INST070" not in codes(run(replace(Plan(), accept_ra=2), host=host))


def test_critical_changes_compare_effective_values():
    assert critical_changes(Plan(), Plan(cluster_cidr=("10.42.0.0/16",))) == []
    changes = critical_changes(Plan(), Plan(cluster_cidr=("10.50.0.0/16",), cluster_domain="corp.local"))
    assert [c[0] for c in changes] == ["cluster-cidr", "cluster-domain"]
    assert changes[0][1:] == (("10.42.0.0/16",), ("10.50.0.0/16",))


def test_existing_cluster_refuses_critical_changes_with_the_reason():
    host = replace(
        HOST,
        existing=ExistingK3s(
            found=("/var/lib/rancher/k3s/server/db",), role="server", has_state=True, plan=Plan()
        ),
    )
    plan = with_value(Plan(cluster_cidr=("10.50.0.0/16",)), "flannel.backend", "host-gw")
    found = {f.key: f for f in run(plan, host=host) if f.code == "INST013"}
    assert found["cluster-cidr"].message.startswith("CIDRs cannot change on an existing cluster")
    assert "10.42.0.0/16" in found["cluster-cidr"].message and "10.50.0.0/16" in found["cluster-cidr"].message
    assert "flannel-backend" in found and "vxlan" in found["flannel-backend"].message
    assert "INST013" not in codes(run(Plan(), host=host))


def test_existing_config_only_may_still_change():
    host = replace(HOST, existing=ExistingK3s(found=("/etc/rancher/k3s/config.yaml",), plan=Plan()))
    assert "INST013" not in codes(run(Plan(cluster_cidr=("10.50.0.0/16",)), host=host))


def test_existing_role_mismatch_is_an_error():
    host = replace(HOST, existing=ExistingK3s(found=("/etc/systemd/system/k3s-agent.service",), role="agent"))
    assert "INST011" in codes(run(host=host))


def test_agent_token_file_must_exist():
    agent = replace(Plan(role="agent"), server="https://10.0.0.1:6443")
    missing = replace(HOST, files={"/etc/rancher/k3s/k3stui-agent-token": FileState(False)})
    found = [f for f in run(agent, host=missing, role="agent") if f.code == "INST081"]
    assert found and "/var/lib/rancher/k3s/server/node-token" in found[0].hint
    host = replace(HOST, files={"/etc/rancher/k3s/k3stui-agent-token": FileState(True, b"x", 0o644)})
    assert "INST080" in codes(run(agent, host=host, role="agent"))


def test_the_node_token_hint_follows_the_data_dir():
    agent = replace(Plan(role="agent"), server="https://10.0.0.1:6443", extra={"data-dir": "/srv/k3s"})
    missing = replace(HOST, files={"/etc/rancher/k3s/k3stui-agent-token": FileState(False)})
    f = next(f for f in run(agent, host=missing, role="agent") if f.code == "INST081")
    assert "/srv/k3s/server/node-token" in f.hint


def test_plan_actions_refuses_as_non_root_on_the_real_root_without_touching_it():
    ctx = context(Plan(), "server", replace(HOST, is_root=False))
    wanted, _ = wanted_files(ctx.rendered, "server", None)
    actions = plan_actions(ctx, wanted, install_script="/x")
    assert actions.refused
    assert actions.files[0].target == actions.files[0].dest  # / is not prefixed


def test_a_missing_module_k3s_only_tries_is_a_warning_of_its_own_code():
    host = replace(HOST, modules={**HOST.modules, "overlay": ModuleState("overlay", False, False, False)})
    f = next(f for f in run(host=host) if f.key == "overlay")
    assert (f.code, f.severity.value) == ("INST022", "warning")


def test_a_non_critical_value_the_host_keeps_is_a_note_of_its_own_code(tmp_path):
    from k3stui.install.hostinfo import HostReader

    (tmp_path / "etc/rancher/k3s").mkdir(parents=True)
    (tmp_path / "etc/rancher/k3s/config.yaml").write_text("node-ip: 192.168.1.10\n")
    ex = HostReader(tmp_path, use_ip=False).read().existing
    found = {f.key: f for f in run(host=replace(HOST, existing=ex)) if f.code in ("INST016", "INST018")}
    assert (found["node-ip"].code, found["node-ip"].severity.value) == ("INST018", "info")
