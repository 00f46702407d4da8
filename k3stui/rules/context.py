"""What every rule reads: the plan, the K3s version, and the plan's addresses parsed once.

Parsing happens here, once per validation, so a rule never re-parses a CIDR (one validation runs
on every keystroke). Values that do not parse are left out of the parsed views; the address rules
report them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any

from k3stui import plan as p
from k3stui.records import record
from k3stui.versions import K3sVersion

Network = p.Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_PREFIX_RE = re.compile(r"^[0-9]{1,3}$")  # every check parses a CIDR: compiled now


class LazyPattern:
    """A regex compiled on its first `match`: most plans never hold the field it checks (node names,
    Multus networks, chart repos), and compiling them all cost more than validating a plan."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, regex: str, flags: int = 0) -> None:
        self._args = (regex, flags)
        self._compiled: re.Pattern[str] | None = None

    def match(self, text: str) -> re.Match[str] | None:
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return self._compiled.match(text)


@record
class Cidr:
    """One CIDR as written: `net` when usable (host bits masked off), `problem` when not exact."""

    text: str
    net: Network | None
    problem: str | None = None  # "syntax" | "host-bits"


def parse_cidr(value: Any) -> Cidr:
    """Go's net.ParseCIDR semantics: `addr/len` with a decimal length; no netmask form, no zone."""
    if not isinstance(value, str):
        return Cidr(repr(value), None, "syntax")
    text = value.strip()
    addr, sep, prefix = text.partition("/")
    if not sep or not _PREFIX_RE.match(prefix) or "%" in addr or not addr:
        return Cidr(text, None, "syntax")
    try:
        return Cidr(text, ipaddress.ip_network(text, strict=True))
    except ValueError:
        pass
    try:
        # Go accepts host bits and keeps the network: K3s would use the masked value.
        return Cidr(text, ipaddress.ip_network(text, strict=False), "host-bits")
    except ValueError:
        return Cidr(text, None, "syntax")


def parse_ip(value: Any) -> Address | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or "%" in text or "/" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def overlaps(a: Network, b: Network) -> bool:
    return a.version == b.version and a.overlaps(b)  # type: ignore[arg-type]


def show(values: Sequence[Any]) -> str:
    return ",".join(str(v) for v in values)


class Context:
    """One plan as the rules see it: its addresses parsed once (a plain class: rules only read it)."""

    __slots__ = (
        "cluster",
        "cluster_by_v",
        "cluster_nets",
        "external_ips",
        "has_v6",
        "node_ips",
        "plan",
        "server_names",
        "servers",
        "service",
        "service_by_v",
        "service_nets",
        "version",
    )

    def __init__(self, plan: p.Plan, version: K3sVersion, servers: Sequence[p.Plan] = (),
                 server_names: Sequence[str] = ()) -> None:
        self.plan = plan
        self.version = version
        self.servers = servers
        self.server_names = server_names  # how to name each other server in messages (e.g. its file)
        self.cluster: tuple[Cidr, ...] = tuple(parse_cidr(c) for c in p.effective_cluster_cidr(plan))
        self.service: tuple[Cidr, ...] = tuple(parse_cidr(c) for c in p.effective_service_cidr(plan))
        # usable entries, in order
        self.cluster_nets: tuple[Network, ...] = tuple(c.net for c in self.cluster if c.net is not None)
        self.service_nets: tuple[Network, ...] = tuple(c.net for c in self.service if c.net is not None)
        self.cluster_by_v = _first_per_version(self.cluster_nets)  # first entry per IP version
        self.service_by_v = _first_per_version(self.service_nets)
        self.node_ips: tuple[Address, ...] = tuple(a for a in map(parse_ip, plan.node_ip) if a is not None)
        self.external_ips: tuple[Address, ...] = tuple(
            a for a in map(parse_ip, plan.node_external_ip) if a is not None)
        self.has_v6 = 6 in self.cluster_by_v or 6 in self.service_by_v

    @property
    def is_server(self) -> bool:
        return self.plan.role != "agent"

    @property
    def dual(self) -> bool:
        return len(self.cluster_by_v) == 2

    @property
    def flannel_off(self) -> bool:
        """flannel-backend none, or the old `no-flannel` flag."""
        return self.plan.flannel.backend == "none" or bool(self.plan.extra.get("no-flannel"))


def _first_per_version(nets: tuple[Network, ...]) -> dict[int, Network]:
    out: dict[int, Network] = {}
    for n in nets:
        out.setdefault(n.version, n)
    return out


def suggest_free(prefixlen: int, version: int, avoid: Sequence[Network]) -> Network | None:
    """A network of the given size that overlaps none of `avoid`: the first one after them."""
    same = [n for n in avoid if n.version == version]
    if not same:
        return None
    bits = 32 if version == 4 else 128
    size = 1 << (bits - prefixlen)
    start = max(int(n.broadcast_address) for n in same) + 1
    start = (start + size - 1) // size * size
    for _ in range(64):
        if start + size > 1 << bits:
            return None
        cand: Network = (ipaddress.IPv4Network((start, prefixlen)) if version == 4
                         else ipaddress.IPv6Network((start, prefixlen)))
        if not any(cand.overlaps(n) for n in same):  # type: ignore[arg-type]
            return cand
        start += size
    return None
