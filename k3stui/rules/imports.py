"""Codes emitted outside the rule functions — by the importers (k3stui/importers/) and by
`rules.evaluate` for implied values — listed here so RULES shows every code."""

from __future__ import annotations

from k3stui.rules.registry import NET, E, N, W, register

register(
    W("IMPORT001", "config", "unknown K3s key (kept verbatim)", f"{NET} §1, §2 (flags.py)"),
    E("IMPORT002", "config", "value of the wrong type for its key", f"{NET} §2 (flags.py kind)"),
    E("NETCONF002", "Backend.Type", "net-conf.json without Backend or Backend.Type",
      f"{NET} §0.9, §4 (flannel falls back to udp)"),
    E("NETCONF003", "Network", "net-conf.json networks differ from cluster-cidr", f"{NET} §4"),
    W("NETCONF004", "Backend", "net-conf.json key spelled differently from flannel's "
                               "documentation", f"{NET} §4"),
    W("NETCONF005", "Backend", "unknown net-conf.json key", f"{NET} §4"),
    W("NETCONF006", "Backend.Type", "net-conf.json Backend.Type differs from flannel-backend", f"{NET} §4"),
    N("IMPL001", "cni.kind", "a value implied by another choice was applied",
      f"{NET} §8 (custom CNI needs flannel-backend none, disable-network-policy)"),
)
