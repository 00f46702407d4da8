"""Custom CNI (Calico, Cilium, bring your own), Multus + macvlan, and egress-selector-mode."""

from __future__ import annotations

from collections.abc import Iterator

from k3stui import plan as p
from k3stui.findings import Finding, did_you_mean
from k3stui.render.api_endpoint import calico_needs_endpoint, calico_service_endpoint, server_address
from k3stui.rules.context import Context, LazyPattern, Network, overlaps, parse_cidr, parse_ip, show
from k3stui.rules.registry import CHARTS, NET, E, N, W, emit, rule

_CUSTOM = ("calico", "cilium", "none")
_FAMILY = {4: "IPv4", 6: "IPv6"}
_DNS1123_SUBDOMAIN = LazyPattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_LABEL = LazyPattern(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_CALICO_DATAPLANES = ("Iptables", "BPF", "VPP", "Nftables")
_CILIUM_CHOICES = {
    "routing_mode": ("tunnel", "native"),
    "tunnel_protocol": ("vxlan", "geneve"),
    "ipam_mode": ("cluster-pool", "kubernetes"),
    "encryption": ("none", "wireguard", "ipsec"),
}
_MTU_MIN, _MTU_MAX = 576, 9216
# Field syntax the k3s-cni chart's values.schema.json checks (Helm refuses the whole release
# otherwise, and no pod network comes up): k3stui refuses the plan first, naming the field.
_CHART_VERSION = LazyPattern(r"^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?$")
_CHART_REPO = LazyPattern(r"^(https?|oci)://[^\s]+$")
# RFC 1123 host name (no "_"; labels of 1..63 characters, not starting or ending with "-").
_LABEL = r"[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?"
_HOSTNAME = LazyPattern(rf"^{_LABEL}(\.{_LABEL})*$")
# Linux dev_valid_name (net/core/dev.c): 1..15 bytes (IFNAMSIZ 16), no "/", ":" or whitespace, not . or ..
_IFNAME = LazyPattern(r"^[^/\s:]{1,15}$")
_SCHEMA = "charts/k3s-cni/values.schema.json"


@rule(
    E("CNI001", "cni.kind", "unknown CNI kind", "plan.py CNI_KINDS"),
    E("CNI002", "flannel-backend", "custom CNI with flannel still on", f"{NET} §8; {CHARTS} §2, §3"),
    W("CNI003", "disable-network-policy", "custom CNI without disable-network-policy", f"{NET} §8"),
    E("CNI004", "disable-kube-proxy", "Cilium kube-proxy replacement with kube-proxy still on",
      f"{NET} §8; {CHARTS} §2"),
    E("CNI005", "cni.cilium.k8s-service-host", "Cilium kube-proxy replacement without k8sServiceHost/Port",
      f"{CHARTS} §2"),
    E("CNI006", "disable-kube-proxy", "kube-proxy disabled and nothing replaces it", f"{NET} §1, §8"),
    W("CNI007", "disable-kube-proxy", "kube-proxy disabled: the custom CNI must replace it", f"{NET} §8"),
    E("CNI008", "server", "Calico eBPF or no kube-proxy without a server address for tigera-operator",
      f"{CHARTS} §3 (kubernetesServiceEndpoint)",
      doc="With the eBPF data plane or kube-proxy off, tigera-operator needs the API server's address in its "
          "kubernetes-services-endpoint ConfigMap; without it the operator uses the kubernetes ClusterIP "
          "that nothing serves yet and the install deadlocks. A loopback does not work: Calico components "
          "in the pod network would reach their own. Fix: set server (a VIP or the first server's URL) or "
          "list the server in nodes."),
)
def custom_cni(ctx: Context) -> Iterator[Finding]:
    plan = ctx.plan
    kind = plan.cni.kind
    if kind not in p.CNI_KINDS:
        yield emit("CNI001", f'cni.kind "{kind}" is not one of {", ".join(p.CNI_KINDS)}',
                   "Pick one of them." + did_you_mean(str(kind), p.CNI_KINDS))
        return
    cilium = plan.cni.cilium
    kpr = kind == "cilium" and cilium.kube_proxy_replacement
    if kpr and (not cilium.k8s_service_host or not 1 <= cilium.k8s_service_port <= 65535):
        yield emit("CNI005", f'Cilium replaces kube-proxy but k8sServiceHost:Port is '
                             f'"{cilium.k8s_service_host}:{cilium.k8s_service_port}"; without kube-proxy the '
                             "kubernetes Service IP is unreachable, so Cilium needs the API address directly",
                   "Use 127.0.0.1:6444 (served on every K3s node) or a server address/VIP with 6443.")
    if not ctx.is_server:
        return  # the flags below are server-only; agents take them from the servers
    if kind in _CUSTOM:
        if not ctx.flannel_off:
            yield emit("CNI002", f"cni.kind is {kind} but flannel-backend is \"{plan.flannel.backend}\"; two "
                                 "CNIs would fight over the pod network", "Set flannel-backend: none.")
        if not plan.disable_network_policy:
            yield emit("CNI003", f"cni.kind is {kind} but K3s's network policy controller stays on; it "
                                 "conflicts with the CNI's own policy engine",
                       "Set disable-network-policy: true.")
    if kpr and not plan.disable_kube_proxy:
        yield emit("CNI004", "Cilium replaces kube-proxy (kubeProxyReplacement: true) but K3s still runs "
                             "kube-proxy", "Set disable-kube-proxy: true.")
    if calico_needs_endpoint(plan) and calico_service_endpoint(plan) is None:
        found = server_address(plan)
        why = (f"the server address {found[0]} is a loopback, which Calico pods would reach as their own"
               if found else "the plan names no server address")
        yield emit("CNI008", "Calico with the eBPF data plane or without kube-proxy needs the API server's "
                             f"address for tigera-operator (kubernetesServiceEndpoint), but {why}; the "
                             "install would wait forever on the kubernetes Service",
                   "Set server to a VIP or the first server's URL (https://ADDRESS:6443), or add the "
                   "server to nodes.")
    if plan.disable_kube_proxy:
        replaced = kpr or (kind == "calico" and plan.cni.calico.linux_dataplane == "BPF")
        if kind == "none":
            yield emit("CNI007", "disable-kube-proxy is set: Services only work if your CNI replaces "
                                 "kube-proxy", "Make sure it does, or unset disable-kube-proxy.")
        elif not replaced:
            what = {"flannel": "flannel", "calico": f"Calico's {plan.cni.calico.linux_dataplane} dataplane",
                    "cilium": "Cilium without kube-proxy replacement"}[kind]
            yield emit("CNI006", f"disable-kube-proxy is set but {what} does not replace kube-proxy; "
                                 "ClusterIP and NodePort Services will not work",
                       "Unset disable-kube-proxy" + (", or turn on Cilium's kube-proxy replacement."
                                                     if kind == "cilium" else "."))


def _pool_findings(ctx: Context, pools: tuple[str, ...], code: str, key: str, what: str) -> Iterator[Finding]:
    """A CNI pool list must equal cluster-cidr per family."""
    mine: dict[int, Network] = {}
    for text in pools:
        c = parse_cidr(text)
        if c.net is None or c.problem:
            fix = f" (probably {c.net})" if c.net is not None else ""
            yield emit(code, f'{what} "{text}" is not a valid CIDR{fix}',
                       f"Use cluster-cidr: {show(ctx.cluster_nets)}.", key)
            continue
        mine.setdefault(c.net.version, c.net)
    for version in sorted(set(mine) | set(ctx.cluster_by_v)):
        want, have = ctx.cluster_by_v.get(version), mine.get(version)
        if mine and want != have:
            yield emit(code, f"{what} {have or '(none)'} differs from cluster-cidr {want or '(none)'} for "
                             f"{_FAMILY[version]}; pods would get addresses K3s does not route",
                       f"Set {what} to {show(ctx.cluster_nets)}, or leave it empty to follow "
                       f"cluster-cidr.", key)


@rule(
    E("CNI010", "cni.calico.ip-pools", "Calico IP pool differs from cluster-cidr", f"{CHARTS} §3; {NET} §8"),
    E("CNI011", "cni.calico.container-ip-forwarding", "Calico without container IP forwarding",
      f"{NET} §8; seed-scenarios.md §5 (svclb-traefik \"Read-only file system\")"),
    E("CNI012", "cni.calico.encapsulation", "unknown Calico encapsulation", f"{CHARTS} §3"),
    E("CNI013", "cni.calico.bgp", "Calico IPIP or unencapsulated pool without BGP", f"{CHARTS} §3"),
    W("CNI014", "cni.calico.encapsulation", "Calico IPIP with IPv6", f"{CHARTS} §3 (IPIP is IPv4 only)"),
    N("CNI015", "cni.calico.bgp", "Calico BGP needs TCP 179 between nodes", f"{NET} §5 (Calico)"),
    E("CNI016", "cni.calico.block-size-v4", "Calico block size out of range", f"{CHARTS} §3 (blockSize)"),
    E("CNI017", "cni.calico.linux-dataplane", "unknown Calico dataplane", f"{CHARTS} §3"),
    E("CNI018", "cni.calico.mtu", "CNI MTU out of range", f"{CHARTS} §3, §2"),
)
def calico(ctx: Context) -> Iterator[Finding]:
    if ctx.plan.cni.kind != "calico":
        return
    c = ctx.plan.cni.calico
    if c.ip_pools:
        yield from _pool_findings(ctx, c.ip_pools, "CNI010", "cni.calico.ip-pools", "Calico IP pool")
    if not c.container_ip_forwarding:
        yield emit("CNI011", "Calico container IP forwarding is off: svclb pods then fail with \"can't "
                             "create /proc/sys/net/ipv4/ip_forward: Read-only file system\"",
                   "Turn it on (containerIPForwarding: Enabled; manifests: "
                   "container_settings.allow_ip_forwarding: true).")
    if c.encapsulation not in p.CALICO_ENCAPSULATIONS:
        yield emit("CNI012", f'Calico encapsulation "{c.encapsulation}" is not one of '
                             f"{', '.join(p.CALICO_ENCAPSULATIONS)}",
                   "Use VXLAN." + did_you_mean(str(c.encapsulation), p.CALICO_ENCAPSULATIONS))
    elif c.encapsulation.startswith("IPIP") or c.encapsulation == "None":
        if not c.bgp:
            yield emit("CNI013", f"Calico encapsulation {c.encapsulation} relies on BGP to spread routes, "
                                 "but BGP is off", "Turn BGP on, or use VXLAN.")
        if c.encapsulation.startswith("IPIP") and ctx.has_v6:
            yield emit("CNI014", "Calico IPIP only carries IPv4; the IPv6 pool needs VXLAN or no "
                                 "encapsulation", "Use VXLAN for a dual-stack or IPv6 cluster.")
    if c.bgp:
        yield emit("CNI015", "Calico BGP needs TCP 179 open between all nodes", "")
    for key, value, low, high in (("cni.calico.block-size-v4", c.block_size_v4, 20, 32),
                                  ("cni.calico.block-size-v6", c.block_size_v6, 116, 128)):
        if not low <= value <= high:
            yield emit("CNI016", f"{key} {value} is outside {low}..{high}",
                       f"Use {26 if high == 32 else 122}.", key)
    if c.linux_dataplane not in _CALICO_DATAPLANES:
        yield emit("CNI017", f'Calico dataplane "{c.linux_dataplane}" is not one of '
                             f'{", ".join(_CALICO_DATAPLANES)}',
                   "Use Iptables." + did_you_mean(str(c.linux_dataplane), _CALICO_DATAPLANES))
    if c.mtu is not None and not _MTU_MIN <= c.mtu <= _MTU_MAX:
        yield emit("CNI018", f"Calico MTU {c.mtu} is outside {_MTU_MIN}..{_MTU_MAX}",
                   "Leave it unset (auto).")


@rule(
    E("CNI020", "cni.cilium.pool-cidrs", "Cilium pool differs from cluster-cidr", f"{CHARTS} §2"),
    W("CNI021", "cni.cilium.pool-cidrs", "Cilium pool set with kubernetes IPAM (ignored)", f"{CHARTS} §2"),
    E("CNI022", "cni.cilium.routing-mode", "unknown Cilium option value", f"{CHARTS} §2"),
    E("CNI023", "cni.cilium.mtu", "Cilium MTU out of range", f"{CHARTS} §2"),
    N("CNI024", "cni.cilium.cni-exclusive", "Cilium with Multus needs cni.exclusive: false",
      f"{CHARTS} §2, §4.4"),
)
def cilium(ctx: Context) -> Iterator[Finding]:
    if ctx.plan.cni.kind != "cilium":
        return
    c = ctx.plan.cni.cilium
    if c.pool_cidrs:
        if c.ipam_mode == "kubernetes":
            yield emit("CNI021", "Cilium pool CIDRs are set but ipam.mode is kubernetes, which uses the node "
                                 "podCIDRs K3s assigns; they are ignored", "Clear the pool CIDRs.")
        else:
            yield from _pool_findings(ctx, c.pool_cidrs, "CNI020", "cni.cilium.pool-cidrs", "Cilium pool")
    for attr, choices in _CILIUM_CHOICES.items():
        value = getattr(c, attr)
        if value not in choices:
            key = "cni.cilium." + attr.replace("_", "-")
            yield emit("CNI022", f'Cilium {attr.replace("_", " ")} "{value}" is not one of '
                                 f'{", ".join(choices)}',
                       f"Use {choices[0]}." + did_you_mean(str(value), choices), key)
    if c.mtu is not None and c.mtu != 0 and not _MTU_MIN <= c.mtu <= _MTU_MAX:
        yield emit("CNI023", f"Cilium MTU {c.mtu} is outside {_MTU_MIN}..{_MTU_MAX}", "Use 0 (auto).")
    if ctx.plan.cni.multus is not None:
        yield emit("CNI024", "Cilium with Multus: the Cilium chart value cni.exclusive must be false, or "
                             "Cilium renames Multus's CNI config away (a chart value, not a K3s flag)",
                   "k3stui sets it in the rendered Cilium values.")


def _hostname_or_ip(text: str) -> bool:
    return parse_ip(text) is not None or (len(text) <= 253 and bool(_HOSTNAME.match(text)))


@rule(
    E("CNI019", "cni.calico.version", "upstream chart version or repo the chart schema rejects",
      f"{_SCHEMA} (chart.version, chart.repo); {CHARTS} §2-§4",
      doc="The k3s-cni chart checks each upstream chart's version (semver: 1.20.0, v3.32.1, v4.3.017) and "
          "repository URL (https://, http:// or oci://). A value like 3.30 makes Helm refuse the release, "
          "so no pod network comes up. Fix: write the full version as the upstream repo publishes it."),
    E("CNI025", "cni.cilium.k8s-service-host", "Cilium k8s-service-host is not an address or host name",
      f"{_SCHEMA} (cilium.k8sServiceHost); RFC 1123",
      doc="k8sServiceHost must be an IPv4 or IPv6 address (no brackets) or an RFC 1123 host name (letters, "
          "digits, dashes and dots; no '_'), or the chart's schema makes Helm refuse the release."),
)
def chart_fields(ctx: Context) -> Iterator[Finding]:
    cni = ctx.plan.cni
    sources = []
    if cni.kind == "calico":
        sources.append(("calico", cni.calico.version, cni.calico.repo, "v3.32.1"))
    if cni.kind == "cilium":
        sources.append(("cilium", cni.cilium.version, cni.cilium.repo, "1.20.0"))
    if cni.multus is not None:
        sources.append(("multus", cni.multus.version, cni.multus.repo, "v4.3.017"))
    for name, version, repo, example in sources:
        if version and not _CHART_VERSION.match(str(version)):
            yield emit("CNI019", f'{name} chart version "{version}" is not a full version '
                                 "(MAJOR.MINOR.PATCH); the chart's schema would make Helm refuse the release",
                       f"Write it as the repository publishes it, e.g. {example}.", f"cni.{name}.version")
        if not _CHART_REPO.match(str(repo)):
            yield emit("CNI019", f'{name} chart repository "{repo}" is not an https://, http:// or '
                                 "oci:// URL",
                       "Use the upstream URL or a mirror's.", f"cni.{name}.repo")
    host = str(cni.cilium.k8s_service_host)
    if cni.kind == "cilium" and host and not _hostname_or_ip(host):
        yield emit("CNI025", f'Cilium k8s-service-host "{host}" is not an IP address (no brackets) or an RFC '
                             "1123 host name; the chart's schema would make Helm refuse the release",
                   "Use 127.0.0.1 (the node-local endpoint), a server address, or a DNS name without '_'.")


@rule(
    E("CNI030", "cni.multus.networks[0].name", "macvlan network name not DNS-1123", f"{CHARTS} §4.1"),
    E("CNI031", "cni.multus.networks[0].name", "duplicate macvlan network name", f"{CHARTS} §4.1"),
    E("CNI032", "cni.multus.networks[0].master", "macvlan master interface not set", f"{CHARTS} §4.2"),
    E("CNI033", "cni.multus.networks[0].subnet", "macvlan subnet is not a valid CIDR", f"{CHARTS} §4.3"),
    E("CNI034", "cni.multus.networks[0].range-start", "macvlan range address invalid or outside the subnet",
      f"{CHARTS} §4.3"),
    E("CNI035", "cni.multus.networks[0].range-start", "macvlan range start after range end",
      f"{CHARTS} §4.3"),
    E("CNI036", "cni.multus.networks[0].gateway",
      "macvlan gateway invalid, outside the subnet or inside the range", f"{CHARTS} §4.3"),
    E("CNI037", "cni.multus.networks[0].subnet", "macvlan subnet overlaps cluster-cidr or service-cidr",
      f"{CHARTS} §4; {NET} §10.1"),
    W("CNI038", "cni.multus.networks[0].ipam", "host-local IPAM on several nodes", f"{CHARTS} §4.3"),
    E("CNI039", "cni.multus.networks[0].ipam", "macvlan mode or IPAM unknown, or whereabouts not installed",
      f"{CHARTS} §4.2, §4.3"),
    W("CNI040", "cni.multus.networks[0].range-start", "node-ip inside a macvlan range", f"{CHARTS} §4.3"),
    E("CNI041", "cni.multus.networks[0].namespace", "macvlan network namespace not DNS-1123",
      f"{CHARTS} §4.1"),
    E("CNI042", "cni.multus.networks[0].master", "macvlan master is not a Linux interface name",
      f"{_SCHEMA} (networks[].master); Linux net/core/dev.c dev_valid_name",
      doc="A Linux interface name has 1 to 15 characters and no '/', ':' or whitespace (and is not '.' or "
          "'..'). Any other master is rejected by the chart's schema, so Helm fails and no network comes "
          "up."),
)
def multus(ctx: Context) -> Iterator[Finding]:
    m = ctx.plan.cni.multus
    if m is None:
        return
    seen: set[tuple[str, str]] = set()
    for i, n in enumerate(m.networks):
        base = f"cni.multus.networks[{i}]"
        yield from _macvlan(ctx, n, base, m.whereabouts)
        ident = (n.namespace, n.name)
        if ident in seen:
            yield emit("CNI031", f'two macvlan networks are named "{n.name}" in namespace {n.namespace}',
                       "Give each network its own name.", f"{base}.name")
        seen.add(ident)


def _macvlan(ctx: Context, n: p.MacvlanNetwork, base: str, whereabouts: bool) -> Iterator[Finding]:
    if not (isinstance(n.name, str) and len(n.name) <= 253 and _DNS1123_SUBDOMAIN.match(n.name)):
        yield emit("CNI030", f'macvlan network name "{n.name}" is not a DNS-1123 name',
                   "Use lower-case letters, digits and dashes, e.g. macvlan-lan.", f"{base}.name")
    if not (isinstance(n.namespace, str) and _DNS1123_LABEL.match(n.namespace)):
        yield emit("CNI041", f'macvlan network namespace "{n.namespace}" is not a DNS-1123 label',
                   "Use e.g. default.", f"{base}.namespace")
    if not n.master or not str(n.master).strip():
        yield emit("CNI032", f'macvlan network "{n.name}" has no master interface',
                   "Set the host NIC to attach to, e.g. eth1 (most Wi-Fi NICs cannot be macvlan masters).",
                   f"{base}.master")
    elif not _IFNAME.match(str(n.master)) or n.master in (".", ".."):
        yield emit("CNI042", f'macvlan master "{n.master}" of network "{n.name}" is not a Linux interface '
                             "name (1-15 characters, no '/', ':' or spaces)",
                   "Use the host NIC's name as `ip link` shows it, e.g. eth1 or enp3s0.", f"{base}.master")
    if n.mode not in p.MACVLAN_MODES:
        yield emit("CNI039", f'macvlan mode "{n.mode}" is not one of {", ".join(p.MACVLAN_MODES)}',
                   "Use bridge." + did_you_mean(str(n.mode), p.MACVLAN_MODES), f"{base}.mode")
    if n.ipam not in p.MACVLAN_IPAMS:
        yield emit("CNI039", f'macvlan IPAM "{n.ipam}" is not one of {", ".join(p.MACVLAN_IPAMS)}',
                   "Use host-local or whereabouts.", f"{base}.ipam")
    elif n.ipam == "whereabouts" and not whereabouts:
        yield emit("CNI039", f'macvlan network "{n.name}" uses whereabouts but whereabouts is not installed',
                   "Turn on cni.multus.whereabouts.", f"{base}.ipam")
    elif n.ipam == "host-local" and len(ctx.plan.nodes) > 1:
        yield emit("CNI038", f'macvlan network "{n.name}" uses host-local IPAM on {len(ctx.plan.nodes)} '
                             f'nodes: '
                             "leases are per node, so ranges must not overlap across nodes",
                   "Use whereabouts (cluster-wide IPAM), or give each node its own range.", f"{base}.ipam")
    c = parse_cidr(n.subnet)
    if c.net is None or c.problem:
        fix = f" (probably {c.net})" if c.net is not None else ""
        yield emit("CNI033", f'macvlan subnet "{n.subnet}" is not a valid CIDR{fix}',
                   "Write the LAN's network, e.g. 192.168.1.0/24.", f"{base}.subnet")
        if c.net is None:
            return
    net = c.net
    for which, nets in (("cluster-cidr", ctx.cluster_nets), ("service-cidr", ctx.service_nets)):
        for other in nets:
            if overlaps(net, other):
                yield emit("CNI037", f"macvlan subnet {net} overlaps {which} {other}",
                           f"Choose a {which} away from the LAN, or another subnet.", f"{base}.subnet")
    ends = []
    for attr in ("range_start", "range_end"):
        text = getattr(n, attr)
        if text is None:
            continue
        key = f"{base}.{attr.replace('_', '-')}"
        addr = parse_ip(text)
        if addr is None or addr.version != net.version or addr not in net:
            yield emit("CNI034", f'macvlan {attr.replace("_", " ")} "{text}" is not an address inside {net}',
                       f"Use an address of {net}.", key)
        else:
            ends.append(addr)
    lo = hi = None
    if len(ends) == 2:
        lo, hi = ends
        if int(lo) > int(hi):
            yield emit("CNI035", f"macvlan range start {lo} comes after range end {hi}",
                       f"Swap them: {hi}-{lo}.", f"{base}.range-start")
            lo = hi = None
    if n.gateway is not None:
        gw = parse_ip(n.gateway)
        key = f"{base}.gateway"
        if gw is None or gw.version != net.version or gw not in net:
            yield emit("CNI036", f'macvlan gateway "{n.gateway}" is not an address inside {net}',
                       "Use the LAN's router address.", key)
        elif lo is not None and hi is not None and int(lo) <= int(gw) <= int(hi):
            yield emit("CNI036", f"macvlan gateway {gw} lies inside the pod range {lo}-{hi}; a pod could get "
                                 "the router's address", "Move the range away from the gateway.", key)
    if lo is not None and hi is not None:
        for a in ctx.node_ips:
            if a.version == lo.version and int(lo) <= int(a) <= int(hi):
                yield emit("CNI040", f"node-ip {a} lies inside the macvlan range {lo}-{hi}; a pod could get "
                                     "the host's address", "Move the range away from host addresses.",
                           f"{base}.range-start")


@rule(
    E("EGRESS001", "egress-selector-mode", "unknown egress-selector-mode", f"{NET} §1"),
    W("EGRESS002", "egress-selector-mode", "egress-selector-mode pod with a CNI that ignores node podCIDRs",
      f"{NET} §1; #5577"),
)
def egress(ctx: Context) -> Iterator[Finding]:
    mode = ctx.plan.egress_selector_mode
    if mode is None:
        return
    if mode not in p.EGRESS_SELECTOR_MODES:
        yield emit("EGRESS001", f'egress-selector-mode "{mode}" is not one of '
                                f'{", ".join(p.EGRESS_SELECTOR_MODES)}',
                   "Use agent (the default)." + did_you_mean(str(mode), p.EGRESS_SELECTOR_MODES))
        return
    cni = ctx.plan.cni
    ignores = cni.kind == "calico" or (cni.kind == "cilium" and cni.cilium.ipam_mode != "kubernetes")
    if mode == "pod" and ignores:
        yield emit("EGRESS002", f"egress-selector-mode pod relies on node podCIDRs, which {cni.kind} "
                                "ignores (it allocates pod addresses itself)",
                   "Use egress-selector-mode: cluster.")
