"""What a plan means on the wire, before anything is installed: ports to open between nodes,
the pod MTU, each node's pod subnet, the host-gw routes and how many nodes the CIDRs allow.

Pure; sources: k3s-network.md §4 (MTU overheads), seed-scenarios.md §2 (routes); the ports come
from the one table in `k3stui/ports.py` (§5).
"""

from __future__ import annotations

import ipaddress

from k3stui import defaults
from k3stui.plan import Network, Node, Plan, effective_cluster_cidr, networks, node_mask, uses_flannel
from k3stui.ports import PortUse as Port
from k3stui.ports import ports as port_table
from k3stui.records import field, record
from k3stui.render.chart_values import values_notes

# Bytes an encapsulation takes from the host MTU (flannel code values; Calico/Cilium docs).
MTU_OVERHEAD: dict[str, int] = {
    "vxlan": 50, "wireguard-native": 80, "wireguard": 80, "host-gw": 0, "ipsec": 77,
    "calico-VXLAN": 50, "calico-VXLANCrossSubnet": 50, "calico-IPIP": 20, "calico-IPIPCrossSubnet": 20,
    "calico-None": 0, "cilium-tunnel": 50, "cilium-native": 0,
}
_CILIUM_ENCRYPTION_OVERHEAD = {"wireguard": 80, "ipsec": 77, "none": 0}
_Net = Network


@record
class NodeSubnet:
    node: str
    address: str
    role: str
    subnets: tuple[str, ...]  # one per cluster CIDR, "" when the CIDR has no block left


@record
class Explanation:
    ports: tuple[Port, ...]
    host_mtu: int
    pod_mtu: int | None  # None: the CNI picks it (no encapsulation known)
    mtu_reason: str
    node_subnets: tuple[NodeSubnet, ...]
    routes: dict[str, tuple[str, ...]]  # node name -> route lines (host-gw only)
    capacity: dict[str, int]  # "ipv4"/"ipv6" -> nodes the cluster CIDR can hold
    notes: tuple[str, ...] = field(default_factory=tuple)


def _networks(plan: Plan) -> list[_Net]:
    return networks(effective_cluster_cidr(plan))


def ports(plan: Plan) -> list[Port]:
    """Ports to open between nodes: the one table in `k3stui.ports`."""
    return list(port_table(plan))


def pod_mtu(plan: Plan, host_mtu: int = defaults.HOST_MTU) -> tuple[int | None, str]:
    """(pod MTU, why) for a host interface MTU; an explicit MTU in the plan wins."""
    kind = plan.cni.kind
    if uses_flannel(plan):
        if plan.flannel.mtu:
            return plan.flannel.mtu, "set in the plan (net-conf.json Backend.MTU)"
        overhead = MTU_OVERHEAD.get(plan.flannel.backend)
        if overhead is None:
            return None, f"unknown overhead for backend {plan.flannel.backend}"
        return host_mtu - overhead, f"host MTU {host_mtu} - {overhead} ({plan.flannel.backend})"
    if kind == "calico":
        if plan.cni.calico.mtu:
            return plan.cni.calico.mtu, "set in the plan (Calico mtu)"
        enc = plan.cni.calico.encapsulation
        overhead = MTU_OVERHEAD.get(f"calico-{enc}", 0)
        return host_mtu - overhead, f"host MTU {host_mtu} - {overhead} (Calico {enc})"
    if kind == "cilium":
        c = plan.cni.cilium
        if c.mtu:
            return c.mtu, "set in the plan (Cilium MTU)"
        overhead = MTU_OVERHEAD[f"cilium-{'tunnel' if c.routing_mode == 'tunnel' else 'native'}"]
        overhead += _CILIUM_ENCRYPTION_OVERHEAD.get(c.encryption, 0)
        why = f"host MTU {host_mtu} - {overhead} (Cilium {c.routing_mode}, encryption {c.encryption})"
        return host_mtu - overhead, why
    return None, "no CNI chosen by k3stui: your CNI decides"


def _ordered_nodes(plan: Plan) -> list[Node]:
    """Servers first: kube-controller-manager hands out blocks as nodes register."""
    return sorted(plan.nodes, key=lambda n: 0 if n.role == "server" else 1)


