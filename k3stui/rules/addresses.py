"""Addresses: CIDR syntax and families, overlaps, service CIDR size, node pod-CIDR masks."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from k3stui import defaults
from k3stui import plan as p
from k3stui.findings import Finding
from k3stui.rules.context import Cidr, Context, Network, overlaps, parse_ip, show, suggest_free
from k3stui.rules.registry import NET, E, N, W, emit, rule
from k3stui.versions import FEATURES, has

_FAMILY = {4: "IPv4", 6: "IPv6"}
_DEFAULT_CLUSTER = {4: defaults.CLUSTER_CIDR_V4, 6: defaults.CLUSTER_CIDR_V6}
_DEFAULT_SERVICE = {4: defaults.SERVICE_CIDR_V4, 6: defaults.SERVICE_CIDR_V6}


def _syntax(entries: tuple[Cidr, ...], key: str, bad: str, host: str) -> Iterator[Finding]:
    for c in entries:
        if c.problem == "syntax":
            yield emit(bad, f'{key} entry "{c.text}" is not a CIDR',
                       "Write it as address/prefix-length, e.g. 10.42.0.0/16 or fd00:42::/56.", key)
        elif c.problem == "host-bits" and c.net is not None:
            yield emit(host, f'{key} "{c.text}" has host bits set; K3s itself starts and silently uses '
                             f"{c.net}, probably not the range meant (k3stui is stricter on purpose)",
                       f"Write {c.net} (or a longer prefix if a smaller network was meant).", key)


def _per_family(nets: tuple[Network, ...], key: str, code: str) -> Iterator[Finding]:
    seen: dict[int, Network] = {}
    for n in nets:
        if n.version in seen:
            yield emit(code, f"{key} has two {_FAMILY[n.version]} CIDRs ({seen[n.version]} and {n}); "
                             "K3s takes at most one per IP family",
                       f"Keep one {_FAMILY[n.version]} CIDR, e.g. {seen[n.version]}.", key)
        seen.setdefault(n.version, n)


@rule(
    E("CIDR001", "cluster-cidr", "cluster-cidr entry is not a valid CIDR", f"{NET} §1"),
    E("CIDR002", "service-cidr", "service-cidr entry is not a valid CIDR", f"{NET} §1"),
    E("CIDR003", "cluster-cidr", "cluster-cidr has host bits set", f"{NET} §1 (Go net.ParseCIDR masks them)",
      doc="Stricter than K3s on purpose: Go's net.ParseCIDR drops the host bits and K3s starts with the "
      "masked network, so 10.42.1.0/16 silently means 10.42.0.0/16. Fix: write the network address."),
    E("CIDR004", "service-cidr", "service-cidr has host bits set", f"{NET} §1 (Go net.ParseCIDR masks them)",
      doc="As CIDR003, for the service range (stricter than K3s on purpose)."),
    E("CIDR005", "cluster-cidr", "more than one cluster-cidr per IP family", f"{NET} §0.4, §1"),
    E("CIDR006", "service-cidr", "more than one service-cidr per IP family", f"{NET} §0.4, §1"),
)
def cidr_syntax(ctx: Context) -> Iterator[Finding]:
    yield from _syntax(ctx.cluster, "cluster-cidr", "CIDR001", "CIDR003")
    yield from _syntax(ctx.service, "service-cidr", "CIDR002", "CIDR004")
    yield from _per_family(ctx.cluster_nets, "cluster-cidr", "CIDR005")
    yield from _per_family(ctx.service_nets, "service-cidr", "CIDR006")


@rule(
    E("CIDR007", "service-cidr", "dual-stack cluster-cidr needs a dual-stack service-cidr",
      f"{NET} §0.4, §3"),
    E("CIDR008", "cluster-cidr", "dual-stack service-cidr needs a dual-stack cluster-cidr",
      f"{NET} §0.4, §3"),
    E("CIDR009", "service-cidr", "service-cidr's primary family differs from cluster-cidr's", f"{NET} §0.4"),
    E("CIDR010", "node-ip", "node-ip's first address is not of the cluster's primary family",
      f"{NET} §1, §3"),
)
def families(ctx: Context) -> Iterator[Finding]:
    cv, sv = set(ctx.cluster_by_v), set(ctx.service_by_v)
    if not cv or not sv:
        return
    cluster_txt = show(p.effective_cluster_cidr(ctx.plan))
    service_txt = show(p.effective_service_cidr(ctx.plan))
    if len(cv) == 2 and len(sv) == 1:
        (have,) = sv
        missing = 6 if have == 4 else 4
        yield emit("CIDR007", f'cluster-cidr "{cluster_txt}" is dual-stack but service-cidr "{service_txt}" '
                              f"has no {_FAMILY[missing]} CIDR",
                   f"Add one, e.g. service-cidr: {service_txt},{_DEFAULT_SERVICE[missing]}.")
    elif len(sv) == 2 and len(cv) == 1:
        (have,) = cv
        missing = 6 if have == 4 else 4
        yield emit("CIDR008", f'service-cidr "{service_txt}" is dual-stack but cluster-cidr "{cluster_txt}" '
                              f"has no {_FAMILY[missing]} CIDR",
                   f"Add one, e.g. cluster-cidr: {cluster_txt},{_DEFAULT_CLUSTER[missing]}.")
    primary = ctx.cluster_nets[0].version
    if ctx.service_nets[0].version != primary:
        yield emit("CIDR009", f'service-cidr "{service_txt}" starts with '
                              f'{_FAMILY[ctx.service_nets[0].version]} '
                              f'but cluster-cidr "{cluster_txt}" with {_FAMILY[primary]}; the first CIDR '
                              "sets the primary family and both must agree",
                   f"List the {_FAMILY[primary]} service CIDR first.")
    first = parse_ip(ctx.plan.node_ip[0]) if ctx.plan.node_ip else None
    if first is not None and first.version != primary:
        yield emit("CIDR010", f'node-ip "{show(ctx.plan.node_ip)}" starts with an {_FAMILY[first.version]} '
                              f"address but the cluster's primary family is {_FAMILY[primary]}; K3s itself "
                              "starts, but the node's primary address (its InternalIP, host-network pods) is "
                              "of the other family",
                   f"List the {_FAMILY[primary]} address first in node-ip, or reorder cluster-cidr "
                   "and service-cidr.")


@rule(
    E("CIDR011", "node-ip", "node-ip entry is not an IP address", f"{NET} §1"),
    E("CIDR012", "node-external-ip", "node-external-ip entry is not an IP address", f"{NET} §1"),
    E("CIDR013", "node-ip", "more than one node-ip per IP family", f"{NET} §1 (kubelet --node-ip)"),
    E("CIDR014", "node-ip", "dual-stack cluster but node-ip has one family only",
      f"{NET} §3; #11735; k3s pkg/agent/run.go (ValidateDualStack...); kube-hetzner reports",
      doc="When node-ip is set, K3s requires it to be of the cluster's IP families: an IPv4-only node-ip "
      "with dual-stack CIDRs (or an IPv6-only one with IPv6-first dual-stack) is fatal: 'cluster-cidr "
      "and node-ip must share the same IP version'. Fix: give node-ip one address per family, or leave "
      "it unset."),
    W("CIDR017", "node-ip", "dual-stack cluster but node-ip has one family (K3s before the family check)",
      f"{NET} §3; versions.py dual-stack-node-ip-check",
      doc="Before the check of CIDR014 existed K3s starts, but the node registers one address family "
      "only, so dual-stack pods and Services do not work on it. Fix: give node-ip both addresses."),
    E("CIDR015", "node-ip", "node address that is loopback, link-local, unspecified or multicast",
      f"{NET} §1; kubelet --node-ip, flannel public-ip",
      doc="Other nodes must reach a node at its node-ip / node-external-ip: a loopback (127.0.0.0/8, ::1), "
      "link-local (169.254.0.0/16, fe80::/10), unspecified (0.0.0.0, ::) or multicast address cannot "
      "carry the kubelet, flannel or etcd traffic. Fix: use the address of the interface other nodes "
      "reach."),
    E("CIDR016", "node-ip", "dual-stack without node-ip on a K3s release that auto-detects IPv4 only",
      "versions.py dual-stack-autodetect-ipv4-only; k3s #5918, #5943",
      doc="Those releases detected only an IPv4 node address, so a dual-stack cluster with node-ip unset "
      "failed the 'must share the same IP version' check; fixed in v1.23.10 and v1.24.4. Fix: set "
      "node-ip to both addresses, or use another release."),
)
def node_addresses(ctx: Context) -> Iterator[Finding]:
    for key, values, code in (("node-ip", ctx.plan.node_ip, "CIDR011"),
                              ("node-external-ip", ctx.plan.node_external_ip, "CIDR012")):
        for v in values:
            if parse_ip(v) is None:
                yield emit(code, f'{key} entry "{v}" is not an IP address',
                           "Write a plain address without prefix, e.g. 192.0.2.10 or 2001:db8::10.", key)
    seen: set[int] = set()
    for a in ctx.node_ips:
        if a.version in seen:
            yield emit("CIDR013", f'node-ip "{show(ctx.plan.node_ip)}" has two {_FAMILY[a.version]} '
                                  f'addresses',
                       "Give at most one IPv4 and one IPv6 address.")
            break
        seen.add(a.version)
    if ctx.dual and len(seen) == 1:
        (have,) = seen
        missing = _FAMILY[6 if have == 4 else 4]
        hint = f"Add the node's {missing} address to node-ip, or leave node-ip unset for auto-detection."
        if has("dual-stack-node-ip-check", ctx.version):
            yield emit("CIDR014", f'the cluster is dual-stack but node-ip "{show(ctx.plan.node_ip)}" has no '
                                  f"{missing} address: K3s refuses to start (cluster-cidr and node-ip must "
                                  "share the same IP version)", hint)
        else:
            yield emit("CIDR017", f'the cluster is dual-stack but node-ip "{show(ctx.plan.node_ip)}" has no '
                                  f"{missing} address: K3s {ctx.version} starts, but the node gets no "
                                  f"{missing} address", hint)
    for key, addrs in (("node-ip", ctx.node_ips), ("node-external-ip", ctx.external_ips)):
        for a in addrs:
            kind = _unusable_kind(a)
            if kind:
                yield emit("CIDR015", f"{key} {a} is a {kind} address: other nodes cannot reach this node "
                                      "there", "Use the address of the interface the other nodes reach.", key)
    if (ctx.dual and not ctx.plan.node_ip and has("dual-stack-autodetect-ipv4-only", ctx.version)
            and not has("dual-stack-autodetect-fixed", ctx.version)):
        yield emit("CIDR016", f"K3s {ctx.version} auto-detects only an IPv4 node address, so this "
                              "dual-stack plan without node-ip fails at start-up (must share the same IP "
                              f"version); fixed in {FEATURES['dual-stack-autodetect-fixed'].describe()}",
                   "Set node-ip to the node's IPv4 and IPv6 addresses, or upgrade K3s.")


def _unusable_kind(a: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    for kind, test in (("loopback", a.is_loopback), ("link-local", a.is_link_local),
                       ("unspecified", a.is_unspecified), ("multicast", a.is_multicast)):
        if test:
            return kind
    return ""


@rule(
    E("CIDR020", "cluster-cidr", "cluster-cidr overlaps service-cidr", f"{NET} §10.1; #8911"),
    E("CIDR021", "node-ip", "node-ip lies inside cluster-cidr or service-cidr", f"{NET} §10.1"),
    E("CIDR022", "node-external-ip", "node-external-ip lies inside cluster-cidr or service-cidr",
      f"{NET} §10.1"),
)
def overlap(ctx: Context) -> Iterator[Finding]:
    for c in ctx.cluster_nets:
        for s in ctx.service_nets:
            if overlaps(c, s):
                free = suggest_free(s.prefixlen, s.version, ctx.cluster_nets)
                hint = f"Use service-cidr {free}, outside {c}." if free else "Pick non-overlapping ranges."
                yield emit("CIDR020", f"cluster-cidr {c} overlaps service-cidr {s}; K3s itself starts, but "
                                      "pod and Service addresses collide: traffic to one reaches the other",
                           hint)
    for key, addrs, code in (("node-ip", ctx.node_ips, "CIDR021"),
                             ("node-external-ip", ctx.external_ips, "CIDR022")):
        for a in addrs:
            for which, nets in (("cluster-cidr", ctx.cluster_nets), ("service-cidr", ctx.service_nets)):
                for n in nets:
                    if a.version == n.version and a in n:
                        yield emit(code, f"{key} {a} lies inside {which} {n}; K3s itself starts, but the "
                                         f"routes for {which} capture the traffic to this node",
                                   f"Choose a {which} that does not contain the host's addresses.", key)


@rule(
    E("CIDR030", "service-cidr", "IPv4 service-cidr larger than /12 (Kubernetes before 1.34)",
      f"{NET} §0.5, §3 (kube-apiserver); versions.py service-cidr-uncapped",
      doc="Up to Kubernetes 1.33 kube-apiserver refuses a service range wider than 20 bits (an IPv4 mask "
      "shorter than /12). From 1.34 (MultiCIDRServiceAllocator, DisableAllocatorDualWrite) the limit is "
      "gone. Fix: use a /12 or longer, or K3s v1.34 or later."),
    E("CIDR031", "service-cidr", "IPv6 service-cidr larger than /108 (Kubernetes before 1.34)",
      f"{NET} §0.5, §3 (kube-apiserver); versions.py service-cidr-uncapped",
      doc="As CIDR030 for IPv6 (a mask shorter than /108)."),
    W("CIDR032", "service-cidr", "IPv6 service-cidr larger than /112", f"{NET} §3 (K3s docs advise /112)",
      doc="Before Kubernetes 1.34 the bitmap allocator uses only the first 65,536 addresses; from 1.34 "
      "any size works, and K3s's docs still advise /112."),
    E("CIDR033", "service-cidr", "service-cidr with fewer than 8 addresses",
      "kube-apiserver (k8s 1.34 service CIDR validation); k3s-oracle v1.34.3",
      doc="kube-apiserver refuses a service range of fewer than 8 addresses ('the service cluster IP range "
      "must be at least 8 IP addresses'). Fix: use a /29 (IPv4) or /125 (IPv6) or wider."),
)
def service_size(ctx: Context) -> Iterator[Finding]:
    capped = not has("service-cidr-uncapped", ctx.version)
    for n in ctx.service_nets:
        if n.num_addresses < 8:
            wider = ipaddress.ip_network((n.network_address, 16 if n.version == 4 else 112), strict=False)
            yield emit("CIDR033", f"service-cidr {n} has {n.num_addresses} addresses; kube-apiserver needs "
                                  "at least 8", f"Use e.g. {wider}.")
        elif capped and n.version == 4 and n.prefixlen < 12:
            yield emit("CIDR030", f"service-cidr {n} is too large: kube-apiserver of K3s {ctx.version} "
                                  f"refuses IPv4 masks shorter than /12 (allowed from "
                                  f"{FEATURES['service-cidr-uncapped'].describe()})",
                       f"Use a /12 or longer, e.g. {ipaddress.ip_network((n.network_address, 16))}.")
        elif capped and n.version == 6 and n.prefixlen < 108:
            yield emit("CIDR031", f"service-cidr {n} is too large: kube-apiserver of K3s {ctx.version} "
                                  f"refuses IPv6 masks shorter than /108 (allowed from "
                                  f"{FEATURES['service-cidr-uncapped'].describe()})",
                       f"Use /112, e.g. {ipaddress.ip_network((n.network_address, 112))}.")
        elif n.version == 6 and n.prefixlen < 112:
            why = ("the service IP allocator only uses 65,536 addresses of it" if capped else
                   "K3s's docs advise /112 (any size works from Kubernetes 1.34)")
            yield emit("CIDR032", f"service-cidr {n} is larger than /112; {why}",
                       f"Use {ipaddress.ip_network((n.network_address, 112))}, as the K3s docs advise.")


def _mask_range(value: int, bits: int) -> bool:
    return 1 <= value <= bits


@rule(
    E("CIDR040", "node-cidr-mask-size", "node-cidr-mask-size with a dual-stack cluster",
      f"{NET} §0.6, §3 (kube-controller-manager)"),
    E("CIDR041", "node-cidr-mask-size", "node-cidr-mask-size and a family-specific mask both set",
      f"{NET} §3 (kube-controller-manager)"),
    E("CIDR042", "node-cidr-mask-size-ipv4", "node mask out of range", f"{NET} §3"),
    E("CIDR043", "node-cidr-mask-size-ipv6", "family-specific node mask for a family the cluster lacks",
      f"{NET} §3; kube-controller-manager (k3s-oracle v1.34.3)",
      doc="kube-controller-manager exits: 'usage of --node-cidr-mask-size-ipv6 is not allowed for a "
      "single-stack IPv4 cluster' (and the same for IPv4 on IPv6-only). Fix: remove the mask."),
)
def mask_flags(ctx: Context) -> Iterator[Finding]:
    plan = ctx.plan
    generic, v4, v6 = plan.node_cidr_mask_size, plan.node_cidr_mask_size_ipv4, plan.node_cidr_mask_size_ipv6
    versions = set(ctx.cluster_by_v)
    if generic is not None and ctx.dual:
        yield emit("CIDR040", f"node-cidr-mask-size={generic} is refused on a dual-stack cluster",
                   "Use node-cidr-mask-size-ipv4 and node-cidr-mask-size-ipv6 instead.")
    elif generic is not None and (v4 is not None or v6 is not None):
        yield emit("CIDR041", "node-cidr-mask-size and a family-specific node mask are both set",
                   "Set only one of them.")
    checks = [("node-cidr-mask-size-ipv4", v4, 32), ("node-cidr-mask-size-ipv6", v6, 128)]
    if generic is not None:
        bits = 128 if versions == {6} else 32
        checks.append(("node-cidr-mask-size", generic, bits))
    for key, value, bits in checks:
        if value is not None and not _mask_range(value, bits):
            yield emit("CIDR042", f"{key}={value} is out of range (1..{bits})",
                       f"Use e.g. "
                       f"{defaults.NODE_CIDR_MASK_V4 if bits == 32 else defaults.NODE_CIDR_MASK_V6}.",
                       key)
    for key, value, version in (("node-cidr-mask-size-ipv4", v4, 4), ("node-cidr-mask-size-ipv6", v6, 6)):
        if value is not None and versions and version not in versions:
            yield emit("CIDR043", f"{key}={value} on a cluster without an {_FAMILY[version]} CIDR: "
                                  "kube-controller-manager exits (not allowed for a single-stack cluster)",
                       f"Remove {key}.", key)


@rule(
    N("CIDR050", "cluster-cidr", "how many nodes cluster-cidr allows", f"{NET} §3 (IPv4 capacity)"),
    E("CIDR051", "cluster-cidr", "more nodes than cluster-cidr allows", f"{NET} §3; #5556"),
    E("CIDR052", "cluster-cidr", "IPv6 cluster-cidr more than 16 bits wider than the node mask",
      f"{NET} §0.6, §3 (cidr_set.go clusterSubnetMaxDiff); #7888"),
    E("CIDR053", "cluster-cidr", "cluster-cidr smaller than one node's block", f"{NET} §3"),
    W("CIDR054", "cluster-cidr", "node block holds fewer addresses than kubelet's default 110 pods",
      f"{NET} §3 (node masks)"),
)
def node_capacity(ctx: Context) -> Iterator[Finding]:
    for version, net in ctx.cluster_by_v.items():
        bits = 32 if version == 4 else 128
        mask = p.node_mask(ctx.plan, version)
        mask_key = f"node-cidr-mask-size-ipv{version}"
        if not _mask_range(mask, bits):
            continue  # reported by mask_flags
        if mask < net.prefixlen:
            yield emit("CIDR053", f"cluster-cidr {net} is smaller than one node's /{mask} block; K3s itself "
                                  "starts, but no node gets a pod CIDR",
                       f"Widen cluster-cidr to /{mask} or shorter, or set {mask_key} to {net.prefixlen} "
                       "or more.")
            continue
        diff = mask - net.prefixlen
        if version == 6 and diff > 16:
            yield emit("CIDR052", f"cluster-cidr {net} with /{mask} node blocks: the node CIDR size is too "
                                  "big (kube-controller-manager allows at most 16 bits between them)",
                       f"Use a /{mask - 16} or longer cluster-cidr, e.g. "
                       f"{ipaddress.ip_network((net.network_address, mask - 16))}, or set {mask_key} to "
                       f"{net.prefixlen + 16}.")
            continue
        capacity = 1 << diff
        per_node = (1 << (bits - mask)) - 2
        if version == 4 and per_node < 110:
            yield emit("CIDR054", f"/{mask} node blocks hold {max(per_node, 0)} pod addresses; kubelet "
                                  "allows 110 pods per node by default",
                       f"Use {mask_key}=24 (or lower max-pods in kubelet-arg).")
        n_nodes = len(ctx.plan.nodes)
        if n_nodes > capacity:
            yield emit("CIDR051", f"cluster-cidr {net} with /{mask} node blocks allows {capacity} nodes but "
                                  f"the plan has {n_nodes}; K3s itself starts, but the nodes beyond "
                                  f"{capacity} get no pod CIDR and stay NotReady",
                       f"Widen cluster-cidr (e.g. /{max(mask - (n_nodes - 1).bit_length(), 0)})"
                       f" or lengthen {mask_key}.")
        elif ctx.is_server:
            yield emit("CIDR050", f"cluster-cidr {net} with /{mask} node blocks allows {capacity:,} nodes",
                       "" if capacity > 255 else "For more nodes, widen cluster-cidr.")


_DOCKER_BRIDGE = ipaddress.ip_network("172.17.0.0/16")  # Docker's default bridge (bip), not a K3s value


@rule(
    W("CIDR060", "cluster-cidr", "cluster or service CIDR overlaps Docker's default bridge 172.17.0.0/16",
      "Docker docs (default bridge network, bip); K3s docs advanced.md (docker: true)",
      doc="Docker's default bridge (docker0) takes 172.17.0.0/16 on any host with Docker installed; a pod "
      "or Service range overlapping it sends that traffic to docker0. A warning: K3s starts, and the "
      "clash only bites where Docker runs. Fix: choose a range outside 172.17.0.0/16."),
    E("CIDR061", "cluster-cidr", "cluster or service CIDR overlaps Docker's bridge with docker: true",
      "Docker docs (default bridge network); K3s docs advanced.md (docker: true)",
      doc="With docker: true K3s uses Docker (cri-dockerd), so docker0 (172.17.0.0/16) is on every node: "
      "an overlapping pod or Service range breaks. Fix: choose a range outside 172.17.0.0/16, or move "
      "Docker's bridge (bip in daemon.json)."),
)
def docker_bridge(ctx: Context) -> Iterator[Finding]:
    docker = ctx.plan.extra.get("docker") in (True, "true", "1", "t", "T", "TRUE", "True")
    for key, nets in (("cluster-cidr", ctx.cluster_nets), ("service-cidr", ctx.service_nets)):
        for n in nets:
            if overlaps(n, _DOCKER_BRIDGE):
                yield emit("CIDR061" if docker else "CIDR060",
                           f"{key} {n} overlaps Docker's default bridge {_DOCKER_BRIDGE}"
                           + (": docker is true, so docker0 is on every node and that traffic goes to it"
                              if docker else "; where Docker is installed that traffic goes to docker0"),
                           f"Use a {key} outside {_DOCKER_BRIDGE}.", key)
