"""What the plan says a running node must show: uplink, pod MTU, net-conf.json, the route flannel
installs towards each peer. Pure; the node checks compare observations with these.

Sources: k3s-network.md §4 (the files K3s writes, net-conf.json keys, MTU overheads), flannel
pkg/backend/hostgw, vxlan (vxlan_network.go: route `<subnet> via <subnet.IP> dev flannel.1 onlink`,
a permanent neighbour and fdb entry per peer; DirectRouting: the host-gw route for peers on the
same subnet), wireguard (routes via flannel-wg / flannel-wg-v6).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from k3stui import defaults
from k3stui import plan as p
from k3stui.doctor.observations import IpRoute, NodeObservation
from k3stui.install.hostinfo import Address
from k3stui.records import record

VXLAN_DEVICES = {4: "flannel.1", 6: "flannel-v6.1"}
WIREGUARD_DEVICES = {4: "flannel-wg", 6: "flannel-wg-v6"}
SUBNET_ENV = "/run/flannel/subnet.env"


def data_dir(plan: p.Plan) -> str:
    value = plan.extra.get("data-dir")
    return str(value) if isinstance(value, str) and p.is_node_path(value) else defaults.DATA_DIR


def netconf_path(plan: p.Plan) -> str:
    """Where flannel reads net-conf.json: the plan's flannel-conf (or the path k3stui renders it
    to), else the file K3s writes from its template."""
    from k3stui.render.k3s_config import netconf_node_path

    return netconf_node_path(plan) or plan.flannel.conf or f"{data_dir(plan)}/agent/etc/flannel/net-conf.json"


def netconf(plan: p.Plan) -> dict[str, Any]:
    """The net-conf.json flannel must be running with: the one k3stui renders when the plan needs
    options K3s cannot pass, else K3s's own template (k3s pkg/agent/flannel/setup.go)."""
    from k3stui.render.netconf import backend_object
    from k3stui.render.netconf import netconf as rendered

    conf = rendered(plan)
    if conf is not None:
        return conf
    cidrs = p.effective_cluster_cidr(plan)
    v4 = next((c for c in cidrs if version_of(c) == 4), None)
    v6 = next((c for c in cidrs if version_of(c) == 6), None)
    return {
        "Network": v4 or "0.0.0.0/0",
        "EnableIPv6": v6 is not None,
        "EnableIPv4": v4 is not None,
        "IPv6Network": v6 or "::/0",
        "Backend": backend_object(plan),
    }


def version_of(address: str) -> int | None:
    try:
        return ipaddress.ip_address(address.split("/")[0].strip()).version
    except ValueError:
        return None


def address_on(addresses: tuple[Address, ...], ip: str) -> Address | None:
    try:
        want = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    return next((a for a in addresses if ipaddress.ip_address(a.address) == want), None)


def best_route(routes: tuple[IpRoute, ...], target: str) -> IpRoute | None:
    """The route the kernel picks for `target` (longest prefix in the main table)."""
    try:
        ip = ipaddress.ip_address(target)
    except ValueError:
        return None
    best: tuple[int, IpRoute] | None = None
    for r in routes:
        if r.family != ip.version:
            continue
        if r.dst == "default":
            net = ipaddress.ip_network("0.0.0.0/0" if ip.version == 4 else "::/0")
        else:
            net = p.parse_network(r.dst)
        if net is None or ip not in net:
            continue
        if best is None or net.prefixlen > best[0]:
            best = (net.prefixlen, r)
    return best[1] if best else None


@record
class Hop:
    """How this node must reach a peer's pod subnet: out of `dev`, via `gateway`."""

    dev: str
    gateway: str | None  # None: any (wireguard routes the whole network through its device)
    form: str  # "host-gw", "vxlan", "wireguard"


def hop(plan: p.Plan, obs: NodeObservation, uplink: str, peer_ip: str, cidr: str) -> Hop | None:
    """The hop flannel installs towards `cidr` of a peer whose node IP is `peer_ip`; None: the
    backend installs no route k3stui knows (ipsec, none)."""
    net = p.parse_network(cidr)
    if net is None:
        return None
    backend = plan.flannel.backend
    if backend == "host-gw" or (
        backend == "vxlan" and plan.flannel.direct_routing and same_subnet(obs, peer_ip)
    ):
        return Hop(uplink, peer_ip, "host-gw")
    if backend == "vxlan":
        return Hop(VXLAN_DEVICES[net.version], str(net.network_address), "vxlan")
    if backend in ("wireguard-native", "wireguard"):
        return Hop(WIREGUARD_DEVICES[net.version], None, "wireguard")
    return None


def same_subnet(obs: NodeObservation, peer_ip: str) -> bool:
    """A peer on the subnet of one of this node's addresses (DirectRouting's test)."""
    try:
        ip = ipaddress.ip_address(peer_ip)
    except ValueError:
        return False
    for a in obs.facts.addresses or ():
        if (
            a.family == ip.version
            and ip in ipaddress.ip_network(a.cidr, strict=False)
            and a.address != peer_ip
        ):
            return True
    return False


def parse_env(text: str) -> dict[str, str]:
    """subnet.env: KEY=VALUE lines (flannel writes no quotes)."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            out[key] = value.strip()
    return out