def _nth_block(net: _Net, mask: int, index: int) -> str:
    if mask < net.prefixlen or index >= 2 ** (mask - net.prefixlen):
        return ""
    step = 2 ** (net.max_prefixlen - mask)
    base = int(net.network_address) + index * step
    return str(ipaddress.ip_network((base, mask)))


def node_subnets(plan: Plan) -> list[NodeSubnet]:
    nets = _networks(plan)
    return [
        NodeSubnet(n.name, n.address, n.role,
                   tuple(_nth_block(net, node_mask(plan, net.version), i) for net in nets))
        for i, n in enumerate(_ordered_nodes(plan))
    ]


def capacity(plan: Plan) -> dict[str, int]:
    out: dict[str, int] = {}
    for net in _networks(plan):
        mask = node_mask(plan, net.version)
        family = f"ipv{net.version}"
        out[family] = out.get(family, 0) + (2 ** (mask - net.prefixlen) if mask >= net.prefixlen else 0)
    return out


def _version_of(address: str) -> int | None:
    try:
        return ipaddress.ip_address(address.strip()).version
    except ValueError:
        return None


def host_gw_routes(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Per node, the routes flannel host-gw installs: `<subnet> via <node address> dev <iface>` for
    every other node, `<subnet> dev cni0` for its own pods (as `ip route` prints them)."""
    if not (uses_flannel(plan) and plan.flannel.backend == "host-gw"):
        return {}
    iface = plan.flannel.iface or "<iface>"
    subnets = node_subnets(plan)
    out: dict[str, tuple[str, ...]] = {}
    for me in subnets:
        lines = []
        for other in subnets:
            family = _version_of(other.address)
            for subnet in other.subnets:
                if not subnet or _version_of(subnet.split("/")[0]) != family:
                    continue  # a route needs a next hop of the same family
                if other is me:
                    lines.append(f"{subnet} dev cni0")
                else:
                    lines.append(f"{subnet} via {other.address} dev {iface}")
        out[me.node] = tuple(lines)
    return out


def explain(plan: Plan, host_mtu: int = defaults.HOST_MTU) -> Explanation:
    mtu, reason = pod_mtu(plan, host_mtu)
    notes = []
    flannel_backend = plan.flannel.backend if uses_flannel(plan) else None
    if flannel_backend == "vxlan" and any(_version_of(n.address) == 6 for n in plan.nodes):
        notes.append("IPv6 underlay: a VXLAN packet over IPv6 carries 20 more header bytes than flannel's "
                     "50-byte allowance; set a lower MTU if large packets stall.")
    if flannel_backend == "host-gw":
        notes.append("host-gw needs every node on one L2 segment (no router between nodes).")
    if plan.nodes:
        notes.append("Pod subnets assume nodes register in the listed order, servers first.")
    notes += values_notes(plan)  # why the CNI reaches the API where it does (::1, a server address)
    return Explanation(
        ports=tuple(ports(plan)), host_mtu=host_mtu, pod_mtu=mtu, mtu_reason=reason,
        node_subnets=tuple(node_subnets(plan)), routes=host_gw_routes(plan), capacity=capacity(plan),
        notes=tuple(notes),
    )


def format_explanation(e: Explanation) -> str:
    out = ["Ports to open between nodes:"]
    for p in e.ports:
        where = f"{p.port}/{p.proto}" if p.port else p.proto
        out.append(f"  {where:<14} {p.between:<20} {p.purpose}")
    out.append("")
    out.append(f"Pod MTU: {e.pod_mtu if e.pod_mtu is not None else 'chosen by the CNI'} ({e.mtu_reason})")
    out.append("Nodes the cluster CIDR allows: "
               + (", ".join(f"{fam} {n}" for fam, n in e.capacity.items()) or "none (no valid cluster CIDR)"))
    if e.node_subnets:
        out.append("")
        out.append("Pod subnet per node:")
        for ns in e.node_subnets:
            subnets = ", ".join(s or "(no block left)" for s in ns.subnets)
            out.append(f"  {ns.node} ({ns.role}, {ns.address}): {subnets}")
    if e.routes:
        out.append("")
        out.append("host-gw routes per node:")
        for node, lines in e.routes.items():
            out.append(f"  {node}:")
            out += [f"    {line}" + ("   (local pods)" if " via " not in line else "") for line in lines]
    if e.notes:
        out.append("")
        out += [f"Note: {n}" for n in e.notes]
    return "\n".join(out) + "\n"
