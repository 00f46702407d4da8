"""The form, as one table: which plan field each input edits, how its text is read, which tab and
section it sits in, and which finding keys belong under it.

A new option in the TUI is one `Field` row here plus its help text; widgets are built from this.
No Textual here: the table and its parsers are plain data and functions, testable alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from k3stui import defaults, plan
from k3stui.flags import BY_FIELD
from k3stui.versions import NEWEST_KNOWN

Kind = Literal["text", "list", "int", "bool", "choice", "nodes"]

TABS: tuple[tuple[str, str], ...] = (
    ("cluster", "Cluster"),
    ("addresses", "Addresses"),
    ("network", "Pod network"),
    ("host", "Host"),
    ("findings", "Findings"),
    ("preview", "Preview"),
)

# Pod-network sections shown only for the matching choice (see `section_visible`).
SECTIONS: dict[str, str] = {
    "flannel": "Flannel",
    "calico": "Calico",
    "cilium": "Cilium",
    "multus": "Multus + macvlan",
}


@dataclass(frozen=True)
class Field:
    path: str  # plan path for with_value/get_value; "macvlan.*" edits the first Multus network
    label: str
    tab: str
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    placeholder: str = ""
    section: str = ""  # "" always shown; else a SECTIONS key
    extra_keys: tuple[str, ...] = ()  # finding keys beyond the flag name

    @property
    def widget_id(self) -> str:
        return "f-" + self.path.replace(".", "--").replace("_", "-")

    @property
    def finding_keys(self) -> tuple[str, ...]:
        """A finding belongs under this field when its key is one of these."""
        flag = BY_FIELD.get(self.path)
        if flag:
            own = flag.name
        elif self.path.startswith("macvlan."):  # the rules' preset path of the first network
            own = "cni.multus.networks[0]." + self.path.removeprefix("macvlan.").replace("_", "-")
        else:
            own = self.path.replace("_", "-")
        return (own, self.path, *self.extra_keys)


FIELDS: tuple[Field, ...] = (
    # Cluster
    Field("role", "Role", "cluster", "choice", ("server", "agent")),
    Field("k3s_version", "K3s version", "cluster", placeholder=f"{NEWEST_KNOWN} (newest known)",
          extra_keys=("k3s-version",)),
    Field("server", "Server URL", "cluster", placeholder="https://10.0.0.51:6443 (joining only)"),
    Field("token_file", "Token file", "cluster", placeholder="/etc/rancher/k3s/token",
          extra_keys=("token",)),
    Field("nodes", "Nodes", "cluster", "nodes", placeholder="srv1=10.0.0.30@server, ag1=10.0.0.31",
          extra_keys=("node",)),
    Field("egress_selector_mode", "Egress selector", "cluster", "choice", plan.EGRESS_SELECTOR_MODES),
    # Addresses
    Field("cluster_cidr", "cluster-cidr", "addresses", "list",
          placeholder=f"{defaults.CLUSTER_CIDR_V4}  (v4,v6 for dual-stack)", extra_keys=("Network",)),
    Field("service_cidr", "service-cidr", "addresses", "list", placeholder=defaults.SERVICE_CIDR_V4),
    Field("cluster_dns", "cluster-dns", "addresses", "list", placeholder="10th address of service-cidr"),
    Field("cluster_domain", "cluster-domain", "addresses", placeholder=defaults.CLUSTER_DOMAIN),
    Field("service_node_port_range", "NodePort range", "addresses",
          placeholder=defaults.SERVICE_NODE_PORT_RANGE),
    Field("node_cidr_mask_size", "Node mask", "addresses", "int",
          placeholder="single-stack only", extra_keys=("kube-controller-manager-arg",)),
    Field("node_cidr_mask_size_ipv4", "Node mask IPv4", "addresses", "int",
          placeholder=str(defaults.NODE_CIDR_MASK_V4)),
    Field("node_cidr_mask_size_ipv6", "Node mask IPv6", "addresses", "int",
          placeholder=str(defaults.NODE_CIDR_MASK_V6)),
    # Pod network
    Field("cni.kind", "CNI", "network", "choice", plan.CNI_KINDS),
    Field("multus", "Multus add-on", "network", "bool", extra_keys=("cni.multus", "cni.multus.networks")),
    Field("disable_network_policy", "No network policy", "network", "bool"),
    Field("disable_kube_proxy", "No kube-proxy", "network", "bool"),
    Field("flannel.backend", "Backend", "network", "choice", plan.FLANNEL_BACKENDS, section="flannel",
          extra_keys=("Backend", "Backend.Type", "no-flannel")),
    Field("flannel.direct_routing", "DirectRouting", "network", "bool", section="flannel",
          extra_keys=("Backend.DirectRouting", "flannel-conf")),
    Field("flannel.ipv6_masq", "IPv6 masquerade", "network", "bool", section="flannel"),
    Field("flannel.external_ip", "Use external IP", "network", "bool", section="flannel"),
    Field("flannel.mtu", "MTU", "network", "int", section="flannel", placeholder="auto",
          extra_keys=("Backend.MTU",)),
    Field("flannel.vni", "VNI", "network", "int", section="flannel", placeholder=str(defaults.VXLAN_VNI),
          extra_keys=("Backend.VNI",)),
    Field("flannel.port", "Port", "network", "int", section="flannel", placeholder="backend default",
          extra_keys=("Backend.Port", "Backend.ListenPort")),
    Field("cni.calico.encapsulation", "Encapsulation", "network", "choice", plan.CALICO_ENCAPSULATIONS,
          section="calico"),
    Field("cni.calico.bgp", "BGP", "network", "bool", section="calico"),
    Field("cni.calico.container_ip_forwarding", "IP forwarding", "network", "bool", section="calico"),
    Field("cni.calico.nat_outgoing", "NAT outgoing", "network", "bool", section="calico"),
    Field("cni.calico.ip_pools", "IP pools", "network", "list", section="calico",
          placeholder="follow cluster-cidr"),
    Field("cni.calico.block_size_v4", "Block size v4", "network", "int", section="calico"),
    Field("cni.calico.block_size_v6", "Block size v6", "network", "int", section="calico"),
    Field("cni.calico.mtu", "MTU", "network", "int", section="calico", placeholder="auto"),
    Field("cni.calico.version", "Chart version", "network", section="calico"),
    Field("cni.cilium.kube_proxy_replacement", "Replace kube-proxy", "network", "bool", section="cilium"),
    Field("cni.cilium.k8s_service_host", "k8sServiceHost", "network", section="cilium"),
    Field("cni.cilium.k8s_service_port", "k8sServicePort", "network", "int", section="cilium"),
    Field("cni.cilium.routing_mode", "Routing mode", "network", "choice", ("tunnel", "native"),
          section="cilium"),
    Field("cni.cilium.tunnel_protocol", "Tunnel", "network", "choice", ("vxlan", "geneve"),
          section="cilium"),
    Field("cni.cilium.pool_cidrs", "Pool CIDRs", "network", "list", section="cilium",
          placeholder="follow cluster-cidr"),
    Field("cni.cilium.ipam_mode", "IPAM", "network", "choice", ("cluster-pool", "kubernetes"),
          section="cilium"),
    Field("cni.cilium.encryption", "Encryption", "network", "choice", ("none", "wireguard", "ipsec"),
          section="cilium"),
    Field("cni.cilium.mtu", "MTU", "network", "int", section="cilium", placeholder="auto"),
    Field("cni.cilium.auto_direct_node_routes", "Direct routes", "network", "bool", section="cilium"),
    Field("cni.cilium.version", "Chart version", "network", section="cilium"),
    Field("cni.multus.whereabouts", "Whereabouts", "network", "bool", section="multus"),
    Field("macvlan.master", "macvlan master", "network", section="multus", placeholder="eth0"),
    Field("macvlan.subnet", "Subnet", "network", section="multus", placeholder="192.168.1.0/24"),
    Field("macvlan.range_start", "Range start", "network", section="multus", placeholder="192.168.1.200"),
    Field("macvlan.range_end", "Range end", "network", section="multus", placeholder="192.168.1.216"),
    Field("macvlan.gateway", "Gateway", "network", section="multus", placeholder="192.168.1.1"),
    Field("macvlan.mode", "Mode", "network", "choice", plan.MACVLAN_MODES, section="multus"),
    # Host
    Field("node_ip", "node-ip", "host", "list", placeholder="auto (default-route address)"),
    Field("node_external_ip", "node-external-ip", "host", "list", placeholder="none"),
    Field("flannel.iface", "flannel-iface", "host", placeholder="default-route interface"),
    Field("accept_ra", "accept_ra", "host", "choice", ("0", "1", "2")),
)

BY_PATH: dict[str, Field] = {f.path: f for f in FIELDS}
# Choice fields that may be unset (None): K3s's own default applies.
OPTIONAL_CHOICES = frozenset({"egress_selector_mode", "accept_ra"})


def section_visible(section: str, p: plan.Plan) -> bool:
    if section in ("flannel", "calico", "cilium"):
        return p.cni.kind == section
    if section == "multus":
        return p.cni.multus is not None
    return True


def display_text(field: Field, value: Any) -> str:
    """A plan value as the text an input shows."""
    if value is None:
        return ""
    if field.kind == "list":
        return ", ".join(value)
    if field.kind == "nodes":
        return ", ".join(f"{n.name}={n.address}" + ("" if n.role == "agent" else f"@{n.role}") for n in value)
    return str(value)


def parse_text(field: Field, text: str) -> Any:
    """Input text to a plan value; ValueError with a short reason when it cannot be one.

    Only the shape is checked here (a number is a number): whether a value is *right* is the
    rules' job, so a wrong CIDR still reaches the plan and is reported at its field."""
    text = text.strip()
    if field.kind == "list":
        return tuple(part.strip() for part in text.split(",") if part.strip())
    if field.kind == "nodes":
        return tuple(_node(part.strip()) for part in text.split(",") if part.strip())
    if field.kind == "int":
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number") from None
    if field.path == "accept_ra":
        return int(text) if text else None
    return text or None


def _node(text: str) -> plan.Node:
    """`name=address[@role]`; the role defaults to agent."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise ValueError(f"{text!r}: write nodes as name=address[@server], comma separated")
    address, _, role = rest.partition("@")
    return plan.Node(name.strip(), address.strip(), role.strip() or "agent")
