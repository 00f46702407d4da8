"""The ONE table of ports a plan uses: protocol, port, between which nodes, purpose, and whether a
socket on this node listens on it. Pure.

Read by `render/explain.py` (ports to open), `rules/ports.py` (the NodePort range must not hold
them), `install/preflight.py` (each one listening here must be free) and the help. Sources:
k3s-network.md §5 (K3s inbound rules, docs/installation/requirements.md; Calico and Cilium
requirements) and §4 (flannel backends: vxlan `Port` default 8472, wireguard `ListenPort` 51820 and
`ListenPortV6` 51821 — the plan's flannel port is `ListenPort`, the IPv4 one).
"""

from __future__ import annotations

from typing import Literal

from k3stui import defaults
from k3stui.plan import Plan, effective_cluster_cidr, networks, uses_flannel
from k3stui.records import record

ETCD_PORTS = (2379, 2380)
REGISTRY_P2P_PORT = 5001  # embedded registry (Spegel); K3S_P2P_PORT changes it (unsupported)
KUBELET_PORT = 10250
Proto = Literal["tcp", "udp", "ip-proto-4", "esp"]


@record
class PortUse:
    proto: Proto
    low: int | None  # None for protocols without ports
    high: int | None
    between: str  # "agents -> servers", "all <-> all", ...
    purpose: str
    listening: bool  # a socket on this node (the role asked for) is bound to it

    @property
    def port(self) -> str:
        """"6443", "2379-2380", or "" for a protocol without ports."""
        if self.low is None:
            return ""
        return str(self.low) if self.high in (None, self.low) else f"{self.low}-{self.high}"

    @property
    def numbers(self) -> tuple[int, ...]:
        if self.low is None:
            return ()
        return tuple(range(self.low, (self.high or self.low) + 1))


def supervisor_port(plan: Plan) -> int:
    """https-listen-port when the plan sets a number, else 6443 (supervisor and kube-apiserver)."""
    text = str(plan.extra.get("https-listen-port", ""))
    return int(text) if text.isascii() and text.isdigit() else defaults.SUPERVISOR_PORT


def embedded_etcd(plan: Plan, *, other_servers: bool = False) -> bool:
    """Embedded etcd with peers: more than one server, cluster-init, a server joining another
    (`server:` set on a server), or other servers given; an external datastore has no etcd peers."""
    if "datastore-endpoint" in plan.extra:
        return False
    servers = sum(1 for n in plan.nodes if n.role == "server")
    joins = plan.role == "server" and bool(plan.server)
    return other_servers or joins or servers > 1 or bool(plan.extra.get("cluster-init"))


def ports(plan: Plan, role: str | None = None, *, other_servers: bool = False) -> tuple[PortUse, ...]:
    """Every port this plan uses; `listening` is for a node of `role` (default: the plan's)."""
    server = (role or plan.role) == "server"
    out = [
        PortUse("tcp", supervisor_port(plan), None, "agents -> servers", "K3s supervisor and kube-apiserver",
                server),
        PortUse("tcp", KUBELET_PORT, None, "all <-> all", "kubelet (metrics-server, logs, exec)", True),
    ]
    if embedded_etcd(plan, other_servers=other_servers):
        out.append(PortUse("tcp", *ETCD_PORTS, "servers <-> servers", "embedded etcd (HA)", server))
    if plan.extra.get("embedded-registry"):
        out.append(PortUse("tcp", REGISTRY_P2P_PORT, None, "all <-> all", "embedded registry (Spegel) P2P",
                           True))
    if uses_flannel(plan):
        out += _flannel(plan)
    elif plan.cni.kind == "calico":
        out += _calico(plan)
    elif plan.cni.kind == "cilium":
        out += _cilium(plan)
    return tuple(out)


def _all(proto: Proto, port: int | None, purpose: str, *, listening: bool = True) -> PortUse:
    return PortUse(proto, port, None, "all <-> all", purpose, listening and port is not None)


def _flannel(plan: Plan) -> list[PortUse]:
    backend, custom = plan.flannel.backend, plan.flannel.port
    if backend == "vxlan":
        return [_all("udp", custom or defaults.VXLAN_PORT, "flannel VXLAN")]
    if backend in ("wireguard-native", "wireguard"):
        families = {n.version for n in networks(effective_cluster_cidr(plan))}
        out = []
        if 4 in families:
            out.append(_all("udp", custom or defaults.WIREGUARD_PORT_V4, "flannel WireGuard IPv4"))
        if 6 in families:
            out.append(_all("udp", defaults.WIREGUARD_PORT_V6, "flannel WireGuard IPv6"))
        return out
    if backend == "ipsec":
        return [_all("udp", 500, "flannel IPsec IKE"), _all("udp", 4500, "flannel IPsec NAT traversal"),
                _all("esp", None, "flannel IPsec ESP")]
    return []  # host-gw: plain routing, no extra port


def _calico(plan: Plan) -> list[PortUse]:
    calico = plan.cni.calico
    enc = calico.encapsulation
    out = []
    if calico.bgp or enc.startswith("IPIP") or enc == "None":
        out.append(_all("tcp", 179, "Calico BGP"))
    if enc.startswith("IPIP"):
        out.append(_all("ip-proto-4", None, "Calico IP-in-IP"))
    if enc.startswith("VXLAN"):
        out.append(_all("udp", defaults.CALICO_VXLAN_PORT, "Calico VXLAN"))
    # Typha runs on a few nodes the operator picks: not known to listen here.
    out.append(PortUse("tcp", 5473, None, "all -> Typha hosts", "Calico Typha", False))
    return out


def _cilium(plan: Plan) -> list[PortUse]:
    cilium = plan.cni.cilium
    out = []
    if cilium.routing_mode == "tunnel":
        if cilium.tunnel_protocol == "geneve":
            out.append(_all("udp", defaults.CILIUM_GENEVE_PORT, "Cilium Geneve"))
        else:
            out.append(_all("udp", defaults.CILIUM_VXLAN_PORT, "Cilium VXLAN"))
    out += [_all("tcp", 4240, "cilium-health (and ICMP echo)"), _all("tcp", 4244, "Hubble server")]
    if cilium.encryption == "wireguard":
        out.append(_all("udp", 51871, "Cilium WireGuard"))
    elif cilium.encryption == "ipsec":
        out.append(_all("esp", None, "Cilium IPsec"))
    return out


def listening(plan: Plan, role: str | None = None) -> list[tuple[str, int, str]]:
    """(proto, port, purpose) for every port a node of `role` binds: what preflight checks is free."""
    return [(u.proto, n, u.purpose) for u in ports(plan, role) if u.listening for n in u.numbers]
