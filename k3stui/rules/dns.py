"""Cluster DNS address and cluster domain."""

from __future__ import annotations

from collections.abc import Iterator

from k3stui import defaults
from k3stui import plan as p
from k3stui.findings import Finding
from k3stui.rules.context import Context, LazyPattern, parse_ip, show
from k3stui.rules.registry import NET, E, N, W, emit, rule
from k3stui.versions import has

_FAMILY = {4: "IPv4", 6: "IPv6"}
_STARTS = "K3s itself starts, but "  # stricter than K3s on purpose: say so
_IPV6_ALLOCATOR_SIZE = 65536  # legacy bitmap service-IP allocator cap (KEP Uncapped-IPv6)
_LABEL_RE = LazyPattern(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


@rule(
    E("DNS001", "cluster-dns", "cluster-dns entry is not an IP address", f"{NET} §1"),
    E("DNS002", "cluster-dns", "cluster-dns outside the service-cidr", f"{NET} §0.7, §3, §10.3; #10611"),
    E("DNS003", "cluster-dns", "more than one cluster-dns address per IP family", f"{NET} §1"),
    E("DNS004", "cluster-dns", "cluster-dns is the service network's address",
      f"{NET} §3 (service IP allocator)"),
    E("DNS005", "cluster-dns", "cluster-dns is the first service address, taken by the kubernetes Service",
      f"{NET} §3 (service IP allocator)"),
    E("DNS006", "cluster-dns", "cluster-dns is the service network's broadcast address",
      f"{NET} §3 (service IP allocator)"),
    W("DNS007", "cluster-dns", "IPv6 cluster-dns beyond the allocator's first 65,536 addresses",
      f"{NET} §3; versions.py service-cidr-uncapped", doc="Before Kubernetes 1.34 the bitmap allocator "
      "uses only the first 65,536 addresses of an IPv6 service range; from 1.34 any address works."),
    N("DNS008", "cluster-dns", "dual-stack cluster with a single cluster-dns address", f"{NET} §1"),
)
def cluster_dns(ctx: Context) -> Iterator[Finding]:
    entries = ctx.plan.cluster_dns
    if not entries:
        return
    seen: set[int] = set()
    bitmap = not has("service-cidr-uncapped", ctx.version)  # the pre-1.34 allocator's 65,536 cap
    for text in entries:
        addr = parse_ip(text)
        if addr is None:
            yield emit("DNS001", f'cluster-dns entry "{text}" is not an IP address',
                       _default_hint(ctx))
            continue
        if addr.version in seen:
            yield emit("DNS003", f'cluster-dns "{show(entries)}" has two {_FAMILY[addr.version]} addresses; '
                                 f"{_STARTS}the kube-dns Service takes one address per family and is refused",
                       "Give at most one address per IP family.")
            continue
        seen.add(addr.version)
        net = ctx.service_by_v.get(addr.version)
        if net is None:
            yield emit("DNS002", f"cluster-dns {addr} is {_FAMILY[addr.version]} but service-cidr "
                                 f'"{show(p.effective_service_cidr(ctx.plan))}" has no '
                                 f'{_FAMILY[addr.version]} CIDR',
                       _default_hint(ctx))
            continue
        if addr not in net:
            yield emit("DNS002", f"cluster-dns {addr} is outside service-cidr {net}; {_STARTS}the kube-dns "
                                 "Service cannot get that address and pods get no DNS",
                       _default_hint(ctx, net.version))
            continue
        offset = int(addr) - int(net.network_address)
        if offset == 0:
            yield emit("DNS004", f"cluster-dns {addr} is the network address of service-cidr {net}; "
                                 f"{_STARTS}the service IP allocator never hands it out: no DNS",
                       _default_hint(ctx, net.version))
        elif offset == 1:
            yield emit("DNS005", f"cluster-dns {addr} is the first address of service-cidr {net}, which the "
                                 f"kubernetes API Service takes; {_STARTS}kube-dns cannot get it: no DNS",
                       _default_hint(ctx, net.version))
        elif net.version == 4 and addr == net.broadcast_address:
            yield emit("DNS006", f"cluster-dns {addr} is the broadcast address of service-cidr {net}; "
                                 f"{_STARTS}the service IP allocator never hands it out: no DNS",
                       _default_hint(ctx, net.version))
        elif net.version == 6 and offset >= _IPV6_ALLOCATOR_SIZE and bitmap:
            yield emit("DNS007", f"cluster-dns {addr} lies beyond the first 65,536 addresses of {net}, which "
                                 "is all the service IP allocator uses",
                       _default_hint(ctx, net.version))
    if len(ctx.service_by_v) == 2 and len(seen) == 1:
        yield emit("DNS008", f'the cluster is dual-stack but cluster-dns "{show(entries)}" has one family; '
                             "the DNS Service will be single-stack",
                   "Fine if intended; K3s's default gives one address per family.")


def _default_hint(ctx: Context, version: int | None = None) -> str:
    dns = p.default_cluster_dns(tuple(str(n) for n in ctx.service_nets
                                      if version is None or n.version == version))
    if dns:
        return f"Use {show(dns)} (the 10th address of service-cidr), or leave cluster-dns unset."
    return "Use an address inside service-cidr other than its first one."


@rule(
    E("DNS010", "cluster-dns", "service-cidr too small for K3s's default cluster-dns", f"{NET} §0.7, §1"),
)
def default_dns(ctx: Context) -> Iterator[Finding]:
    if ctx.plan.cluster_dns:
        return
    for net in ctx.service_nets:
        index = defaults.CLUSTER_DNS_INDEX
        if net.num_addresses <= index:
            yield emit("DNS010", f"service-cidr {net} has no usable 10th address for K3s's default "
                                 "cluster-dns",
                       f"Set cluster-dns to an address inside {net}, or widen service-cidr (e.g. to "
                       f"/{min(net.prefixlen, 28 if net.version == 4 else 124)}).")


@rule(
    E("DNS020", "cluster-domain", "cluster-domain is not a valid DNS name",
      f"{NET} §1 (kubelet: DNS-1123 subdomain)"),
)
def cluster_domain(ctx: Context) -> Iterator[Finding]:
    text = ctx.plan.cluster_domain
    if text is None or text == "":
        return
    if not isinstance(text, str):
        yield emit("DNS020", f"cluster-domain {text!r} is not text", f"Use e.g. {defaults.CLUSTER_DOMAIN}.")
        return
    problem = _domain_problem(text)
    if problem:
        fixed = text.strip().strip(".").lower()
        hint = (f"Use {fixed}." if fixed and not _domain_problem(fixed) else
                "Use lower-case letters, digits and dashes in dot-separated labels, e.g. "
                f"{defaults.CLUSTER_DOMAIN}.")
        yield emit("DNS020", f'cluster-domain "{text}" {problem}', hint)


def _domain_problem(text: str) -> str:
    if text.endswith("."):
        return "ends with a dot"
    if len(text) > 253:
        return "is longer than 253 characters"
    for label in text.split("."):
        if not label:
            return "has an empty label"
        if len(label) > 63:
            return f'has a label longer than 63 characters ("{label[:20]}…")'
        if not _LABEL_RE.match(label):
            return f'has the label "{label}", which is not lower-case letters, digits and inner dashes'
    return ""
