"""One table per fact: the ports (`k3stui.ports`) and the effective values (`k3stui.effective`) that
explain, the rules, preflight and `check --format json` all read, so they cannot disagree again."""

from __future__ import annotations

import json
from dataclasses import replace

from k3stui import effective
from k3stui.install.hostinfo import HostInfo, Socket
from k3stui.install.preflight import check, critical_changes
from k3stui.plan import Flannel, Plan
from k3stui.ports import listening, ports
from k3stui.render.explain import explain, format_explanation
from k3stui.render.netconf import netconf
from k3stui.rules import validate

WG_51999 = Plan(flannel=Flannel(backend="wireguard-native", port=51999))
HOST = HostInfo(is_root=True, interfaces=("lo", "eth0"), addresses=(), routes=(), sockets=())


def _port_set(plan: Plan, role: str = "server") -> set[str]:
    return {f"{u.port}/{u.proto}" for u in ports(plan, role) if u.port}


def test_wireguard_native_on_51999_is_51999_everywhere() -> None:
    assert netconf(WG_51999)["Backend"]["ListenPort"] == 51999
    assert "51999/udp" in _port_set(WG_51999) and "51820/udp" not in _port_set(WG_51999)
    assert "51999/udp" in format_explanation(explain(WG_51999))
    # The NodePort rule guards the port the plan uses...
    found = validate(replace(WG_51999, service_node_port_range="51990-52010"))
    port005 = next(f for f in found if f.code == "PORT005")
    assert "51999 (flannel WireGuard IPv4)" in port005.message
    # ...and preflight checks that port, not the default one.
    busy = replace(HOST, sockets=(Socket("udp", 4, "0.0.0.0", 51999),))
    assert [f.key for f in check(WG_51999, "server", busy) if f.code == "INST060"] == ["51999/udp"]
    default_busy = replace(HOST, sockets=(Socket("udp", 4, "0.0.0.0", 51820),))
    assert not [f for f in check(WG_51999, "server", default_busy) if f.code == "INST060"]


def test_the_ipv6_wireguard_port_stays_51821() -> None:
    dual = replace(WG_51999, cluster_cidr=("10.42.0.0/16", "fd00:42::/56"),
                   service_cidr=("10.43.0.0/16", "fd00:43::/112"))
    assert {"51999/udp", "51821/udp"} <= _port_set(dual)


def test_an_agent_listens_on_the_backend_port_but_not_the_supervisor() -> None:
    listening = {f"{u.port}/{u.proto}" for u in ports(WG_51999, "agent") if u.listening}
    assert listening == {"10250/tcp", "51999/udp"}
    assert "6443/tcp" in _port_set(WG_51999, "agent")  # still a port the agent talks to


def test_https_listen_port_is_the_supervisor_port_everywhere() -> None:
    plan = replace(Plan(), extra={"https-listen-port": 7443})
    assert "7443/tcp" in _port_set(plan) and "6443/tcp" not in _port_set(plan)
    busy = replace(HOST, sockets=(Socket("tcp", 4, "0.0.0.0", 7443),))
    assert [f.key for f in check(plan, "server", busy) if f.code == "INST060"] == ["7443/tcp"]


def test_10_42_1_0_16_is_judged_the_same_by_ha001_and_preflight() -> None:
    written = Plan(cluster_cidr=("10.42.1.0/16",))
    other = Plan(cluster_cidr=("10.42.0.0/16",))
    assert effective.value(written, "cluster-cidr") == ("10.42.0.0/16",)
    # HA001: the same network, so no mismatch...
    assert not [f for f in validate(written, servers=(other,)) if f.code == "HA001"]
    # ...and preflight: no change of a critical value either.
    assert critical_changes(other, written) == []
    # A real difference is one for both.
    moved = Plan(cluster_cidr=("10.52.0.0/16",))
    assert [f.key for f in validate(moved, servers=(other,)) if f.code == "HA001"] == ["cluster-cidr"]
    assert [c[0] for c in critical_changes(other, moved)] == ["cluster-cidr"]


def test_ipv6_and_dns_values_are_compared_parsed() -> None:
    svc = ("fd00:43::/112",)
    a = Plan(cluster_cidr=("fd00:42:0:0::/56",), service_cidr=svc, cluster_dns=("fd00:43::0a",))
    b = Plan(cluster_cidr=("fd00:42::/56",), service_cidr=svc, cluster_dns=("fd00:43::a",))
    assert effective.critical_values(a) == effective.critical_values(b)
    assert critical_changes(a, b) == []


def test_check_json_effective_block_is_the_normalised_value(run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("check", "--exec", "server --cluster-cidr=10.42.1.0/16", "--format", "json")
    assert r.returncode in (0, 1), r.stderr  # the host bits are a finding of their own
    shown = json.loads(r.stdout)["plan"]["effective"]
    assert shown["cluster-cidr"] == ["10.42.0.0/16"]
    assert shown["flannel-backend"] == "vxlan" and shown["disable: servicelb"] is False


def test_a_joining_server_uses_the_etcd_peer_ports_and_an_external_datastore_does_not() -> None:
    joining = Plan(server="https://10.0.0.1:6443")
    assert "2379-2380/tcp" in _port_set(joining)
    assert ("tcp", 2379, "embedded etcd (HA)") in listening(joining, "server")
    external = replace(joining, extra={"datastore-endpoint": "postgres://db/k3s"})
    assert "2379-2380/tcp" not in _port_set(external)
