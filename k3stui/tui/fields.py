"""The form, as one table: which plan field each input edits, how its text is read, which tab and
section it sits in, and which finding keys belong under it.

A new option in the TUI is one `Field` row here plus its help text; widgets are built from this.
No Textual here: the table and its parsers are plain data and functions, testable alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from k3stui import defaults, plan
from k3stui.flags import BY_FIELD
from k3stui.presets import ENUMS
from k3stui.versions import NEWEST_KNOWN

# "flags": `name=value` lines of K3s flags k3stui keeps verbatim (`Plan.extra`).
Kind = Literal["text", "list", "int", "bool", "choice", "nodes", "flags"]

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
    path: str  # plan path for with_value/get_value; `cni.multus.networks[N].*` see `network_fields`
    label: str
    tab: str
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    placeholder: str = ""
    section: str = ""  # "" always shown; else a SECTIONS key
    extra_keys: tuple[str, ...] = ()  # finding keys beyond the flag name
    help_key: str = ""  # the help_texts entry when it is not the path (one text for every network)

    @property
    def widget_id(self) -> str:
        path = self.path.replace("[", "-").replace("]", "")
        return "f-" + path.replace(".", "--").replace("_", "-")

    @property
    def finding_keys(self) -> tuple[str, ...]:
        """A finding belongs under this field when its key is one of these."""
        flag = BY_FIELD.get(self.path)
        # else the rules' preset path: cni.calico.linux-dataplane, cni.multus.networks[1].range-start
        own = flag.name if flag else self.path.replace("_", "-")
        return (own, self.path, *self.extra_keys)


FIELDS: tuple[Field, ...] = (
    # Cluster
    Field("role", "This host is", "cluster", "choice", ("server", "agent")),
    Field("k3s_version", "K3s version", "cluster", placeholder=f"default: {NEWEST_KNOWN} (newest known)",
          extra_keys=("k3s-version",)),
    Field("server", "Server URL", "cluster",
          placeholder="e.g. https://10.0.0.51:6443 (agents: the first server node)"),
    Field("token_file", "Token file", "cluster", placeholder=f"agent default: {defaults.AGENT_TOKEN_FILE}",
          extra_keys=("token",)),
    Field("nodes", "Nodes", "cluster", "nodes", placeholder="e.g. srv1=10.0.0.30@server, ag1=10.0.0.31",
          extra_keys=("node",)),
    Field("egress_selector_mode", "Egress selector", "cluster", "choice", plan.EGRESS_SELECTOR_MODES),
    # Addresses
    Field("cluster_cidr", "cluster-cidr", "addresses", "list",
          placeholder=f"default: {defaults.CLUSTER_CIDR_V4}  (v4,v6 for dual-stack)",
          extra_keys=("Network",)),
    Field("service_cidr", "service-cidr", "addresses", "list",
          placeholder=f"default: {defaults.SERVICE_CIDR_V4}"),
    Field("cluster_dns", "cluster-dns", "addresses", "list",
          placeholder="default: 10th address of service-cidr"),
    Field("cluster_domain", "cluster-domain", "addresses", placeholder=f"default: {defaults.CLUSTER_DOMAIN}"),
    Field("service_node_port_range", "NodePort range", "addresses",
          placeholder=f"default: {defaults.SERVICE_NODE_PORT_RANGE}"),
    Field("node_cidr_mask_size", "Node mask", "addresses", "int",
          placeholder="single-stack only, e.g. 24", extra_keys=("kube-controller-manager-arg",)),
    Field("node_cidr_mask_size_ipv4", "Node mask IPv4", "addresses", "int",
          placeholder=f"default: {defaults.NODE_CIDR_MASK_V4}"),
    Field("node_cidr_mask_size_ipv6", "Node mask IPv6", "addresses", "int",
          placeholder=f"default: {defaults.NODE_CIDR_MASK_V6}"),
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
    Field("flannel.mtu", "MTU", "network", "int", section="flannel", placeholder="default: auto",
          extra_keys=("Backend.MTU",)),
    Field("flannel.vni", "VNI", "network", "int", section="flannel",
          placeholder=f"default: {defaults.VXLAN_VNI}",
          extra_keys=("Backend.VNI",)),
    Field("flannel.port", "Port", "network", "int", section="flannel", placeholder="default: the backend's",
          extra_keys=("Backend.Port", "Backend.ListenPort")),
    Field("cni.calico.encapsulation", "Encapsulation", "network", "choice", plan.CALICO_ENCAPSULATIONS,
          section="calico"),
    Field("cni.calico.bgp", "BGP", "network", "bool", section="calico"),
    Field("cni.calico.container_ip_forwarding", "IP forwarding", "network", "bool", section="calico"),
    Field("cni.calico.nat_outgoing", "NAT outgoing", "network", "bool", section="calico"),
    Field("cni.calico.ip_pools", "IP pools", "network", "list", section="calico",
          placeholder="default: follow cluster-cidr"),
    Field("cni.calico.block_size_v4", "Block size v4", "network", "int", section="calico"),
    Field("cni.calico.block_size_v6", "Block size v6", "network", "int", section="calico"),
    Field("cni.calico.mtu", "MTU", "network", "int", section="calico", placeholder="default: auto"),
    Field("cni.calico.version", "Chart version", "network", section="calico"),
    Field("cni.calico.linux_dataplane", "Dataplane", "network", "choice",
          ENUMS[(plan.Calico, "linux_dataplane")], section="calico"),
    Field("cni.calico.control_plane_replicas", "Replicas", "network", "int", section="calico",
          placeholder="default: 1 on one node, else 2"),
    Field("cni.cilium.kube_proxy_replacement", "Replace kube-proxy", "network", "bool", section="cilium"),
    Field("cni.cilium.k8s_service_host", "k8sServiceHost", "network", section="cilium"),
    Field("cni.cilium.k8s_service_port", "k8sServicePort", "network", "int", section="cilium"),
    Field("cni.cilium.routing_mode", "Routing mode", "network", "choice",
          ENUMS[(plan.Cilium, "routing_mode")], section="cilium"),
    Field("cni.cilium.tunnel_protocol", "Tunnel", "network", "choice",
          ENUMS[(plan.Cilium, "tunnel_protocol")], section="cilium"),
    Field("cni.cilium.pool_cidrs", "Pool CIDRs", "network", "list", section="cilium",
          placeholder="default: follow cluster-cidr"),
    Field("cni.cilium.ipam_mode", "IPAM", "network", "choice",
          ENUMS[(plan.Cilium, "ipam_mode")], section="cilium"),
    Field("cni.cilium.encryption", "Encryption", "network", "choice",
          ENUMS[(plan.Cilium, "encryption")], section="cilium"),
    Field("cni.cilium.mtu", "MTU", "network", "int", section="cilium", placeholder="default: auto"),
    Field("cni.cilium.auto_direct_node_routes", "Direct routes", "network", "bool", section="cilium"),
    Field("cni.cilium.operator_replicas", "Operator replicas", "network", "int", section="cilium",
          placeholder="default: 1 on one node, else 2"),
    Field("cni.cilium.version", "Chart version", "network", section="cilium"),
    Field("cni.multus.whereabouts", "Whereabouts", "network", "bool", section="multus"),
    # Host
    Field("node_ip", "node-ip", "host", "list", placeholder="default: the default-route address"),
    Field("node_external_ip", "node-external-ip", "host", "list", placeholder="default: none"),
    Field("flannel.iface", "flannel-iface", "host", placeholder="default: the default-route interface"),
    Field("flannel.conf", "flannel-conf", "host", placeholder="default: rendered net-conf.json when needed"),
    Field("flannel.cni_conf", "flannel-cni-conf", "host", placeholder="default: the built-in conflist"),
    Field("accept_ra", "accept_ra", "host", "choice", ("0", "1", "2")),
    Field("extra", "Other K3s flags", "host", "flags",
          placeholder="e.g. protect-kernel-defaults=true (name=value, one a line)"),
)

# One macvlan network's options: (attribute, label, kind, choices, placeholder).
NETWORK_ATTRS: tuple[tuple[str, str, Kind, tuple[str, ...], str], ...] = (
    ("name", "Name", "text", (), "e.g. macvlan"),
    ("master", "Master", "text", (), "e.g. eth0"),
    ("subnet", "Subnet", "text", (), "e.g. 192.168.1.0/24"),
    ("range_start", "Range start", "text", (), "e.g. 192.168.1.200"),
    ("range_end", "Range end", "text", (), "e.g. 192.168.1.216"),
    ("gateway", "Gateway", "text", (), "e.g. 192.168.1.1"),
    ("mode", "Mode", "choice", ENUMS[(plan.MacvlanNetwork, "mode")], ""),
    ("ipam", "IPAM", "choice", ENUMS[(plan.MacvlanNetwork, "ipam")], ""),
    ("namespace", "Namespace", "text", (), "default: default"),
    ("mtu", "MTU", "int", (), "default: the master's MTU"),
)
_NETWORK_PATH = re.compile(r"cni\.multus\.networks\[(\d+)\]\.(\w+)")


def network_path(path: str) -> tuple[int, str] | None:
    """`cni.multus.networks[1].subnet` -> (1, "subnet"); None for any other path."""
    m = _NETWORK_PATH.fullmatch(path)
    return (int(m[1]), m[2]) if m else None


@cache
def network_fields(index: int) -> tuple[Field, ...]:
    """The rows of macvlan network `index`; their finding keys are the rules' own for that index."""
    return tuple(Field(f"cni.multus.networks[{index}].{attr}", label, "network", kind, choices,
                       placeholder, section="multus", help_key=f"macvlan.{attr}")
                 for attr, label, kind, choices, placeholder in NETWORK_ATTRS)


