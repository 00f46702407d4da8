"""What each option does, as data: the help panel shows the entry for the focused field.

Every entry cites its fact in `../shared/reference/k3s-network.md` (section) and the primary
source named there, so a reviewer can check the text against the reference, not against memory.
Keys are plan paths (`flannel.backend`), the same keys `fields.py` uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from k3stui import defaults
from k3stui.versions import NEWEST_KNOWN


@dataclass(frozen=True)
class Help:
    title: str
    text: str
    default: str
    source: str  # "k3s-network.md §N; primary source"


HELP: dict[str, Help] = {
    # --- Cluster ---
    "role": Help(
        "Role of this host",
        "Which node of the planned cluster this host is: what Install puts here, as "
        "'k3stui install --role'. The plan describes the whole cluster and is judged as such; an "
        "agent gets the server URL from the nodes (or Server URL), the default token file and no "
        "server-only keys (flannel backend, masquerade, external-ip). A server runs the control "
        "plane; an agent joins a server.",
        "server",
        "k3s-network.md §0 rule 2; docs networking/basic-network-options.md",
    ),
    "k3s_version": Help(
        "K3s version",
        "The release the plan is for, vX.Y.Z+k3sN. Rules use it for version limits (dual-stack, "
        "wireguard-native, removed backends) and the install command pins it (INSTALL_K3S_VERSION).",
        f"newest known: {NEWEST_KNOWN}",
        "k3s-network.md §1 flannel-backend history, §2 install script variables; k3s:install.sh",
    ),
    "server": Help(
        "Server URL (K3S_URL)",
        "The server agents and joining servers register with. Must start with https:// "
        "(the install script stops otherwise); an agent also needs a token or token file.",
        "none (this host starts a new cluster)",
        "k3s-network.md §2 K3S_URL; k3s:install.sh verify_k3s_url",
    ),
    "token_file": Help(
        "Token file",
        "A file holding the join token (K3S_TOKEN_FILE / token-file). On servers the token is "
        "at /var/lib/rancher/k3s/server/token. k3stui never prints the token itself.",
        "none",
        "k3s-network.md §2 K3S_URL, §6 step 4; docs cli/agent.md",
    ),
    "nodes": Help(
        "Nodes of the cluster",
        "name=address[@server], comma separated (agent is the default role). Not written to any K3s "
        "file: k3stui uses it to show each node's pod subnet, the host-gw routes every node gets, "
        "node capacity and HA checks (Preview tab).",
        "none",
        "seed-scenarios.md §2 (host-gw routes); k3s-network.md §3 IPv4 capacity",
    ),
    "egress_selector_mode": Help(
        "Egress selector mode (critical)",
        "How the apiserver reaches kubelets and pods: agent | cluster | pod | disabled. 'pod' breaks "
        "with CNIs that ignore the node PodCIDR: use 'cluster' there. Must match on every server.",
        defaults.EGRESS_SELECTOR_MODE,
        "k3s-network.md §1 --egress-selector-mode; #5577",
    ),
    # --- Addresses ---
    "ip_family": Help(
        "IP family (derived)",
        "Shown, not chosen: one IPv4 CIDR is ipv4, one IPv6 is ipv6, one of each is dual-stack. "
        "The first CIDR's family is the primary one. Dual-stack cannot be enabled on an existing cluster.",
        "ipv4",
        "k3s-network.md §0 rule 4, §3; basic-network-options.md",
    ),
    "cluster_cidr": Help(
        "cluster-cidr (critical)",
        "Pod addresses. One CIDR per family, comma separated for dual-stack. Creation-time only; "
        "must not overlap the host/LAN networks (the most common K3s networking problem).",
        f"{defaults.CLUSTER_CIDR_V4} ({defaults.CLUSTER_CIDR_V6} if the node's primary IP is IPv6)",
        "k3s-network.md §1, §10 #1; k3s:pkg/util/net.go GetDefaultAddresses",
    ),
    "service_cidr": Help(
        "service-cidr (critical)",
        "ClusterIP addresses. IPv4 mask must be ≥ /12; K3s supports ≤ /112 for IPv6 (the allocator "
        "uses 65,536 addresses). Same family order as cluster-cidr.",
        f"{defaults.SERVICE_CIDR_V4} ({defaults.SERVICE_CIDR_V6} if IPv6 primary)",
        "k3s-network.md §3 kube-apiserver service CIDR validation; basic-network-options.md",
    ),
    "cluster_dns": Help(
        "cluster-dns (critical)",
        "CoreDNS Service address; must lie inside service-cidr. K3s does not check this itself — "
        "a wrong value breaks DNS silently.",
        "the 10th address of each service CIDR (10.43.0.10)",
        "k3s-network.md §0 rule 7, §3; k3s:pkg/cli/server/server.go",
    ),
    "cluster_domain": Help(
        "cluster-domain (critical)",
        "DNS domain of Services and Pods. Must match on every server.",
        defaults.CLUSTER_DOMAIN,
        "k3s-network.md §1; k3s:pkg/cli/cmds/server.go",
    ),
    "service_node_port_range": Help(
        "service-node-port-range",
        f"Port range for NodePort Services, 'low-high'. Keep K3s's local ports "
        f"({defaults.APISERVER_LOCAL_PORT}, {defaults.K3S_LOCAL_PORTS[-5]} …) and "
        "the ephemeral range out of it.",
        defaults.SERVICE_NODE_PORT_RANGE,
        "k3s-network.md §1, §5 local-only ports; k3s:pkg/cli/cmds/server.go",
    ),
    "node_cidr_mask_size": Help(
        "node-cidr-mask-size (single-stack)",
        "Pod subnet size per node, passed to kube-controller-manager. Not allowed on dual-stack: "
        "use the -ipv4/-ipv6 fields there.",
        f"/{defaults.NODE_CIDR_MASK_V4} IPv4, /{defaults.NODE_CIDR_MASK_V6} IPv6",
        "k3s-network.md §3 dual-stack mask flags; kube-controller-manager setNodeCIDRMaskSizes",
    ),
    "node_cidr_mask_size_ipv4": Help(
        "node-cidr-mask-size-ipv4",
        "IPv4 pod subnet per node. Node capacity is 2^(node mask − cluster mask): /16 with /24 "
        "gives 256 nodes.",
        f"/{defaults.NODE_CIDR_MASK_V4}",
        "k3s-network.md §3 IPv4 capacity; docs installation/requirements.md",
    ),
    "node_cidr_mask_size_ipv6": Help(
        "node-cidr-mask-size-ipv6",
        "IPv6 pod subnet per node. The IPv6 cluster CIDR must be within 16 bits of it (with /64 "
        "nodes, the cluster CIDR must be /48 or larger), else 'node CIDR size is too big'.",
        f"/{defaults.NODE_CIDR_MASK_V6}",
        "k3s-network.md §3 16-bit rule; cidr_set.go; #7888",
    ),
    # --- Pod network ---
    "cni.kind": Help(
        "Pod network (CNI)",
        "flannel is embedded in K3s. Calico and Cilium need flannel-backend none and "
        "disable-network-policy (Cilium's kube-proxy replacement also disable-kube-proxy); "
        "k3stui sets these for you and says why. 'none': bring your own CNI.",
        "flannel",
        "k3s-network.md §8 Custom CNI on k3s; basic-network-options.md",
    ),
    "multus": Help(
        "Multus add-on",
        "Extra interfaces for pods (e.g. macvlan to the host NIC) beside the primary CNI. Not bundled "
        "with K3s: installed from rke2-charts/rke2-multus with K3s's CNI paths.",
        "off",
        "k3s-network.md §8 Multus; docs networking/multus-ipams.md",
    ),
    "flannel.backend": Help(
        "flannel-backend (critical)",
        f"vxlan (default, UDP {defaults.VXLAN_PORT}), host-gw (plain routes, needs one L2 segment), "
        f"wireguard-native (encrypted, UDP {defaults.WIREGUARD_PORT_V4}/{defaults.WIREGUARD_PORT_V6}, kernel "
        "support on every node), none. 'wireguard' is fatal from "
        "v1.26.0, 'ipsec' from v1.27.",
        defaults.FLANNEL_BACKEND,
        "k3s-network.md §1 --flannel-backend value history; #6574, #6598",
    ),
    "flannel.direct_routing": Help(
        "VXLAN DirectRouting",
        "Nodes on the same subnet route directly (host-gw style); only other subnets use the tunnel. "
        "Only settable through a net-conf.json given with flannel-conf on every node.",
        "off",
        "k3s-network.md §4 backend options; flannel Documentation/backends.md",
    ),
    "flannel.ipv6_masq": Help(
        "flannel-ipv6-masq (critical)",
        "Masquerade pod IPv6 traffic leaving the cluster: needed with ULA / non-routed pod IPv6. "
        "Only meaningful on IPv6 or dual-stack. IPv4 is always masqueraded.",
        "false",
        "k3s-network.md §1, §3; #4952",
    ),
    "flannel.external_ip": Help(
        "flannel-external-ip (critical)",
        "Flannel uses node-external-ip as the public address: for nodes across NAT or clouds. "
        "K3s warns unless the backend is wireguard-native.",
        "false",
        "k3s-network.md §1, §10 #5; #6321",
    ),
    "flannel.mtu": Help(
        "Flannel MTU",
        "Tunnel device MTU. Overhead: vxlan 50, wireguard 80 bytes below the interface MTU. Needs a "
        "net-conf.json (flannel-conf); the MTU key exists since flannel v0.21.3 (K3s v1.26.3).",
        "interface MTU − backend overhead",
        "k3s-network.md §4 backend options, §10 #6; flannel pkg/backend/*",
    ),
    "flannel.vni": Help(
        "VXLAN VNI",
        "VXLAN network identifier; 1 on Linux. Needs a net-conf.json (flannel-conf).",
        str(defaults.VXLAN_VNI),
        "k3s-network.md §4 backend options; flannel Documentation/backends.md",
    ),
    "flannel.port": Help(
        "Backend UDP port",
        f"vxlan: kernel default {defaults.VXLAN_PORT} (4789 on Windows); wireguard: ListenPort "
        f"{defaults.WIREGUARD_PORT_V4}. Needs a "
        "net-conf.json (flannel-conf). Keep it closed to the internet.",
        f"{defaults.VXLAN_PORT} (vxlan), {defaults.WIREGUARD_PORT_V4} (wireguard)",
        "k3s-network.md §4, §5 ports; flannel Documentation/backends.md",
    ),
    "disable_network_policy": Help(
        "disable-network-policy (critical)",
        "Turns off K3s's embedded kube-router policy controller; most custom CNIs bring their own. "
        "Its iptables rules are not removed when disabled.",
        "false",
        "k3s-network.md §1, §8; docs networking/networking-services.md",
    ),
    "disable_kube_proxy": Help(
        "disable-kube-proxy",
        "Do not run kube-proxy: required when Cilium replaces it (kubeProxyReplacement).",
        "false",
        "k3s-network.md §1, §8 Cilium; #2296",
    ),
    "cni.calico.encapsulation": Help(
        "Calico encapsulation",
        f"VXLAN (UDP {defaults.CALICO_VXLAN_PORT}), IPIP (IP protocol 4), the CrossSubnet variants, or "
        "None (BGP routing). "
        "Calico dual-stack uses BGP, not VXLAN.",
        "VXLAN",
        "k3s-network.md §5 Calico ports, §8 RKE2 comparison; Calico requirements",
    ),
    "cni.calico.bgp": Help(
        "Calico BGP",
        "Distribute routes with BGP (TCP 179 between all nodes).",
        "off",
        "k3s-network.md §5 Calico ports",
    ),
    "cni.calico.container_ip_forwarding": Help(
        "Container IP forwarding",
        "Must be Enabled on K3s, else svclb-traefik fails with 'can't create "
        "/proc/sys/net/ipv4/ip_forward: Read-only file system'.",
        "on",
        "k3s-network.md §8 Calico; seed-scenarios.md §5; basic-network-options.md",
    ),
    "cni.calico.nat_outgoing": Help(
        "NAT outgoing",
        "Masquerade pod traffic leaving the IP pool.",
        "on",
        "cni-charts.md (Calico Installation ipPools)",
    ),
    "cni.calico.ip_pools": Help(
        "Calico IP pools",
        "Must match cluster-cidr; empty follows cluster-cidr (what it must be anyway).",
        "cluster-cidr",
        "k3s-network.md §8 Calico (IP pool must match cluster-cidr); Calico k3s quickstart",
    ),
    "cni.calico.block_size_v4": Help(
        "IPv4 block size", "Per-node address block Calico allocates from the pool.", "26",
        "cni-charts.md (Calico ipPools blockSize)",
    ),
    "cni.calico.block_size_v6": Help(
        "IPv6 block size", "Per-node IPv6 address block Calico allocates.", "122",
        "cni-charts.md (Calico ipPools blockSize)",
    ),
    "cni.calico.mtu": Help(
        "Calico MTU", "Pod interface MTU; empty lets Calico detect it.", "auto",
        "cni-charts.md (Calico calicoNetwork.mtu)",
    ),
    "cni.calico.linux_dataplane": Help(
        "Calico Linux dataplane",
        "installation.calicoNetwork.linuxDataplane: Iptables, Nftables, BPF or VPP. BPF needs the "
        "Kubernetes service endpoint (127.0.0.1:6444 on K3s) and usually no kube-proxy.",
        "Iptables",
        "cni-charts.md §3 Values and Installation enums (linuxDataplane)",
    ),
    "cni.calico.control_plane_replicas": Help(
        "Calico control-plane replicas",
        "installation.controlPlaneReplicas: copies of calico-kube-controllers and typha. Use 1 on a "
        "single node. Empty: k3stui writes 1 for a one-node plan, else 2.",
        "1 on one node, else 2",
        "cni-charts.md §3 Values and Installation enums (controlPlaneReplicas)",
    ),
    "cni.calico.version": Help(
        "Calico chart version", "The tigera-operator chart version k3stui pins.", defaults.CALICO_VERSION,
        "cni-charts.md (pinned charts)",
    ),
    "cni.cilium.kube_proxy_replacement": Help(
        "Cilium kube-proxy replacement",
        "Cilium's eBPF serves Services instead of kube-proxy: needs disable-kube-proxy plus "
        "k8sServiceHost/Port, because nothing else serves the kubernetes ClusterIP.",
        "on",
        "k3s-network.md §8 Cilium; cilium Documentation/installation/k3s.rst",
    ),
    "cni.cilium.k8s_service_host": Help(
        "k8sServiceHost",
        "Where Cilium reaches the apiserver without kube-proxy. 127.0.0.1:6444 is served on every K3s "
        "node (apiserver on servers, client load balancer on agents) — plausible but UNCONFIRMED in docs.",
        "127.0.0.1",
        "k3s-network.md §8 Cilium, §11 open items",
    ),
    "cni.cilium.k8s_service_port": Help(
        "k8sServicePort", "Port for k8sServiceHost (see there).", str(defaults.APISERVER_LOCAL_PORT),
        "k3s-network.md §1 --lb-server-port, §8 Cilium",
    ),
    "cni.cilium.routing_mode": Help(
        "Cilium routing mode",
        f"tunnel (VXLAN UDP {defaults.CILIUM_VXLAN_PORT} or Geneve UDP {defaults.CILIUM_GENEVE_PORT}) or "
        "native (nodes route pod CIDRs).",
        "tunnel",
        "k3s-network.md §5 Cilium ports",
    ),
    "cni.cilium.tunnel_protocol": Help(
        "Tunnel protocol",
        f"vxlan (UDP {defaults.CILIUM_VXLAN_PORT}, same port as flannel) or geneve (UDP "
        f"{defaults.CILIUM_GENEVE_PORT}).", "vxlan",
        "k3s-network.md §5 Cilium ports",
    ),
    "cni.cilium.pool_cidrs": Help(
        "Cilium pool CIDRs",
        "Pod CIDRs of Cilium's cluster-pool IPAM; empty follows cluster-cidr.",
        "cluster-cidr",
        "k3s-network.md §8 Cilium; cni-charts.md (Cilium ipam.operator.clusterPoolIPv4PodCIDRList)",
    ),
    "cni.cilium.ipam_mode": Help(
        "Cilium IPAM",
        "cluster-pool (Cilium hands out pod CIDRs) or kubernetes (uses the node PodCIDR).",
        "cluster-pool",
        "cni-charts.md (Cilium ipam.mode)",
    ),
    "cni.cilium.encryption": Help(
        "Cilium encryption", "none, wireguard (UDP 51871) or ipsec (ESP).", "none",
        "k3s-network.md §5 Cilium ports",
    ),
    "cni.cilium.mtu": Help(
        "Cilium MTU", "Pod MTU; empty lets Cilium detect it.", "auto", "cni-charts.md (Cilium MTU)",
    ),
    "cni.cilium.auto_direct_node_routes": Help(
        "Auto direct node routes",
        "With native routing on one L2 segment, install routes to other nodes' pod CIDRs.",
        "off",
        "cni-charts.md (Cilium autoDirectNodeRoutes)",
    ),
    "cni.cilium.operator_replicas": Help(
        "Cilium operator replicas",
        "operator.replicas. The operator has a required hostname anti-affinity, so on a single-node "
        "cluster a second replica stays Pending. Empty: 1 for a one-node plan, else 2.",
        "1 on one node, else 2",
        "cni-charts.md §2 Keys a K3s install needs (operator.replicas)",
    ),
    "cni.cilium.version": Help(
        "Cilium chart version", "The cilium chart version k3stui pins.", defaults.CILIUM_VERSION,
        "cni-charts.md (pinned charts)",
    ),
    "cni.multus.whereabouts": Help(
        "Whereabouts IPAM",
        "Cluster-wide IP allocation for macvlan interfaces (rke2-whereabouts) instead of per-node "
        "host-local ranges.",
        "off",
        "k3s-network.md §8 Multus; docs networking/multus-ipams.md",
    ),
    # One entry per macvlan network option (every network's row shows the same help).
    "macvlan.name": Help(
        "macvlan network name",
        "The NetworkAttachmentDefinition's name (a DNS-1123 name, unique in its namespace). Pods ask "
        "for it with the annotation k8s.v1.cni.cncf.io/networks: <name>.",
        "macvlan (first network), macvlan-N after",
        "cni-charts.md §4.1 NetworkAttachmentDefinition CRD",
    ),
    "macvlan.master": Help(
        "macvlan master interface",
        "The host NIC the macvlan interfaces hang off: pods get addresses on that flat network. Most "
        "Wi-Fi NICs cannot be masters; one master cannot carry both macvlan and ipvlan.",
        "none",
        "cni-charts.md §4.2 macvlan plugin config; seed-scenarios.md §7",
    ),
    "macvlan.subnet": Help(
        "macvlan subnet",
        "The flat network's subnet, e.g. the LAN the master NIC is on. Must not overlap cluster-cidr "
        "or service-cidr.",
        "none",
        "cni-charts.md §4.3 IPAM options; k3s-network.md §10.1",
    ),
    "macvlan.range_start": Help(
        "Range start", "First address handed to pods; keep the range out of the LAN's DHCP pool.", "none",
        "cni-charts.md §4.3 IPAM options (rangeStart / range_start)",
    ),
    "macvlan.range_end": Help(
        "Range end", "Last address handed to pods.", "none",
        "cni-charts.md §4.3 IPAM options (rangeEnd / range_end)",
    ),
    "macvlan.gateway": Help(
        "Gateway", "The subnet's router, for pod routes. Must be in the subnet and outside the range.",
        "none", "cni-charts.md §4.3 IPAM options (gateway)",
    ),
    "macvlan.mode": Help(
        "macvlan mode", "bridge (pods on the same master talk directly), private, vepa, passthru. The "
        "host cannot reach its own macvlan children in bridge mode.",
        "bridge", "cni-charts.md §4.2 macvlan plugin config",
    ),
    "macvlan.ipam": Help(
        "macvlan IPAM",
        "host-local: leases are per node, so ranges must not overlap across nodes. whereabouts: "
        "cluster-wide allocation (turn on Whereabouts above).",
        "host-local",
        "cni-charts.md §4.3 IPAM options",
    ),
    "macvlan.namespace": Help(
        "NetworkAttachmentDefinition namespace",
        "Where the network is defined (a DNS-1123 label); pods in other namespaces name it "
        "<namespace>/<name>.",
        "default",
        "cni-charts.md §4.1 NetworkAttachmentDefinition CRD",
    ),
    "macvlan.mtu": Help(
        "macvlan MTU", "The macvlan interface's MTU, 0..the master's MTU. Empty: the master's MTU.",
        "the master's MTU", "cni-charts.md §4.2 macvlan plugin config (mtu)",
    ),
    # --- Host ---
    "node_ip": Help(
        "node-ip",
        "This node's address(es), one per family. For IPv6-primary clusters put the IPv6 address "
        "first on every node; on multi-NIC hosts set it together with flannel-iface.",
        "default-route IPv4 (plus IPv6 lookup)",
        "k3s-network.md §1, §3 IPv6-primary, §10 #4; k3s:pkg/util/net.go",
    ),
    "node_external_ip": Help(
        "node-external-ip",
        "Public address(es): default advertise-address, ServiceLB status, and flannel's public IP "
        "with flannel-external-ip.",
        "none",
        "k3s-network.md §1; k3s:pkg/cli/server/server.go",
    ),
    "flannel.iface": Help(
        "flannel-iface",
        "Interface flannel uses between nodes; the fix for multi-NIC, Vagrant and VPN hosts. Without "
        "node-ip, K3s takes the node IP from this interface.",
        "the default-route interface",
        "k3s-network.md §1, §10 #4; #72, #1131",
    ),
    "flannel.conf": Help(
        "flannel-conf (per node)",
        "Path of the net-conf.json flannel reads on this node; when set, K3s uses the file as-is. "
        "k3stui renders one when DirectRouting, MTU, VNI or port need it. Empty: K3s's own file.",
        "<data-dir>/agent/etc/flannel/net-conf.json (written by K3s)",
        "k3s-network.md §1 --flannel-conf, §0 rule 2, §4",
    ),
    "flannel.cni_conf": Help(
        "flannel-cni-conf (per node)",
        "Path of a CNI conflist K3s copies to agent/etc/cni/net.d/10-flannel.conflist instead of its "
        "built-in one (e.g. to chain plugins). Added June 2022.",
        "the built-in conflist",
        "k3s-network.md §1 --flannel-cni-conf, §8",
    ),
    "accept_ra": Help(
        "net.ipv6.conf.all.accept_ra",
        "Set 2 when the host's IPv6 default route comes from router advertisements, else the route is "
        "dropped when it expires (K3s enables forwarding). Accepting RAs has a man-in-the-middle risk.",
        "unset (kernel default)",
        "k3s-network.md §3 RA-learned default route, §9; basic-network-options.md",
    ),
    "extra": Help(
        "Other K3s flags (kept verbatim)",
        "Every K3s flag k3stui does not model, one name=value a line (as in config.yaml: booleans "
        "true/false; a list flag repeated or comma separated). Unknown names are reported with a "
        "did-you-mean: K3s refuses to start with one.",
        "none",
        "k3s-network.md §1, §2 config file keys",
    ),
}


def help_for(path: str) -> Help | None:
    return HELP.get(path)
