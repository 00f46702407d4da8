"""What the doctor's shells saw, as plain frozen data; the checks read nothing else.

A value of `None` means "could not be observed" (the check SKIPs and says why), never a guess.
Cluster objects are kept as the API returned them (`kubectl ... -o json` items): the checks pick
the fields they judge, so a fixture is simply recorded JSON.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from k3stui.install.hostinfo import Address, ModuleState
from k3stui.plan import Plan
from k3stui.records import record

Json = dict[str, Any]


@record
class Link:
    """One `ip -j -d link` entry: name, MTU, kind and, for a VXLAN device, its settings."""

    name: str
    mtu: int | None = None
    kind: str | None = None  # linkinfo.info_kind: "vxlan", "bridge", "veth", "wireguard" ...
    info: Json = field(default_factory=dict)  # linkinfo.info_data (vxlan: id, port, local, learning)


@record
class IpRoute:
    dst: str  # "default" or a CIDR / host address as `ip -j route` prints it
    dev: str | None
    gateway: str | None
    family: int
    onlink: bool = False
    proto: str | None = None  # "kernel", "ra", "static", ...


@record
class Neighbour:
    dev: str
    dst: str
    lladdr: str | None


@record
class FdbEntry:
    dev: str
    mac: str
    dst: str | None  # the remote VTEP address (vxlan)


@record
class NodeFacts:
    """One host as seen from inside it (`doctor --node`) or through the probe DaemonSet."""

    addresses: tuple[Address, ...] | None = None
    links: dict[str, Link] | None = None
    routes: tuple[IpRoute, ...] | None = None
    neighbours: tuple[Neighbour, ...] | None = None
    fdb: tuple[FdbEntry, ...] | None = None
    files: dict[str, str | None] = field(default_factory=dict)  # node path -> text (None: absent)
    dirs: dict[str, tuple[str, ...] | None] = field(default_factory=dict)  # node dir -> file names
    sysctls: dict[str, str | None] = field(default_factory=dict)  # "net.ipv4.ip_forward" -> "1"
    modules: dict[str, ModuleState] = field(default_factory=dict)
    wg: str | None = None  # `wg show all dump`, None: not run / not available
    notes: tuple[str, ...] = ()


@record
class Peer:
    """Another node as this node must reach it: name, node IP(s) and its pod subnets."""

    name: str
    addresses: tuple[str, ...]
    pod_cidrs: tuple[str, ...]


@record
class NodeObservation:
    name: str  # the plan node this host is ("" when the plan lists none)
    node_ips: tuple[str, ...]  # this node's node IP(s), as planned (or found on the uplink)
    pod_cidrs: tuple[str, ...]  # this node's pod subnets
    peers: tuple[Peer, ...]
    facts: NodeFacts
    # "api": pod subnets from the Node objects; "plan": predicted (nodes register in the listed order).
    peers_from: str = "api"
    data_dir: str = "/var/lib/rancher/k3s"


@record
class ClusterObservation:
    """`kubectl get ... -o json` items; None: that read failed (see `errors`)."""

    nodes: tuple[Json, ...] | None = None
    kube_dns: Json | None = None
    helmcharts: tuple[Json, ...] | None = None
    jobs: tuple[Json, ...] | None = None
    daemonsets: tuple[Json, ...] | None = None
    deployments: tuple[Json, ...] | None = None
    calico_pools: tuple[Json, ...] | None = None  # crd.projectcalico.org IPPools
    cilium_config: Json | None = None  # kube-system/cilium-config ConfigMap
    server_version: str | None = None  # /version gitVersion
    errors: dict[str, str] = field(default_factory=dict)  # what -> why it could not be read


@record
class ProbeResult:
    """One connectivity probe: what was tried from where, and whether it worked."""

    kind: str  # "endpoints", "pod-to-pod", "clusterip", "dns", "nodeport", "mtu"
    source: str  # client pod's node
    target: str  # node, service, address
    ok: bool
    detail: str = ""


@record
class ConnectivityObservation:
    endpoint_nodes: tuple[str, ...] | None  # nodes the Service's endpoints are on
    schedulable: tuple[str, ...]  # nodes pods could be scheduled on
    probes: tuple[ProbeResult, ...] = ()
    node_port: int = 30080
    error: str | None = None  # the test could not run at all


@record
class DoctorContext:
    """What every doctor check receives. A layer left out (None) makes its checks yield nothing."""

    plan: Plan
    k3s_version: str | None = None
    node: NodeObservation | None = None
    cluster: ClusterObservation | None = None
    connectivity: ConnectivityObservation | None = None
