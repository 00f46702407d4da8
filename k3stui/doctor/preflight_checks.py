"""Before an install: the host network checks real K3s reports ask for (issue 13 item 5). Pure
functions of a small `NetworkFacts`; registered as stage="preflight" checks, so the installer's
preflight runs them with its own context and `k3stui doctor --preflight` runs them alone. Codes
PRE0xx; they return `Finding`s like every preflight check.

`facts_from(ctx)` is the adapter to whatever context preflight passes. It reads:
- `ctx.plan`, `ctx.role`;
- `ctx.host.addresses`, `ctx.host.routes` (install.hostinfo HostInfo: Address, Route);
- link MTUs from `ctx.link_mtus` or `ctx.host.link_mtus` (interface -> MTU), if the context has them;
- resolv.conf from `ctx.resolv_conf` or `ctx.host.resolv_conf` (text), else
  `ctx.host.files["/etc/resolv.conf"].content`;
- the proxy variables from `ctx.environ` (a mapping; the installer passes os.environ's proxies);
- the opt-in `/cacerts` probe from `ctx.cacerts` ((reachable, detail) or None: not probed).
Anything missing is "unknown" and its check says nothing.

Sources: k3s-network.md §10 rows 4 and 8 (wrong interface on multi-NIC hosts; dual-stack without
an IPv6 address), §4 (MTU overheads); K3s docs "Configuring an HTTP proxy"; the agent join flow
(k3s pkg/agent/config: the agent fetches <server>/cacerts first).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Any
from urllib.parse import urlsplit

from k3stui import plan as p
from k3stui.findings import Finding
from k3stui.install.hostinfo import Address, Route
from k3stui.records import record
from k3stui.render.explain import pod_mtu
from k3stui.rules.registry import NET, E, W, emit, host_check

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
_K3S_DEV_PREFIXES = (
    "lo",
    "cni0",
    "flannel",
    "cali",
    "cilium_",
    "vxlan.calico",
    "tunl0",
    "kube-ipvs0",
    "lxc",
    "veth",
    "docker",
    "br-",
    "virbr",
)
RESOLV_CONF = "/etc/resolv.conf"


@record
class NetworkFacts:
    plan: p.Plan
    role: str = "server"
    addresses: tuple[Address, ...] | None = None
    routes: tuple[Route, ...] | None = None
    link_mtus: Mapping[str, int] | None = None
    nameservers: tuple[str, ...] | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    cacerts: tuple[bool, str] | None = None  # (reachable, detail); None: not probed


def nameservers(resolv_conf: str) -> tuple[str, ...]:
    out = []
    for line in resolv_conf.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "nameserver":
            out.append(words[1].split("%")[0])
    return tuple(out)


def facts_from(ctx: Any) -> NetworkFacts:
    """The adapter (see the module docstring for every attribute read)."""
    if isinstance(ctx, NetworkFacts):
        return ctx
    host = getattr(ctx, "host", None)
    mtus = getattr(ctx, "link_mtus", None) or getattr(host, "link_mtus", None)
    resolv = getattr(ctx, "resolv_conf", None) or getattr(host, "resolv_conf", None)
    if resolv is None and host is not None:
        state = (getattr(host, "files", None) or {}).get(RESOLV_CONF)
        content = getattr(state, "content", None)
        resolv = content.decode("utf-8", "replace") if isinstance(content, bytes) else None
    env = getattr(ctx, "environ", None) or {}
    return NetworkFacts(
        plan=ctx.plan,
        role=getattr(ctx, "role", None) or ctx.plan.role,
        addresses=getattr(host, "addresses", None),
        routes=getattr(host, "routes", None),
        link_mtus=mtus,
        nameservers=nameservers(resolv) if resolv is not None else None,
        environ={k: v for k, v in env.items() if k.upper() in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")},
        cacerts=getattr(ctx, "cacerts", None),
    )


def _global(a: Address) -> bool:
    ip = ipaddress.ip_address(a.address)
    return not (ip.is_loopback or ip.is_link_local) and not a.ifname.startswith(_K3S_DEV_PREFIXES)


def default_dev(f: NetworkFacts, family: int = 4) -> str | None:
    return next((r.dev for r in f.routes or () if r.dst == "default" and r.family == family and r.dev), None)


def chosen_dev(f: NetworkFacts) -> str | None:
    """The interface K3s and flannel will use: flannel-iface, else node-ip's, else the default
    route's (K3s's node-ip default is the default route interface's address)."""
    if f.plan.flannel.iface:
        return f.plan.flannel.iface
    for ip in f.plan.node_ip:
        hit = next((a for a in f.addresses or () if a.address == ip.strip()), None)
        if hit:
            return hit.ifname
    return default_dev(f, 4) or default_dev(f, 6)


