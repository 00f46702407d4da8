"""HA: every server must carry the same critical configuration values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from k3stui import defaults
from k3stui import plan as p
from k3stui.findings import Finding
from k3stui.flags import CRITICAL, FLAGS
from k3stui.rules.context import Context, parse_cidr, parse_ip
from k3stui.rules.registry import NET, E, emit, rule


def _cidrs(values: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for v in values:
        c = parse_cidr(v)
        out.append(str(c.net) if c.net is not None else str(v).strip())
    return tuple(out)


def _ips(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(a) if (a := parse_ip(v)) is not None else str(v).strip() for v in values)


def critical_values(plan: p.Plan) -> dict[str, Any]:
    """Each critical flag's value as K3s compares it, defaults applied."""
    special: dict[str, Any] = {
        "cluster-cidr": _cidrs(p.effective_cluster_cidr(plan)),
        "service-cidr": _cidrs(p.effective_service_cidr(plan)),
        "cluster-dns": _ips(p.effective_cluster_dns(plan)),
        "cluster-domain": p.effective_cluster_domain(plan),
        "egress-selector-mode": plan.egress_selector_mode or defaults.EGRESS_SELECTOR_MODE,
    }
    out: dict[str, Any] = {}
    for name in CRITICAL:
        flag = FLAGS[name]
        if name in special:
            out[name] = special[name]
        elif flag.field:
            out[name] = p.get_value(plan, flag.field)
        else:
            value = plan.extra.get(name)
            out[name] = bool(value) if flag.kind == "bool" else value
    # `disable: servicelb` must match too (only servicelb among the disable list).
    disabled = plan.extra.get("disable") or ()
    items = disabled.split(",") if isinstance(disabled, str) else disabled
    names = {str(i).strip() for i in items} if isinstance(items, list | tuple) else set()
    out["disable: servicelb"] = "servicelb" in names
    return out


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value) or "(none)"
    if value is None:
        return "(unset)"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _name(ctx: Context, i: int, other: p.Plan) -> str:
    if i <= len(ctx.server_names):
        return f"server {ctx.server_names[i - 1]}"
    if other.extra.get("node-name"):
        return f"server {other.extra['node-name']}"
    return f"server {other.node_ip[0]}" if other.node_ip else f"server #{i}"


@rule(
    E("HA001", "cluster-cidr", "critical configuration value differs from another server",
      f"{NET} §0.1, §10.10; #4579"),
)
def critical_match(ctx: Context) -> Iterator[Finding]:
    if not ctx.servers or not ctx.is_server:
        return
    mine = critical_values(ctx.plan)
    for i, other in enumerate(ctx.servers, start=1):
        who = _name(ctx, i, other)
        theirs = critical_values(other)
        for name, value in mine.items():
            if theirs[name] != value:
                key = "disable" if name.startswith("disable:") else name
                yield emit("HA001", f"{name} is {_show(value)} here but {_show(theirs[name])} on {who}; the "
                                    "join fails with \"critical configuration value mismatch\"",
                           f"Use the same {name} on every server.", key)
