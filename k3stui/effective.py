"""The value K3s runs with for a flag, defaults filled in and normalised as K3s compares it. Pure.

One function for every reader: HA001 (`rules/ha.py`, servers must agree), the installer's
today -> after comparison and INST013 (`install/preflight.py`), `check --format json`'s
`effective` block and the TUI. So `10.42.1.0/16` and `10.42.0.0/16` are one value everywhere:
K3s parses cluster-cidr, service-cidr and cluster-dns with Go's net.ParseCIDR / net.ParseIP and
compares the parsed networks (k3s pkg/daemons/config CriticalControlArgs, reference §0.1), and
StringSlice flags are comma-split (util.SplitStringSlice). A value that does not parse is kept
as written (stripped): the address rules report it.
"""

from __future__ import annotations

from typing import Any

from k3stui import defaults, flags
from k3stui import plan as p
from k3stui.rules.context import parse_cidr, parse_ip

# Each critical value's comparison form, plus this pseudo-key: `disable: servicelb` must match on
# every server too (only servicelb among the `disable` list is a critical value).
SERVICELB = "disable: servicelb"


def _cidrs(values: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for v in flags.slice_items(list(values)):
        c = parse_cidr(v)
        out.append(str(c.net) if c.net is not None else v)
    return tuple(out)


def _ips(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(a) if (a := parse_ip(v)) is not None else v for v in flags.slice_items(list(values)))


def ip_versions(values: tuple[str, ...]) -> tuple[int, ...]:
    """The IP version (4 or 6) of each CIDR among `values` that parses."""
    return tuple(c.net.version for v in values if (c := parse_cidr(v)).net is not None)


def normalise(flag: flags.Flag, value: Any) -> Any:
    """A raw flag value (from a file, a flag or a plan field) as K3s reads it: bools parsed as
    strconv.ParseBool does, lists comma-split, strings stripped; "" is unset."""
    if flag.kind == "bool":
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "t", "true") if value is not None else False
    if flag.kind == "list":
        items = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
        return tuple(flags.slice_items(list(items)))
    return None if value in (None, "") else str(value).strip()


def value(plan: p.Plan, name: str) -> Any:
    """The value K3s runs with for flag `name` (a long flag name) under `plan`."""
    if name == SERVICELB:
        disabled = normalise(flags.FLAGS["disable"], plan.extra.get("disable"))
        return "servicelb" in disabled
    special = {
        "cluster-cidr": lambda: _cidrs(p.effective_cluster_cidr(plan)),
        "service-cidr": lambda: _cidrs(p.effective_service_cidr(plan)),
        "cluster-dns": lambda: _ips(p.effective_cluster_dns(plan)),
        "cluster-domain": lambda: p.effective_cluster_domain(plan).strip(),
        "service-node-port-range": lambda: p.effective_node_port_range(plan).strip(),
        # flannel-backend is moot under another CNI: k3stui writes none there (render/k3s_config).
        "flannel-backend": lambda: plan.flannel.backend if plan.cni.kind == "flannel" else "none",
        "egress-selector-mode": lambda: plan.egress_selector_mode or defaults.EGRESS_SELECTOR_MODE,
    }
    if name in special:
        return special[name]()
    flag = flags.lookup(name)
    if flag is None:
        raw = plan.extra.get(name)
        return tuple(str(v) for v in raw) if isinstance(raw, (list, tuple)) else raw
    raw = p.get_value(plan, flag.field) if flag.field else plan.extra.get(name)
    if flag.field == "token" and raw is not None:
        raw = raw.value  # a Secret: compared by value, never shown (show() masks secret flags)
    return normalise(flag, raw)


def critical_values(plan: p.Plan) -> dict[str, Any]:
    """Every critical value (flags.CRITICAL, then `disable: servicelb`) as K3s compares it."""
    return {name: value(plan, name) for name in (*flags.CRITICAL, SERVICELB)}


def show(value: Any, name: str | None = None) -> str:
    """A value for people: lists comma-joined, bools lower case; secret flags masked."""
    if name is not None and name in flags.SECRETS and value not in (None, "", ()):
        return "********"
    if isinstance(value, tuple):
        return ",".join(value) or "(none)"
    if value is None:
        return "(unset)"
    return str(value).lower() if isinstance(value, bool) else str(value)


def summary(plan: p.Plan) -> dict[str, Any]:
    """The JSON form `check --format json` prints under `effective` (lists as lists)."""
    out: dict[str, Any] = {"ip-family": p.ip_family(plan)}
    for name in ("cluster-cidr", "service-cidr", "cluster-dns", "cluster-domain", "service-node-port-range",
                 *flags.CRITICAL, SERVICELB):
        v = value(plan, name)
        out[name] = list(v) if isinstance(v, tuple) else v
    return out
