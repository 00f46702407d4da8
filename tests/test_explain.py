"""explain: ports, MTU, node subnets, host-gw routes, capacity."""

from __future__ import annotations

from k3stui.plan import Calico, Cilium, Cni, Flannel, Node, Plan
from k3stui.render.explain import capacity, explain, format_explanation, host_gw_routes, pod_mtu, ports

SEED = (Node("server", "10.0.0.30", "server"), Node("agent", "10.0.0.31", "agent"))


def _ports(plan: Plan) -> set[str]:
    return {f"{p.port}/{p.proto}" if p.port else p.proto for p in ports(plan)}


def test_seed_host_gw_routes() -> None:
    routes = host_gw_routes(Plan(flannel=Flannel(backend="host-gw", iface="ens33"), nodes=SEED))
    assert routes["server"] == ("10.42.0.0/24 dev cni0", "10.42.1.0/24 via 10.0.0.31 dev ens33")
    assert "10.42.0.0/24 via 10.0.0.30 dev ens33" in routes["agent"]
    assert routes["agent"] == ("10.42.0.0/24 via 10.0.0.30 dev ens33", "10.42.1.0/24 dev cni0")


def test_routes_only_for_host_gw_and_servers_first() -> None:
    assert host_gw_routes(Plan(nodes=SEED)) == {}
    routes = host_gw_routes(Plan(flannel=Flannel(backend="host-gw"), nodes=tuple(reversed(SEED))))
    assert routes["server"][0] == "10.42.0.0/24 dev cni0"
    assert routes["agent"][0].endswith("dev <iface>")


def test_default_vxlan_ports_and_mtu() -> None:
    assert _ports(Plan()) == {"6443/tcp", "10250/tcp", "8472/udp"}
    assert pod_mtu(Plan())[0] == 1450
    assert _ports(Plan(flannel=Flannel(port=4789))) >= {"4789/udp"}


def test_host_gw_wireguard_and_ha_ports() -> None:
    assert _ports(Plan(flannel=Flannel(backend="host-gw"))) == {"6443/tcp", "10250/tcp"}
    dual_wg = Plan(flannel=Flannel(backend="wireguard-native"), cluster_cidr=("10.42.0.0/16", "fd00:42::/56"))
    assert {"51820/udp", "51821/udp"} <= _ports(dual_wg)
    assert pod_mtu(dual_wg, 1500)[0] == 1420
    ha = Plan(nodes=(Node("a", "10.0.0.1", "server"), Node("b", "10.0.0.2", "server")))
    assert "2379-2380/tcp" in _ports(ha)
    assert "2379-2380/tcp" not in _ports(Plan(nodes=SEED))


def test_calico_and_cilium_ports() -> None:
    calico = _ports(Plan(cni=Cni(kind="calico")))
    assert {"4789/udp", "5473/tcp"} <= calico and "8472/udp" not in calico
    ipip = _ports(Plan(cni=Cni(kind="calico", calico=Calico(encapsulation="IPIP"))))
    assert {"179/tcp", "ip-proto-4"} <= ipip
    cilium = _ports(Plan(cni=Cni(kind="cilium", cilium=Cilium(encryption="wireguard"))))
    assert {"8472/udp", "4240/tcp", "4244/tcp", "51871/udp"} <= cilium
    geneve = _ports(Plan(cni=Cni(kind="cilium", cilium=Cilium(tunnel_protocol="geneve"))))
    assert "6081/udp" in geneve


def test_mtu_per_backend_and_explicit() -> None:
    assert pod_mtu(Plan(flannel=Flannel(backend="host-gw")), 9000)[0] == 9000
    assert pod_mtu(Plan(flannel=Flannel(backend="ipsec")))[0] == 1423
    assert pod_mtu(Plan(flannel=Flannel(mtu=1300)))[0] == 1300
    assert pod_mtu(Plan(cni=Cni(kind="none"), flannel=Flannel(backend="none")))[0] is None


def test_capacity_and_dual_stack_subnets() -> None:
    plan = Plan(cluster_cidr=("10.42.0.0/16", "fd00:42::/56"), nodes=SEED)
    assert capacity(plan) == {"ipv4": 256, "ipv6": 256}
    e = explain(plan)
    assert e.node_subnets[1].subnets == ("10.42.1.0/24", "fd00:42:0:1::/64")
    assert capacity(Plan(cluster_cidr=("10.42.0.0/24",), node_cidr_mask_size_ipv4=26)) == {"ipv4": 4}


def test_ipv6_underlay_note_and_format() -> None:
    e = explain(Plan(cluster_cidr=("fd00:42::/56",), nodes=(Node("s", "fd00::1", "server"),)))
    assert any("IPv6 underlay" in n for n in e.notes)
    text = format_explanation(explain(Plan(flannel=Flannel(backend="host-gw", iface="ens33"), nodes=SEED)))
    assert "10.42.1.0/24 via 10.0.0.31 dev ens33" in text
    assert "Ports to open" in text and "Pod MTU: 1500" in text


def test_explain_says_why_the_cni_reaches_the_api_where_it_does() -> None:
    """Cilium on an IPv6-first cluster uses ::1; Calico eBPF without kube-proxy a server address."""
    from k3stui.plan import Calico, Cilium, Cni, Node, Plan
    from k3stui.render.explain import explain, format_explanation

    v6 = Plan(cluster_cidr=("fd00:42::/56",), service_cidr=("fd00:43::/112",),
              cni=Cni(kind="cilium", cilium=Cilium()), disable_kube_proxy=True)
    text = format_explanation(explain(v6))
    assert "k8sServiceHost is ::1" in text and "IPv6 loopback" in text
    ebpf = Plan(cni=Cni(kind="calico", calico=Calico(linux_dataplane="BPF")), disable_kube_proxy=True,
                nodes=(Node("s1", "192.0.2.10", "server"),))
    assert "kubernetesServiceEndpoint is 192.0.2.10:6443" in format_explanation(explain(ebpf))
    assert "k8sServiceHost" not in format_explanation(explain(Plan(cni=Cni(kind="cilium"))))