@host_check(
    W(
        "PRE001",
        "node-ip",
        "several interfaces and neither node-ip nor flannel-iface set",
        NET,
        stage="preflight",
        doc="With more than one interface holding a global address, K3s takes node-ip from the default "
        "route's interface and flannel follows it. On Vagrant, VPN and multi-NIC hosts that is often not "
        "the network the nodes share, and pods on different nodes cannot reach each other (the most "
        "frequent cause in public K3s reports). Fix: set node-ip (and flannel-iface) to the shared network.",
    ),
    E(
        "PRE002",
        "node-ip",
        "node-ip on an interface of this host",
        NET,
        stage="preflight",
        doc="K3s refuses to start (or kubelet registers another address) when node-ip is not an address "
        "of this host. Fix: the node's own address, or the per-node setting for this node.",
    ),
)
def pre_interfaces(ctx: Any) -> Iterator[Finding]:
    f = facts_from(ctx)
    if f.addresses is None:
        return
    mine = {a.address for a in f.addresses}
    for ip in f.plan.node_ip:
        if ip.strip() not in mine:
            yield emit(
                "PRE002",
                f"node-ip {ip} is not an address of this host",
                "addresses here: " + ", ".join(sorted(a.cidr for a in f.addresses if _global(a))),
            )
    if f.plan.node_ip or f.plan.flannel.iface:
        return
    devs = sorted({a.ifname for a in f.addresses if _global(a)})
    if len(devs) > 1:
        pick = default_dev(f) or "?"
        addr = next(
            (a.address for a in f.addresses if a.ifname == pick and a.family == 4 and _global(a)), "?"
        )
        yield emit(
            "PRE001",
            f"this host has global addresses on {', '.join(devs)}; K3s will use {pick} "
            f"({addr}), the default route's interface",
            f"if the nodes share another network, set node-ip to this host's address there and "
            f"flannel-iface to its interface (e.g. node-ip: {addr}, flannel-iface: {pick})",
        )


@host_check(
    E(
        "PRE003",
        "cluster-cidr",
        "IPv6-only plan, only IPv4 nameservers",
        NET,
        stage="preflight",
        doc="On an IPv6-only cluster CoreDNS forwards to the host's resolv.conf nameservers over IPv6; "
        "IPv4-only nameservers cannot be reached and every external name fails. Fix: an IPv6 nameserver "
        "in /etc/resolv.conf (or K3s's resolv-conf flag pointing at one).",
    ),
    E(
        "PRE004",
        "cluster-cidr",
        "dual-stack plan, no global IPv6 on the chosen interface",
        NET,
        stage="preflight",
        doc="K3s stops with 'IPv6 was enabled but no IPv6 address was found on node' when the dual-stack "
        "node has no global IPv6 address on its interface. Fix: configure one, or set node-ip with both "
        "addresses.",
    ),
)
def pre_families(ctx: Any) -> Iterator[Finding]:
    f = facts_from(ctx)
    family = p.ip_family(f.plan)
    v4_only = f.nameservers and all(ipaddress.ip_address(n).version == 4 for n in f.nameservers if _is_ip(n))
    if family == "ipv6" and v4_only:
        yield emit(
            "PRE003",
            f"the plan is IPv6-only but {RESOLV_CONF} lists only IPv4 nameservers "
            f"({', '.join(f.nameservers or ())})",
            "add an IPv6 nameserver, or set resolv-conf to a file with one",
        )
    if family == "dual" and f.addresses is not None:
        dev = chosen_dev(f)
        v6 = [a for a in f.addresses if a.ifname == dev and a.family == 6 and _global(a)]
        if dev and not v6:
            yield emit(
                "PRE004",
                f"the plan is dual-stack but {dev} has no global IPv6 address",
                f"give {dev} an IPv6 address (or set node-ip with an IPv4 and an IPv6 address)",
            )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _no_proxy_covers(entries: list[str], target: str) -> bool:
    """Go's httpproxy rules, as K3s and containerd apply them: '*', an IP, a CIDR, a host or .suffix."""
    net = p.parse_network(target) if "/" in target else None
    for e in entries:
        if e == "*":
            return True
        enet = p.parse_network(e) if "/" in e or _is_ip(e) else None
        if enet is not None and net is not None and net.version == enet.version and net.subnet_of(enet):  # type: ignore[arg-type]
            return True
        if enet is not None and _is_ip(target) and ipaddress.ip_address(target) in enet:
            return True
        if e.lstrip(".") and (target == e.lstrip(".") or target.endswith("." + e.lstrip("."))):
            return True
    return False