def field_for(path: str) -> Field:
    """The Field of any editable path, the table's or a network's. KeyError when there is none."""
    if path in BY_PATH:
        return BY_PATH[path]
    where = network_path(path)
    if where is None:
        raise KeyError(path)
    return network_fields(where[0])[[a for a, *_ in NETWORK_ATTRS].index(where[1])]

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
    if field.kind == "flags":
        from k3stui.importers.exec_string import flag_lines

        return flag_lines(value)
    return str(value)


def parse_text(field: Field, text: str) -> Any:
    """Input text to a plan value; ValueError with a short reason when it cannot be one.

    Only the shape is checked here (a number is a number): whether a value is *right* is the
    rules' job, so a wrong CIDR still reaches the plan and is reported at its field."""
    text = text.strip()
    if field.kind == "flags":
        return parse_flags(text)
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


def parse_flags(text: str) -> dict[str, Any]:
    """`name=value` lines -> `Plan.extra`, through the importers (the same reading as a config or
    INSTALL_K3S_EXEC). Unknown names are kept (the rules' view reports them, see `unknown_flags`);
    a flag the plan models, a secret or a malformed line is a ValueError."""
    from k3stui.flag_values import SECRET_KEYS
    from k3stui.flags import lookup
    from k3stui.importers.exec_string import parse_flag_lines
    from k3stui.importers.to_plan import plan_from_args
    from k3stui.rules.imports import UNKNOWN_NAME_CODES

    parsed = parse_flag_lines(text, "other flags")
    for name in parsed.args:
        flag = lookup(name)
        if flag is not None and (flag.field or name == "no-flannel"):
            raise ValueError(f"{name} has its own field: set it there")
        if name in SECRET_KEYS:
            raise ValueError(f"{name} is a secret: give it on the node, never in a plan")
    base = plan.Plan()
    applied, found = plan_from_args(parsed.args, role=None, base=base)
    problems = [f for f in (*parsed.findings, *found) if f.code not in UNKNOWN_NAME_CODES]
    if problems:
        raise ValueError(problems[0].message)
    if any(getattr(applied, f) != getattr(base, f) for f in
           ("node_cidr_mask_size", "node_cidr_mask_size_ipv4", "node_cidr_mask_size_ipv6")):
        raise ValueError("node-cidr-mask-size has its own fields (Addresses tab): set it there")
    return applied.extra


def unknown_flags(extra: dict[str, Any]) -> list[Any]:
    """IMPORT001 (did-you-mean) for each name in `extra` K3s does not know, from the importer itself,
    so a typo stays reported after a save and reload, not only while it is typed."""
    from k3stui.flags import lookup

    return list(_unknown_names(tuple(k for k in extra if lookup(k) is None)))


@cache
def _unknown_names(names: tuple[str, ...]) -> tuple[Any, ...]:
    """Cached: the message depends on the names only, and difflib is too slow for every keystroke."""
    from k3stui.importers.to_plan import plan_from_args

    return tuple(plan_from_args(dict.fromkeys(names, ""), role=None, base=plan.Plan())[1]) if names else ()
