"""service-node-port-range: syntax, size, clashes with K3s's own ports and the ephemeral range."""

from __future__ import annotations

from collections.abc import Iterator

from k3stui import defaults
from k3stui.findings import Finding
from k3stui.ports import ETCD_PORTS, REGISTRY_P2P_PORT
from k3stui.ports import ports as port_table
from k3stui.rules.context import Context, LazyPattern
from k3stui.rules.registry import NET, E, W, emit, rule

# k8s ParsePortRange accepts "min-max", "min+offset" and a single port.
_RANGE_RE = LazyPattern(r"^\s*([0-9]{1,6})\s*(?:([-+])\s*([0-9]{1,6}))?\s*$")
_SMALL_RANGE = 100


def parse_port_range(text: str) -> tuple[int, int] | None:
    m = _RANGE_RE.match(text)
    if not m:
        return None
    low = int(m.group(1))
    if m.group(2) is None:
        return low, low
    other = int(m.group(3))
    return (low, low + other) if m.group(2) == "+" else (low, other)


def _k3s_ports(ctx: Context) -> tuple[dict[int, str], dict[int, str]]:
    """Ports this plan uses (error: the one table, `k3stui.ports`) and ports K3s uses in other
    set-ups or only locally (warning)."""
    plan = ctx.plan
    used: dict[int, str] = {}
    for use in port_table(plan, other_servers=bool(ctx.servers)):
        for port in use.numbers:
            used.setdefault(port, use.purpose)
    maybe: dict[int, str] = {}
    for port in defaults.K3S_LOCAL_PORTS:
        maybe.setdefault(port, "a K3s local port")
    maybe[defaults.VXLAN_PORT] = "flannel VXLAN"
    for port in (defaults.WIREGUARD_PORT_V4, defaults.WIREGUARD_PORT_V6):
        maybe[port] = "flannel WireGuard"
    for port in ETCD_PORTS:
        maybe[port] = "embedded etcd"
    maybe[REGISTRY_P2P_PORT] = "embedded registry (Spegel)"
    for port in used:
        maybe.pop(port, None)
    return used, maybe


@rule(
    E("PORT001", "service-node-port-range", "service-node-port-range is not low-high", f"{NET} §1"),
    E("PORT002", "service-node-port-range", "service-node-port-range outside 1-65535", f"{NET} §1"),
    E("PORT003", "service-node-port-range", "service-node-port-range low above high", f"{NET} §1"),
    W("PORT004", "service-node-port-range", "very small service-node-port-range", f"{NET} §1"),
    E("PORT005", "service-node-port-range", "NodePort range holds a port this K3s set-up uses", f"{NET} §5"),
    W("PORT006", "service-node-port-range", "NodePort range holds a port K3s uses in other "
                                            "set-ups", f"{NET} §5"),
    W("PORT007", "service-node-port-range", "NodePort range overlaps the Linux ephemeral port range",
      f"{NET} §5; defaults.EPHEMERAL_PORTS (net.ipv4.ip_local_port_range)"),
)
def node_port_range(ctx: Context) -> Iterator[Finding]:
    text = ctx.plan.service_node_port_range
    if text is None:
        return
    parsed = parse_port_range(text) if isinstance(text, str) else None
    if parsed is None:
        yield emit("PORT001", f'service-node-port-range "{text}" is not a port range',
                   f"Write it as low-high, e.g. {defaults.SERVICE_NODE_PORT_RANGE}.")
        return
    low, high = parsed
    if high < low:
        yield emit("PORT003", f'service-node-port-range "{text}" starts above its end',
                   f"Write {high}-{low}.")
        return
    if low < 1 or high > 65535:
        yield emit("PORT002", f'service-node-port-range "{text}" is outside 1-65535',
                   f"Use e.g. {defaults.SERVICE_NODE_PORT_RANGE}.")
        return
    size = high - low + 1
    if size < _SMALL_RANGE:
        yield emit("PORT004", f'service-node-port-range "{text}" holds only {size} port(s); each NodePort '
                              "and LoadBalancer Service port uses one",
                   f"Use a wider range, e.g. {defaults.SERVICE_NODE_PORT_RANGE}.")
    used, maybe = _k3s_ports(ctx)
    for code, table in (("PORT005", used), ("PORT006", maybe)):
        hit = sorted(port for port in table if low <= port <= high)
        if hit:
            names = ", ".join(f"{port} ({table[port]})" for port in hit)
            yield emit(code, f'service-node-port-range "{text}" includes {names}',
                       f"Keep the range clear of K3s's ports, e.g. {defaults.SERVICE_NODE_PORT_RANGE}.")
    e_low, e_high = defaults.EPHEMERAL_PORTS
    if low <= e_high and high >= e_low:
        yield emit("PORT007", f'service-node-port-range "{text}" overlaps the Linux ephemeral range '
                              f"{e_low}-{e_high}; outgoing connections may take a NodePort's number",
                   f"Keep it below {e_low} (e.g. {defaults.SERVICE_NODE_PORT_RANGE}), or reserve it with "
                   "net.ipv4.ip_local_reserved_ports.")
