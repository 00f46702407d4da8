"""Plans shared by the rule tests: the seed tutorial's scenarios, written correctly for a version."""

from __future__ import annotations

from dataclasses import replace

from k3stui.plan import (
    Calico,
    Cilium,
    Cni,
    Flannel,
    MacvlanNetwork,
    Multus,
    Node,
    Plan,
    Secret,
)

SEED_VERSION = "v1.21.14+k3s1"
AGENT = Plan(role="agent", server="https://10.0.0.30:6443", token=Secret("rancher"))
DUAL_CIDRS = dict(
    cluster_cidr=("10.42.0.0/16", "fd00:42::/56"), service_cidr=("10.43.0.0/16", "fd00:43::/112")
)
V6_CIDRS = dict(cluster_cidr=("fd00:42::/56",), service_cidr=("fd00:43::/112",))
LAN = MacvlanNetwork(
    name="macvlan-lan",
    master="eth1",
    subnet="192.168.1.0/24",
    range_start="192.168.1.200",
    range_end="192.168.1.216",
    gateway="192.168.1.1",
)
TWO_NODES = (Node("server", "10.0.0.30", "server"), Node("agent", "10.0.0.31", "agent"))


def calico(**kw: object) -> Plan:
    return Plan(
        cni=Cni(kind="calico", calico=Calico(**kw)),
        flannel=Flannel(backend="none"),
        disable_network_policy=True,
    )


def cilium(**kw: object) -> Plan:
    return Plan(
        cni=Cni(kind="cilium", cilium=Cilium(**kw)),
        flannel=Flannel(backend="none"),
        disable_network_policy=True,
        disable_kube_proxy=True,
    )


def multus(*networks: MacvlanNetwork, whereabouts: bool = False, **plan: object) -> Plan:
    return Plan(cni=Cni(multus=Multus(networks=networks, whereabouts=whereabouts)), **plan)


def macvlan(**kw: object) -> Plan:
    return multus(replace(LAN, **kw))


# name -> (plan, K3s version it is correct for)
SCENARIOS: dict[str, tuple[Plan, str | None]] = {
    "defaults": (Plan(), None),
    "defaults-seed": (Plan(), SEED_VERSION),
    "host-gw-two-nodes": (Plan(flannel=Flannel(backend="host-gw"), nodes=TWO_NODES), SEED_VERSION),
    "host-gw-agent": (replace(AGENT, nodes=TWO_NODES), SEED_VERSION),
    "vxlan-direct-routing": (
        Plan(flannel=Flannel(backend="vxlan", direct_routing=True, conf="/etc/net-conf.json")),
        SEED_VERSION,
    ),
    "wireguard-native": (Plan(flannel=Flannel(backend="wireguard-native")), None),
    "wireguard-native-nat": (
        Plan(
            flannel=Flannel(backend="wireguard-native", external_ip=True), node_external_ip=("203.0.113.5",)
        ),
        "v1.24.7+k3s1",
    ),
    "calico": (calico(), None),
    "calico-seed": (replace(calico(), cluster_cidr=("192.168.0.0/16",)), SEED_VERSION),
    "calico-dual": (replace(calico(), **DUAL_CIDRS), None),
    "cilium-kpr": (cilium(), None),
    "cilium-dual": (replace(cilium(), **DUAL_CIDRS), None),
    "multus-macvlan": (multus(LAN), None),
    "multus-macvlan-seed": (multus(LAN), SEED_VERSION),
    "ipv6-only": (
        Plan(**V6_CIDRS, node_ip=("2001:db8::10",), flannel=Flannel(ipv6_masq=True), accept_ra=2),
        None,
    ),
    "ipv6-only-first": (Plan(**V6_CIDRS, accept_ra=2), "v1.22.9+k3s1"),
    "dual-stack": (
        Plan(
            **DUAL_CIDRS,
            flannel=Flannel(ipv6_masq=True),
            node_ip=("192.0.2.10", "2001:db8::10"),
            node_cidr_mask_size_ipv4=24,
            node_cidr_mask_size_ipv6=64,
        ),
        None,
    ),
}
