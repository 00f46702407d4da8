"""HA: every server must carry the same critical configuration values, compared as K3s compares
them (`k3stui.effective`: the one normalisation preflight and `check --format json` use too)."""

from __future__ import annotations

from collections.abc import Iterator

from k3stui import effective
from k3stui import plan as p
from k3stui.findings import Finding
from k3stui.rules.context import Context
from k3stui.rules.registry import NET, E, emit, rule


def _name(ctx: Context, i: int, other: p.Plan) -> str:
    if i <= len(ctx.server_names):
        return f"server {ctx.server_names[i - 1]}"
    if other.extra.get("node-name"):
        return f"server {other.extra['node-name']}"
    return f"server {other.node_ip[0]}" if other.node_ip else f"server #{i}"


@rule(
    E("HA001", "cluster-cidr", "critical configuration value differs from another server",
      f"{NET} §0.1, §10.10; #4579",
      doc="K3s refuses a joining server whose critical values (cluster-cidr, service-cidr, cluster-dns, "
          "cluster-domain, flannel-backend, the disable-* and flannel-* switches, servicelb) differ from "
          "the cluster's, compared after parsing (10.42.1.0/16 is 10.42.0.0/16). Fix: use the other "
          "servers' values (--server-config FILE shows which)."),
)
def critical_match(ctx: Context) -> Iterator[Finding]:
    if not ctx.servers or not ctx.is_server:
        return
    mine = effective.critical_values(ctx.plan)
    for i, other in enumerate(ctx.servers, start=1):
        who = _name(ctx, i, other)
        theirs = effective.critical_values(other)
        for name, value in mine.items():
            if theirs[name] != value:
                key = "disable" if name.startswith("disable:") else name
                yield emit("HA001", f"{name} is {effective.show(value)} here but "
                                    f"{effective.show(theirs[name])} on {who}; the join fails with "
                                    "\"critical configuration value mismatch\"",
                           f"Use the same {name} on every server.", key)