@host_check(
    W(
        "PRE005",
        "server",
        "a proxy set without NO_PROXY for 127.0.0.1, the CIDRs and the server",
        NET,
        stage="preflight",
        doc="With HTTP_PROXY/HTTPS_PROXY in the environment (the install script copies them into "
        "k3s.service.env), requests to 127.0.0.1, the pod and service networks and the server "
        "go to the proxy unless NO_PROXY lists them: agents cannot join and the API is unreachable. "
        "K3s itself adds its CIDRs for containerd; k3stui asks for all of them on purpose, "
        "since other clients on the host do not. Fix: NO_PROXY=127.0.0.1,localhost,<cluster-cidr>,"
        "<service-cidr>,<server host>.",
    )
)
def pre_proxy(ctx: Any) -> Iterator[Finding]:
    f = facts_from(ctx)
    env = {k.upper(): v for k, v in f.environ.items() if v}
    if not any(env.get(k) for k in ("HTTP_PROXY", "HTTPS_PROXY")):
        return
    entries = [e.strip() for e in env.get("NO_PROXY", "").split(",") if e.strip()]
    wanted = ["127.0.0.1", *p.effective_cluster_cidr(f.plan), *p.effective_service_cidr(f.plan)]
    server = urlsplit(f.plan.server).hostname if f.plan.server else None
    if server:
        wanted.append(server)
    missing = [w for w in wanted if not _no_proxy_covers(entries, w)]
    if missing:
        yield emit(
            "PRE005",
            f"a proxy is set but NO_PROXY does not cover {', '.join(missing)}",
            "add them: NO_PROXY=" + ",".join(dict.fromkeys([*entries, *missing, "localhost"])),
        )


def _cleared(plan: p.Plan) -> p.Plan:
    for path in ("flannel.mtu", "cni.calico.mtu", "cni.cilium.mtu"):
        plan = p.with_value(plan, path, None)
    return plan


@host_check(
    E(
        "PRE006",
        "flannel-iface",
        "the uplink MTU leaves room for the backend's overhead",
        NET,
        stage="preflight",
        doc="The pod MTU plus the encapsulation's overhead (VXLAN 50, WireGuard 80, IPIP 20 ...) must "
        "fit the uplink's MTU, and what is left must still be a usable MTU (1280 with IPv6, 576 "
        "IPv4). Otherwise large packets between nodes are dropped. Fix: a smaller pod MTU in the "
        "plan, or a backend without encapsulation, or a larger uplink MTU.",
    )
)
def pre_mtu(ctx: Any) -> Iterator[Finding]:
    f = facts_from(ctx)
    dev = chosen_dev(f)
    if not dev or not f.link_mtus or dev not in f.link_mtus:
        return
    uplink = f.link_mtus[dev]
    auto, _ = pod_mtu(_cleared(f.plan), uplink)
    planned, why = pod_mtu(f.plan, uplink)
    if auto is None or planned is None:
        return
    overhead = uplink - auto
    floor = 1280 if p.ip_family(f.plan) != "ipv4" else 576
    if planned + overhead > uplink:
        yield emit(
            "PRE006",
            f"pod MTU {planned} ({why}) + {overhead} bytes of encapsulation exceeds {dev}'s MTU {uplink}",
            f"set the pod MTU to at most {uplink - overhead}",
        )
    elif planned < floor:
        yield emit(
            "PRE006",
            f"{dev}'s MTU {uplink} leaves a pod MTU of {planned} ({why}), below {floor}",
            "raise the uplink MTU or choose a backend without encapsulation (host-gw)",
        )


@host_check(
    W(
        "PRE007",
        "server",
        "the server's /cacerts reachable from this agent (opt-in probe)",
        NET,
        stage="preflight",
        doc="An agent's first request is GET <server>/cacerts; when it fails the agent never joins. "
        "The probe is opt-in (doctor --preflight --probe-server), bounded, and only to the plan's "
        "own server URL. Fix: open TCP 6443 from this host to the server; check the URL.",
    )
)
def pre_cacerts(ctx: Any) -> Iterator[Finding]:
    f = facts_from(ctx)
    if f.role != "agent" or not f.plan.server or f.cacerts is None:
        return
    ok, detail = f.cacerts
    if not ok:
        yield emit(
            "PRE007",
            f"{f.plan.server.rstrip('/')}/cacerts is not reachable: {detail}",
            "open TCP 6443 from this host to the server and check the server URL",
        )


NETWORK_CHECKS = (pre_interfaces, pre_families, pre_proxy, pre_mtu, pre_cacerts)


def run_network_checks(ctx: Any) -> list[Finding]:
    """These checks alone (`doctor --preflight`); the installer's preflight runs them with the rest
    of `registry.HOST_CHECKS["preflight"]`."""
    return [f for fn in NETWORK_CHECKS for f in fn(ctx)]
