"""The network plan: everything k3stui decides, as plain frozen data.

Values are kept as the user wrote them (CIDRs are strings, not ip_network objects) so that a
wrong value can live in a plan and be reported by the rules instead of failing on the way in.
`None` / empty means "not set": K3s's default applies (see `defaults.py` and the `effective_*`
helpers below). No I/O, no Textual.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from k3stui import defaults
from k3stui.records import field, fields, is_record, record, replace

Role = Literal["server", "agent"]
FlannelBackend = Literal["none", "vxlan", "host-gw", "wireguard-native", "ipsec", "wireguard"]
CniKind = Literal["flannel", "calico", "cilium", "none"]  # "none": bring your own CNI
Family = Literal["ipv4", "dual", "ipv6"]

FLANNEL_BACKENDS: tuple[str, ...] = ("none", "vxlan", "host-gw", "wireguard-native", "ipsec", "wireguard")
CNI_KINDS: tuple[str, ...] = ("flannel", "calico", "cilium", "none")
EGRESS_SELECTOR_MODES: tuple[str, ...] = ("agent", "cluster", "pod", "disabled")
CALICO_ENCAPSULATIONS: tuple[str, ...] = ("VXLAN", "IPIP", "VXLANCrossSubnet", "IPIPCrossSubnet", "None")
MACVLAN_MODES: tuple[str, ...] = ("bridge", "private", "vepa", "passthru")
MACVLAN_IPAMS: tuple[str, ...] = ("host-local", "whereabouts")


@record
class Secret:
    """A value that must never be printed or logged (the join token)."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')"

    def __str__(self) -> str:
        return "********"


@record
class Flannel:
    backend: str = defaults.FLANNEL_BACKEND
    ipv6_masq: bool = False
    external_ip: bool = False
    iface: str | None = None
    # Options that only reach flannel through a net-conf.json (`flannel-conf`).
    direct_routing: bool = False
    mtu: int | None = None
    vni: int | None = None
    port: int | None = None
    conf: str | None = None  # node path of a user-supplied or rendered net-conf.json
    cni_conf: str | None = None  # `flannel-cni-conf`
    # net-conf.json keys k3stui does not model, kept verbatim ("EnableNFTables", "Backend.GBP" ...).
    netconf_extra: dict[str, Any] = field(default_factory=dict)

    @property
    def needs_netconf(self) -> bool:
        """DirectRouting, MTU, VNI and port can only be set through a net-conf.json."""
        return bool(
            self.direct_routing
            or self.mtu is not None
            or self.vni is not None
            or self.port is not None
            or self.netconf_extra
        )


@record
class Calico:
    version: str = defaults.CALICO_VERSION
    repo: str = defaults.CALICO_REPO
    encapsulation: str = "VXLAN"
    bgp: bool = False
    container_ip_forwarding: bool = True
    nat_outgoing: bool = True
    block_size_v4: int = 26
    block_size_v6: int = 122
    mtu: int | None = None
    ip_pools: tuple[str, ...] = ()  # empty: follow cluster-cidr (what it must be anyway)
    linux_dataplane: str = "Iptables"
    control_plane_replicas: int | None = None  # None: 1 for a single node, else 2


@record
class Cilium:
    version: str = defaults.CILIUM_VERSION
    repo: str = defaults.CILIUM_REPO
    kube_proxy_replacement: bool = True
    # 127.0.0.1:6444 is served on every K3s node (apiserver on servers, client LB on agents).
    k8s_service_host: str = "127.0.0.1"
    k8s_service_port: int = defaults.APISERVER_LOCAL_PORT
    routing_mode: str = "tunnel"  # tunnel | native
    tunnel_protocol: str = "vxlan"  # vxlan | geneve
    ipam_mode: str = "cluster-pool"  # cluster-pool | kubernetes
    pool_cidrs: tuple[str, ...] = ()  # empty: follow cluster-cidr
    encryption: str = "none"  # none | wireguard | ipsec
    mtu: int | None = None
    auto_direct_node_routes: bool = False
    operator_replicas: int | None = None  # None: 1 for a single node, else 2


