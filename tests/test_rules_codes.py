"""One case per rule code: the rule fires on a bad plan and not on the corrected one."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import pytest
from rules_plans import AGENT, DUAL_CIDRS, LAN, TWO_NODES, V6_CIDRS, calico, cilium, macvlan, multus

from k3stui.findings import Severity
from k3stui.plan import Cni, Flannel, Node, Plan, Secret
from k3stui.rules import RULES, validate


class Case(NamedTuple):
    code: str
    bad: Plan
    good: Plan
    version: str | None = None
    bad_servers: tuple[Plan, ...] = ()


def fl(**kw: object) -> Plan:
    return Plan(flannel=Flannel(**kw))


V4_ONLY = dict(cluster_cidr=("10.42.0.0/16",), service_cidr=("10.43.0.0/16",))
DUAL_CIDRS_6_FIRST = dict(
    cluster_cidr=("10.42.0.0/16", "fd00:42::/56"), service_cidr=("fd00:43::/112", "10.43.0.0/16")
)

CASES: list[Case] = [
    # addresses
    Case("CIDR001", Plan(cluster_cidr=("10.42.0.0",)), Plan(cluster_cidr=("10.42.0.0/16",))),
    Case("CIDR002", Plan(service_cidr=("10.43.0.0/33",)), Plan(service_cidr=("10.43.0.0/16",))),
    Case("CIDR003", Plan(cluster_cidr=("10.42.1.0/16",)), Plan(cluster_cidr=("10.42.0.0/16",))),
    Case("CIDR004", Plan(service_cidr=("10.43.0.1/16",)), Plan(service_cidr=("10.43.0.0/16",))),
    Case(
        "CIDR005", Plan(cluster_cidr=("10.42.0.0/16", "10.44.0.0/16")), Plan(cluster_cidr=("10.42.0.0/16",))
    ),
    Case(
        "CIDR006", Plan(service_cidr=("10.43.0.0/16", "10.45.0.0/16")), Plan(service_cidr=("10.43.0.0/16",))
    ),
    Case("CIDR007", Plan(cluster_cidr=DUAL_CIDRS["cluster_cidr"]), Plan(**DUAL_CIDRS)),
    Case("CIDR008", Plan(service_cidr=DUAL_CIDRS["service_cidr"]), Plan(**DUAL_CIDRS)),
    Case("CIDR009", Plan(**DUAL_CIDRS_6_FIRST), Plan(**DUAL_CIDRS)),
    Case(
        "CIDR010",
        Plan(**DUAL_CIDRS, node_ip=("2001:db8::10", "192.0.2.10")),
        Plan(**DUAL_CIDRS, node_ip=("192.0.2.10", "2001:db8::10")),
    ),
    Case("CIDR011", Plan(node_ip=("192.0.2.300",)), Plan(node_ip=("192.0.2.30",))),
    Case("CIDR012", Plan(node_external_ip=("203.0.113.5/32",)), Plan(node_external_ip=("203.0.113.5",))),
    Case("CIDR013", Plan(node_ip=("192.0.2.10", "192.0.2.11")), Plan(node_ip=("192.0.2.10",))),
    Case(
        "CIDR014",
        Plan(**DUAL_CIDRS, node_ip=("192.0.2.10",)),
        Plan(**DUAL_CIDRS, node_ip=("192.0.2.10", "2001:db8::10")),
    ),
    Case("CIDR020", Plan(service_cidr=("10.42.128.0/20",)), Plan(service_cidr=("10.43.0.0/16",))),
    Case("CIDR021", Plan(node_ip=("10.42.0.5",)), Plan(node_ip=("192.0.2.10",))),
    Case("CIDR022", Plan(node_external_ip=("10.43.0.5",)), Plan(node_external_ip=("203.0.113.5",))),
    Case(
        "CIDR015",
        Plan(node_ip=("127.0.0.1",), node_external_ip=("fe80::1",)),
        Plan(node_ip=("192.0.2.10",), node_external_ip=("2001:db8::10",)),
    ),
    Case(
        "CIDR017",
        Plan(**DUAL_CIDRS, node_ip=("192.0.2.10",)),
        Plan(**DUAL_CIDRS, node_ip=("192.0.2.10", "2001:db8::10")),
        "v1.22.17+k3s1",
    ),
    Case("CIDR015", Plan(node_ip=("0.0.0.0",)), Plan(node_ip=("192.0.2.10",))),
    Case("CIDR015", Plan(node_external_ip=("224.0.0.1",)), Plan(node_external_ip=("203.0.113.5",))),
    Case("CIDR016", Plan(**DUAL_CIDRS), Plan(**DUAL_CIDRS, node_ip=("192.0.2.10", "2001:db8::10")),
         "v1.23.9+k3s1"),
    # Kubernetes before 1.34 caps the service range at 20 bits; 1.34 accepts it (k3s-oracle v1.34.3).
    Case(
        "CIDR030",
        Plan(cluster_cidr=("172.16.0.0/16",), service_cidr=("10.0.0.0/8",)),
        Plan(cluster_cidr=("172.16.0.0/16",), service_cidr=("10.0.0.0/12",)),
        "v1.33.6+k3s1",
    ),
    Case(
        "CIDR031",
        Plan(cluster_cidr=V6_CIDRS["cluster_cidr"], service_cidr=("fd00:43::/100",)),
        Plan(**V6_CIDRS),
        "v1.33.6+k3s1",
    ),
    Case("CIDR033", Plan(service_cidr=("10.43.0.0/30",), cluster_dns=("10.43.0.2",)),
         Plan(service_cidr=("10.43.0.0/29",), cluster_dns=("10.43.0.5",))),
    Case("CIDR060", Plan(cluster_cidr=("172.16.0.0/12",)), Plan(cluster_cidr=("172.20.0.0/16",))),
    Case("CIDR061", Plan(service_cidr=("172.17.0.0/16",), extra={"docker": True}),
         Plan(extra={"docker": True})),
    Case(
        "CIDR032",
        Plan(cluster_cidr=V6_CIDRS["cluster_cidr"], service_cidr=("fd00:43::/110",)),
        Plan(**V6_CIDRS),
    ),
    Case(
        "CIDR040", Plan(**DUAL_CIDRS, node_cidr_mask_size=24), Plan(**DUAL_CIDRS, node_cidr_mask_size_ipv4=24)
    ),
    Case("CIDR041", Plan(node_cidr_mask_size=24, node_cidr_mask_size_ipv4=24), Plan(node_cidr_mask_size=24)),
    Case("CIDR042", Plan(node_cidr_mask_size_ipv4=40), Plan(node_cidr_mask_size_ipv4=24)),
    Case("CIDR043", Plan(node_cidr_mask_size_ipv6=64), Plan(node_cidr_mask_size_ipv4=24)),
    Case("CIDR050", Plan(), AGENT),
    Case(
        "CIDR051",
        Plan(cluster_cidr=("10.42.0.0/23",), nodes=(*TWO_NODES, Node("c", "10.0.0.32"))),
        Plan(cluster_cidr=("10.42.0.0/16",), nodes=(*TWO_NODES, Node("c", "10.0.0.32"))),
    ),
    Case(
        "CIDR052",
        Plan(cluster_cidr=("fd00:42::/40",), service_cidr=V6_CIDRS["service_cidr"]),
        Plan(**V6_CIDRS),
    ),
    Case("CIDR053", Plan(cluster_cidr=("10.42.0.0/25",)), Plan(cluster_cidr=("10.42.0.0/16",))),
    Case("CIDR054", Plan(node_cidr_mask_size_ipv4=27), Plan(node_cidr_mask_size_ipv4=24)),
    # dns
    Case("DNS001", Plan(cluster_dns=("10.43.0.x",)), Plan(cluster_dns=("10.43.0.10",))),
    Case("DNS002", Plan(cluster_dns=("10.44.0.10",)), Plan(cluster_dns=("10.43.0.10",))),
    Case("DNS003", Plan(cluster_dns=("10.43.0.10", "10.43.0.11")), Plan(cluster_dns=("10.43.0.10",))),
    Case("DNS004", Plan(cluster_dns=("10.43.0.0",)), Plan(cluster_dns=("10.43.0.10",))),
    Case("DNS005", Plan(cluster_dns=("10.43.0.1",)), Plan(cluster_dns=("10.43.0.10",))),
    Case("DNS006", Plan(cluster_dns=("10.43.255.255",)), Plan(cluster_dns=("10.43.255.254",))),
    Case(
        "DNS007",
        Plan(
            cluster_cidr=V6_CIDRS["cluster_cidr"],
            service_cidr=("fd00:43::/108",),
            cluster_dns=("fd00:43::1:0",),
        ),
        Plan(
            cluster_cidr=V6_CIDRS["cluster_cidr"],
            service_cidr=("fd00:43::/108",),
            cluster_dns=("fd00:43::a",),
        ),
        "v1.33.6+k3s1",  # the bitmap allocator of Kubernetes before 1.34
    ),
    Case(
        "DNS008",
        Plan(**DUAL_CIDRS, cluster_dns=("10.43.0.10",)),
        Plan(**DUAL_CIDRS, cluster_dns=("10.43.0.10", "fd00:43::a")),
    ),
    Case("DNS010", Plan(service_cidr=("10.43.0.0/29",)), Plan(service_cidr=("10.43.0.0/28",))),
    Case("DNS020", Plan(cluster_domain="Cluster.Local."), Plan(cluster_domain="cluster.local")),
    # ports
    Case("PORT001", Plan(service_node_port_range="30000:32767"), Plan(service_node_port_range="30000-32767")),
    Case("PORT002", Plan(service_node_port_range="30000-70000"), Plan(service_node_port_range="30000-32767")),
    Case("PORT003", Plan(service_node_port_range="32767-30000"), Plan(service_node_port_range="30000-32767")),
    Case("PORT004", Plan(service_node_port_range="30000-30010"), Plan(service_node_port_range="30000-30500")),
    Case("PORT005", Plan(service_node_port_range="6000-7000"), Plan(service_node_port_range="30000-32767")),
    Case("PORT006", Plan(service_node_port_range="2300-2399"), Plan(service_node_port_range="30000-32767")),
    Case("PORT007", Plan(service_node_port_range="40000-42767"), Plan(service_node_port_range="30000-32767")),
    # flannel
    Case("FLANNEL001", fl(backend="vxlam"), fl(backend="vxlan")),
    Case("FLANNEL002", fl(backend="ipsec"), fl(backend="vxlan"), "v1.24.9+k3s1"),
    Case("FLANNEL003", fl(backend="ipsec"), fl(backend="wireguard-native"), "v1.27.0+k3s1"),
    Case("FLANNEL004", fl(backend="wireguard"), fl(backend="wireguard-native"), "v1.24.0+k3s1"),
    Case("FLANNEL005", fl(backend="wireguard"), fl(backend="wireguard-native"), "v1.26.0+k3s1"),
    Case("FLANNEL006", fl(backend="wireguard-native"), fl(backend="vxlan"), "v1.21.14+k3s1"),
    Case("FLANNEL007", fl(backend="vxlan=DirectRouting=true"), fl(backend="vxlan"), "v1.26.3+k3s1"),
    Case("FLANNEL008", fl(backend="vxlan=DirectRouting=true"), fl(backend="vxlan"), "v1.27.0+k3s1"),
    Case("FLANNEL009", fl(backend="host-gw"), fl(backend="vxlan")),
    Case("FLANNEL010", fl(backend="wireguard-native"), fl(backend="vxlan")),
    Case(
        "FLANNEL011",
        Plan(extra={"no-flannel": True}, cni=Cni(kind="none")),
        Plan(flannel=Flannel(backend="none"), cni=Cni(kind="none")),
        "v1.26.0+k3s1",
    ),
    Case(
        "FLANNEL012",
        Plan(extra={"no-flannel": True}, cni=Cni(kind="none")),
        Plan(flannel=Flannel(backend="none"), cni=Cni(kind="none")),
        "v1.21.14+k3s1",
    ),
    Case("FLANNEL030", Plan(flannel=Flannel(backend="none"), cni=Cni(kind="none")), calico()),
    Case("FLANNEL031", Plan(cluster_cidr=("10.42.0.0/16", "2001:db8:42::/56"),
                            service_cidr=DUAL_CIDRS["service_cidr"]),
         Plan(cluster_cidr=("10.42.0.0/16", "2001:db8:42::/56"), service_cidr=DUAL_CIDRS["service_cidr"],
              flannel=Flannel(ipv6_masq=True))),
    Case("FLANNEL032", Plan(**DUAL_CIDRS), Plan(**DUAL_CIDRS, flannel=Flannel(ipv6_masq=True))),
    Case("DISABLE001", Plan(extra={"disable": ["trafik"]}),
         Plan(extra={"disable": ["traefik", "servicelb"]})),
    Case("DISABLE002", Plan(extra={"disable": "traefik,network-policy"}), Plan(extra={"disable": "traefik"})),
    Case("DISABLE003", Plan(extra={"disable": ["runtimes"]}, k3s_version="v1.25.4+k3s1"),
         Plan(extra={"disable": ["runtimes"]}, k3s_version="v1.29.0+k3s1")),
    Case("VER009", Plan(extra={"no-deploy": ["traefik"]}), Plan(extra={"disable": ["traefik"]}),
         "v1.25.0+k3s1"),
    Case("FLANNEL020", fl(backend="host-gw", direct_routing=True), fl(backend="vxlan", direct_routing=True)),
    Case("FLANNEL021", fl(ipv6_masq=True), Plan(**DUAL_CIDRS, flannel=Flannel(ipv6_masq=True))),
    Case(
        "FLANNEL022",
        Plan(flannel=Flannel(external_ip=True), node_external_ip=("203.0.113.5",)),
        Plan(
            flannel=Flannel(backend="wireguard-native", external_ip=True), node_external_ip=("203.0.113.5",)
        ),
    ),
    Case(
        "FLANNEL023",
        fl(backend="wireguard-native", external_ip=True),
        Plan(
            flannel=Flannel(backend="wireguard-native", external_ip=True), node_external_ip=("203.0.113.5",)
        ),
    ),
    Case("FLANNEL024", fl(mtu=100), fl(mtu=1450)),
    Case("FLANNEL025", fl(vni=0), fl(vni=1)),
    Case("FLANNEL026", fl(port=70000), fl(port=8472)),
    Case("FLANNEL027", fl(backend="host-gw", vni=5), fl(backend="host-gw")),
    Case("FLANNEL028", fl(mtu=1450), fl(), "v1.25.0+k3s1"),
    Case(
        "FLANNEL029",
        Plan(flannel=Flannel(backend="none", iface="eth1"), cni=Cni(kind="none")),
        Plan(flannel=Flannel(backend="none"), cni=Cni(kind="none")),
    ),
    # versions
    Case("VER001", Plan(k3s_version="1.30"), Plan(k3s_version="v1.30.6+k3s1")),
    Case(
        "VER002",
        Plan(
            flannel=Flannel(backend="wireguard-native", external_ip=True),
            node_external_ip=("203.0.113.5",),
            k3s_version="v1.23.12+k3s1",
        ),
        Plan(
            flannel=Flannel(backend="wireguard-native", external_ip=True),
            node_external_ip=("203.0.113.5",),
            k3s_version="v1.23.13+k3s1",
        ),
    ),
    Case(  # supervisor-metrics: v1.29.6, v1.30.2; the history read 1.28 up to v1.28.4 only
        "VER003",
        Plan(extra={"supervisor-metrics": True}, k3s_version="v1.28.10+k3s1"),
        Plan(extra={"supervisor-metrics": True}, k3s_version="v1.30.2+k3s1"),
    ),
    Case(
        "VER004", Plan(**V6_CIDRS, k3s_version="v1.22.8+k3s1"), Plan(**V6_CIDRS, k3s_version="v1.22.9+k3s1")
    ),
    Case(
        "VER005",
        Plan(**DUAL_CIDRS, k3s_version="v1.20.15+k3s1"),
        Plan(**DUAL_CIDRS, k3s_version="v1.21.0+k3s1"),
    ),
    Case(
        "VER006",
        Plan(**DUAL_CIDRS, k3s_version="v1.22.5+k3s1"),
        Plan(**DUAL_CIDRS, k3s_version="v1.23.7+k3s1"),
    ),
    Case("VER007", Plan(k3s_version="v1.99.0+k3s1"), Plan()),
    Case("VER008", Plan(k3s_version="v1.18.20+k3s1"), Plan(k3s_version="v1.19.1+k3s1")),
    # custom CNI
    Case("CNI001", Plan(cni=Cni(kind="weave")), Plan()),
    Case("CNI002", replace(calico(), flannel=Flannel()), calico()),
    Case("CNI003", replace(calico(), disable_network_policy=False), calico()),
    Case("CNI004", replace(cilium(), disable_kube_proxy=False), cilium()),
    Case("CNI005", cilium(k8s_service_host=""), cilium()),
    Case("CNI006", Plan(disable_kube_proxy=True), Plan()),
    Case(
        "CNI007",
        Plan(
            cni=Cni(kind="none"),
            flannel=Flannel(backend="none"),
            disable_network_policy=True,
            disable_kube_proxy=True,
        ),
        Plan(cni=Cni(kind="none"), flannel=Flannel(backend="none"), disable_network_policy=True),
    ),
    Case(
        "CNI008",
        replace(calico(linux_dataplane="BPF"), disable_kube_proxy=True),
        replace(calico(linux_dataplane="BPF"), disable_kube_proxy=True,
                nodes=(Node("s1", "192.0.2.10", "server"),)),
    ),
    Case("CNI010", calico(ip_pools=("192.168.0.0/16",)), calico(ip_pools=("10.42.0.0/16",))),
    Case("CNI019", calico(version="3.30"), calico(version="v3.30.0")),
    Case("CNI025", cilium(k8s_service_host="api_server.lan"), cilium(k8s_service_host="api-server.lan")),
    Case("CNI011", calico(container_ip_forwarding=False), calico()),
    Case("CNI012", calico(encapsulation="vxlan"), calico(encapsulation="VXLAN")),
    Case("CNI013", calico(encapsulation="IPIP"), calico(encapsulation="IPIP", bgp=True)),
    Case(
        "CNI014",
        replace(calico(encapsulation="IPIP", bgp=True), **DUAL_CIDRS),
        replace(calico(), **DUAL_CIDRS),
    ),
    Case("CNI015", calico(bgp=True), calico()),
    Case("CNI016", calico(block_size_v4=33), calico()),
    Case("CNI017", calico(linux_dataplane="ebpf"), calico(linux_dataplane="BPF")),
    Case("CNI018", calico(mtu=100), calico(mtu=1450)),
    Case("CNI020", cilium(pool_cidrs=("10.0.0.0/8",)), cilium(pool_cidrs=("10.42.0.0/16",))),
    Case(
        "CNI021", cilium(ipam_mode="kubernetes", pool_cidrs=("10.42.0.0/16",)), cilium(ipam_mode="kubernetes")
    ),
    Case("CNI022", cilium(routing_mode="direct"), cilium(routing_mode="native")),
    Case("CNI023", cilium(mtu=100), cilium(mtu=0)),
    Case("CNI024", replace(cilium(), cni=replace(cilium().cni, multus=multus(LAN).cni.multus)), cilium()),
    Case("CNI030", macvlan(name="Mac_VLAN"), macvlan()),
    Case("CNI031", multus(LAN, LAN), multus(LAN, replace(LAN, name="macvlan-2"))),
    Case("CNI032", macvlan(master=""), macvlan()),
    Case("CNI033", macvlan(subnet="192.168.1.0"), macvlan()),
    Case("CNI034", macvlan(range_start="192.168.2.10"), macvlan()),
    Case("CNI035", macvlan(range_start="192.168.1.216", range_end="192.168.1.200"), macvlan()),
    Case("CNI036", macvlan(gateway="192.168.1.201"), macvlan()),
    Case("CNI037", macvlan(subnet="10.42.5.0/24", range_start=None, range_end=None, gateway=None), macvlan()),
    Case(
        "CNI038",
        multus(LAN, nodes=TWO_NODES),
        multus(replace(LAN, ipam="whereabouts"), whereabouts=True, nodes=TWO_NODES),
    ),
    Case("CNI039", macvlan(mode="vepa2"), macvlan(mode="vepa")),
    Case("CNI040", multus(LAN, node_ip=("192.168.1.205",)), multus(LAN, node_ip=("192.168.1.10",))),
    Case("CNI041", macvlan(namespace="Kube_System"), macvlan(namespace="kube-system")),
    Case("CNI042", macvlan(master="eth0/1"), macvlan(master="eth0.100")),
    Case("EGRESS001", Plan(egress_selector_mode="pods"), Plan(egress_selector_mode="pod")),
    Case(
        "EGRESS002",
        replace(calico(), egress_selector_mode="pod"),
        replace(calico(), egress_selector_mode="cluster"),
    ),
    # agent
    Case("AGENT001", replace(AGENT, server="http://10.0.0.30:6443"), AGENT),
    Case("AGENT002", replace(AGENT, server="https://10.0.0.30"), AGENT),
    Case(
        "AGENT003",
        replace(AGENT, token=None),
        replace(AGENT, token=None, token_file="/etc/rancher/k3s/token"),
    ),
    Case(
        "AGENT004",
        replace(AGENT, server="https://10.0.0.51:6443", nodes=TWO_NODES),
        replace(AGENT, nodes=TWO_NODES),
    ),
    Case("AGENT005", Plan(role="master"), Plan(role="server")),
    Case("AGENT010", replace(AGENT, cluster_cidr=("10.42.0.0/16",)), AGENT),
    Case("AGENT011", Plan(extra={"disable-apiserver-lb": True}),
         replace(AGENT, extra={"disable-apiserver-lb": True})),
    # HA
    Case("HA001", Plan(), Plan(), bad_servers=(fl(backend="host-gw"),)),
    # host
    Case("HOST001", Plan(accept_ra=3), Plan(accept_ra=2)),
    Case("HOST002", Plan(**V6_CIDRS), Plan(**V6_CIDRS, accept_ra=0)),
    Case("HOST003", Plan(**V6_CIDRS, accept_ra=2), Plan(**V6_CIDRS, accept_ra=0)),
    Case("HOST004", Plan(**V6_CIDRS, accept_ra=1), Plan(**V6_CIDRS, accept_ra=2)),
    Case("PATH001", Plan(flannel=Flannel(conf="rel/net.json", direct_routing=True)),
         Plan(flannel=Flannel(conf="/etc/net-conf.json", direct_routing=True))),
    Case("PATH001", Plan(token_file="../token"), Plan(token_file="/etc/rancher/k3s/token")),
    Case("PATH001", Plan(token_file="/etc/" + "t" * 256), Plan(token_file="/etc/" + "t" * 255)),
    # nodes (tests/test_nodes.py has more)
    Case("NODE001", Plan(nodes=(*TWO_NODES, Node("agent", "10.0.0.32"))), Plan(nodes=TWO_NODES)),
    Case("NODE002", Plan(nodes=(*TWO_NODES, Node("a2", "10.0.0.33", node_ip=("10.0.0.31",)))),
         Plan(nodes=(*TWO_NODES, Node("a2", "10.0.0.33", node_ip=("10.0.0.33",))))),
    Case("NODE003", Plan(nodes=(Node("a1", "10.0.0.31"),)), Plan(nodes=(Node("a1", "10.0.0.31", "server"),))),
    Case("NODE004", Plan(nodes=(Node("Srv_1", "10.0.0.30", "server"),)),
         Plan(nodes=(Node("srv-1", "10.0.0.30", "server"),))),
    Case("NODE005", Plan(nodes=(Node("s", "10.0.0.30 ", "server"), Node("a", "-x"))),
         Plan(nodes=(Node("s", "10.0.0.30", "server"), Node("a", "a.example.org")))),
    Case("NODE006", Plan(nodes=(Node("s", "10.0.0.30", "master"), Node("s2", "10.0.0.31", "server"))),
         Plan(nodes=(Node("s", "10.0.0.30", "server"), Node("s2", "10.0.0.31", "agent")))),
    Case("NODE010", Plan(nodes=tuple(Node(f"s{i}", f"10.0.0.{i}", "server") for i in range(1, 5))),
         Plan(nodes=tuple(Node(f"s{i}", f"10.0.0.{i}", "server") for i in range(1, 4)))),
    Case("NODE020", Plan(nodes=(Node("s", "10.0.0.30", "server", node_ip=("10.42.0.9",)),)),
         Plan(nodes=(Node("s", "10.0.0.30", "server", node_ip=("10.0.0.30",)),))),
    Case("NODE020", Plan(**DUAL_CIDRS, nodes=(Node("s", "10.0.0.30", "server", node_ip=("10.0.0.30",)),)),
         Plan(**DUAL_CIDRS, nodes=(Node("s", "10.0.0.30", "server", node_ip=("10.0.0.30", "fd00:1::30")),))),
    Case("NODE021", Plan(**DUAL_CIDRS, nodes=(Node("s", "10.0.0.30", "server", node_ip=("10.0.0.30",)),)),
         Plan(**DUAL_CIDRS, nodes=(Node("s", "10.0.0.30", "server", node_ip=("10.0.0.30", "fd00:1::30")),)),
         version="v1.22.5+k3s1"),
    Case("NODE022", Plan(**V6_CIDRS, nodes=(Node("s", "10.0.0.30", "server"),)),
         Plan(**V6_CIDRS, nodes=(Node("s", "10.0.0.30", "server", node_ip=("fd00:1::30",)),))),
    Case("NODE023", Plan(node_ip=("10.0.0.30",), nodes=TWO_NODES), Plan(nodes=TWO_NODES)),
    Case("NODE030", Plan(flannel=Flannel(backend="host-gw"),
                         nodes=(Node("s", "10.0.0.30", "server"), Node("a", "192.168.1.31"))),
         Plan(flannel=Flannel(backend="host-gw"), nodes=TWO_NODES)),
]

# Emitted outside the rule functions; each tested where it is emitted: the importers' codes in
# tests/test_importers_*.py, IMPL001 in tests/test_evaluate.py, PRESET001 in tests/test_presets.py.
IMPORT_CODES = {r.code for r in RULES if r.stage == "import"} | {"IMPL001", "PRESET001"}


def _codes(plan: Plan, version: str | None, servers: tuple[Plan, ...] = ()) -> list[str]:
    return [f.code for f in validate(plan, k3s_version=version, servers=servers)]


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_rule_fires_on_bad_plan_only(case: Case) -> None:
    assert case.code in _codes(case.bad, case.version, case.bad_servers)
    assert case.code not in _codes(case.good, case.version)


def test_every_rule_code_has_a_case() -> None:
    tested = {c.code for c in CASES}
    host_checks = {r.code for r in RULES if r.stage in ("preflight", "doctor")}  # tests/doctor, tests/install
    assert {r.code for r in RULES} - IMPORT_CODES - host_checks - tested == set()


def test_codes_unique_and_import_codes_listed() -> None:
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    assert set(codes) >= IMPORT_CODES
    assert all(r.title and r.source and r.key for r in RULES)


def test_battery_codes_are_registered_with_their_severity() -> None:
    by_code = {r.code: r for r in RULES}
    for case in CASES:
        for f in validate(case.bad, k3s_version=case.version, servers=case.bad_servers):
            assert f.code in by_code
            assert f.severity is by_code[f.code].severity
            assert f.message


def test_findings_sorted_errors_first() -> None:
    found = validate(
        Plan(
            cluster_cidr=("10.42.1.0/16",),
            flannel=Flannel(backend="host-gw"),
            service_node_port_range="40000-42767",
        )
    )
    ranks = [f.severity.rank for f in found]
    assert ranks == sorted(ranks)
    assert found[0].severity is Severity.ERROR


def test_token_never_in_messages() -> None:
    secret = "s3cr3t-token-value"
    plans = [
        replace(AGENT, token=Secret(secret), server="http://x"),
        replace(AGENT, token=Secret(secret), cluster_cidr=("bad",)),
    ]
    for plan in plans:
        for f in validate(plan, servers=(replace(plan, role="server"),)):
            assert secret not in f.message and secret not in f.hint