@record
class MacvlanNetwork:
    name: str
    master: str
    subnet: str
    range_start: str | None = None
    range_end: str | None = None
    gateway: str | None = None
    mode: str = "bridge"
    ipam: str = "host-local"
    namespace: str = "default"
    mtu: int | None = None


@record
class Multus:
    version: str = defaults.MULTUS_VERSION
    repo: str = defaults.MULTUS_REPO
    whereabouts: bool = False
    networks: tuple[MacvlanNetwork, ...] = ()


@record
class Cni:
    kind: str = "flannel"
    calico: Calico = field(default_factory=Calico)
    cilium: Cilium = field(default_factory=Cilium)
    multus: Multus | None = None  # an add-on beside the primary CNI


@record
class Node:
    """A node of the cluster: how to reach it (`address`, also Ansible's `ansible_host`), its role,
    and the K3s settings only it has. Rendered per node (`render --per-node`, `render --ansible`)."""

    name: str
    address: str
    role: str = "agent"
    node_ip: tuple[str, ...] = ()  # K3s node-ip; empty: K3s picks the default-route address
    node_external_ip: tuple[str, ...] = ()
    flannel_iface: str | None = None  # overrides the plan's flannel.iface on this node


@record
class Plan:
    role: str = "server"
    k3s_version: str | None = None
    server: str | None = None  # URL agents (and joining servers) register with
    token: Secret | None = None
    token_file: str | None = None
    cluster_cidr: tuple[str, ...] = ()
    service_cidr: tuple[str, ...] = ()
    cluster_dns: tuple[str, ...] = ()
    cluster_domain: str | None = None
    service_node_port_range: str | None = None
    node_cidr_mask_size: int | None = None
    node_cidr_mask_size_ipv4: int | None = None
    node_cidr_mask_size_ipv6: int | None = None
    flannel: Flannel = field(default_factory=Flannel)
    cni: Cni = field(default_factory=Cni)
    disable_network_policy: bool = False
    disable_kube_proxy: bool = False
    node_ip: tuple[str, ...] = ()
    node_external_ip: tuple[str, ...] = ()
    egress_selector_mode: str | None = None
    accept_ra: int | None = None
    nodes: tuple[Node, ...] = ()
    # Every other K3s flag, verbatim, in the order met (key without dashes -> value).
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Derived facts. Pure, cheap; rules, renderers and the TUI all read these.


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_network(text: str) -> Network | None:
    """A CIDR as K3s reads it (host bits masked, like Go's net.ParseCIDR); None if it is not one.
    Reporting bad entries is the rules' job: everything else just skips them."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def is_node_path(path: str) -> bool:
    """An absolute, normalised path on a node (no '..', no '//', no NUL): what K3s reads a
    flannel-conf or token-file from, and what k3stui may write a rendered file to."""
    return is_normalised_path(path) and fits_linux_limits(path)


def is_normalised_path(path: str) -> bool:
    """Absolute, no '..', no '//', no NUL (whatever its length)."""
    from pathlib import PurePosixPath  # here: pathlib is a tenth of `check --exec`'s imports

    p = PurePosixPath(path)
    # str(p) == path also refuses `a//b`; POSIX keeps a leading `//` (implementation-defined): refuse it.
    return p.is_absolute() and ".." not in p.parts and "\0" not in path and str(p) == path \
        and not path.startswith("//")


# Linux's limits (linux/limits.h): a name of more than NAME_MAX bytes, or a path of PATH_MAX bytes
# or more, cannot be opened or created (ENAMETOOLONG).
NAME_MAX, PATH_MAX = 255, 4096


def fits_linux_limits(path: str) -> bool:
    data = path.encode("utf-8", "surrogateescape")
    return len(data) < PATH_MAX and all(len(part) <= NAME_MAX for part in data.split(b"/"))


def networks(cidrs: tuple[str, ...]) -> list[Network]:
    """The usable entries of a CIDR list, in order."""
    return [n for n in map(parse_network, cidrs) if n is not None]


def effective_cluster_cidr(plan: Plan) -> tuple[str, ...]:
    if plan.cluster_cidr:
        return plan.cluster_cidr
    return (defaults.CLUSTER_CIDR_V6,) if _primary_node_ip_is_v6(plan) else (defaults.CLUSTER_CIDR_V4,)


def effective_service_cidr(plan: Plan) -> tuple[str, ...]:
    if plan.service_cidr:
        return plan.service_cidr
    return (defaults.SERVICE_CIDR_V6,) if _primary_node_ip_is_v6(plan) else (defaults.SERVICE_CIDR_V4,)


def _primary_node_ip_is_v6(plan: Plan) -> bool:
    first = plan.node_ip[0] if plan.node_ip else None
    if first is None:
        return False
    try:
        return ipaddress.ip_address(first.strip()).version == 6
    except ValueError:
        return False


def default_cluster_dns(service_cidrs: tuple[str, ...]) -> tuple[str, ...]:
    """K3s's default: the 10th address of each service CIDR (k3s pkg/cli/server/server.go)."""
    out = []
    for text in service_cidrs:
        net = parse_network(text)
        if net is not None and net.num_addresses > defaults.CLUSTER_DNS_INDEX:
            out.append(str(net.network_address + defaults.CLUSTER_DNS_INDEX))
    return tuple(out)


def effective_cluster_dns(plan: Plan) -> tuple[str, ...]:
    return plan.cluster_dns or default_cluster_dns(effective_service_cidr(plan))


def effective_cluster_domain(plan: Plan) -> str:
    return plan.cluster_domain or defaults.CLUSTER_DOMAIN


def effective_node_port_range(plan: Plan) -> str:
    return plan.service_node_port_range or defaults.SERVICE_NODE_PORT_RANGE


def node_mask(plan: Plan, version: int) -> int:
    """The per-node pod subnet size kube-controller-manager will use for an IP version."""
    if version == 4:
        return plan.node_cidr_mask_size_ipv4 or plan.node_cidr_mask_size or defaults.NODE_CIDR_MASK_V4
    return plan.node_cidr_mask_size_ipv6 or plan.node_cidr_mask_size or defaults.NODE_CIDR_MASK_V6


def ip_family(plan: Plan) -> Family:
    """ipv4 / dual / ipv6, from the cluster CIDRs (invalid entries are ignored here)."""
    versions = {n.version for n in networks(effective_cluster_cidr(plan))}
    if versions == {4, 6}:
        return "dual"
    if versions == {6}:
        return "ipv6"
    return "ipv4"


def uses_flannel(plan: Plan) -> bool:
    return plan.cni.kind == "flannel" and plan.flannel.backend != "none"


def find_node(plan: Plan, name: str) -> Node | None:
    return next((n for n in plan.nodes if n.name == name), None)


def node_plan(plan: Plan, node: Node) -> Plan:
    """The plan as one node runs it: its role, and its own node-ip, node-external-ip,
    flannel-iface and node-name in place of the plan's host identity (which belongs to whichever
    host the plan was written for, never to every node)."""
    extra = {k: v for k, v in plan.extra.items() if k not in ("node-ip", "node-external-ip", "node-name")}
    extra["node-name"] = node.name
    return replace(
        plan,
        role=node.role,
        node_ip=node.node_ip,
        node_external_ip=node.node_external_ip,
        flannel=replace(plan.flannel, iface=node.flannel_iface or plan.flannel.iface),
        extra=extra,
    )


# ---------------------------------------------------------------------------------------------
# Editing by path, for the TUI and for presets: `with_value(plan, "flannel.backend", "host-gw")`.


def get_value(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def with_value(obj: Any, path: str, value: Any) -> Any:
    head, _, rest = path.partition(".")
    if not rest:
        return replace(obj, **{head: value})
    child = getattr(obj, head)
    if child is None:  # e.g. cni.multus not chosen yet
        child = _field_default(obj, head)
    return replace(obj, **{head: with_value(child, rest, value)})


def _field_default(obj: Any, name: str) -> Any:
    if name == "multus":
        return Multus()
    for f in fields(obj):
        if f.name == name and is_record(f.type):
            return f.type()
    raise AttributeError(f"{type(obj).__name__}.{name} has no default to edit")
