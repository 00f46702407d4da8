"""flannel's net-conf.json as data, in the shape of K3s's own template (k3s-network.md §4).

Rendered only when the plan needs options K3s cannot pass any other way (DirectRouting, MTU,
VNI, port, unmodeled keys); `Backend` is always present because flannel falls back to `udp`
without it.
"""

from __future__ import annotations

import json
from typing import Any

from k3stui import defaults
from k3stui.plan import Plan, effective_cluster_cidr, parse_network
from k3stui.render.k3s_config import netconf_node_path

# K3s backend name -> flannel Backend.Type (+ what K3s itself adds for it).
_BACKEND_TYPE: dict[str, tuple[str, dict[str, Any]]] = {
    "vxlan": ("vxlan", {}),
    "host-gw": ("host-gw", {}),
    "wireguard-native": ("wireguard", {"PersistentKeepaliveInterval": defaults.WIREGUARD_KEEPALIVE}),
    "wireguard": ("wireguard", {"PersistentKeepaliveInterval": defaults.WIREGUARD_KEEPALIVE}),
    "ipsec": ("ipsec", {"UDPEncap": True}),
}

# Plan option -> flannel key, per Backend.Type (flannel Documentation/backends.md spelling).
# An option a backend does not have is left out; the rules report it.
_OPTION_KEYS: dict[str, dict[str, str]] = {
    "vxlan": {"vni": "VNI", "port": "Port", "direct_routing": "DirectRouting", "mtu": "MTU"},
    "wireguard": {"port": "ListenPort", "mtu": "MTU"},
    "host-gw": {},
    "ipsec": {},
}


def _first_of_version(cidrs: tuple[str, ...], version: int) -> str | None:
    for text in cidrs:
        net = parse_network(text)
        if net is not None and net.version == version:
            return text.strip()
    return None


def backend_object(plan: Plan) -> dict[str, Any]:
    flannel_type, added = _BACKEND_TYPE.get(plan.flannel.backend, (plan.flannel.backend, {}))
    backend: dict[str, Any] = {"Type": flannel_type, **added}
    for attr, key in _OPTION_KEYS.get(flannel_type, {}).items():
        value = getattr(plan.flannel, attr)
        if value is None or value is False:
            continue
        backend[key] = value
    return backend


def netconf(plan: Plan) -> dict[str, Any] | None:
    """net-conf.json as a dict, or None when K3s's own file is enough (or flannel is not used)."""
    if netconf_node_path(plan) is None:
        return None
    cidrs = effective_cluster_cidr(plan)
    v4 = _first_of_version(cidrs, 4)
    v6 = _first_of_version(cidrs, 6)
    conf: dict[str, Any] = {
        "Network": v4 or "0.0.0.0/0",
        "EnableIPv6": v6 is not None,
        "EnableIPv4": v4 is not None,
        "IPv6Network": v6 or "::/0",
        "Backend": backend_object(plan),
    }
    for key, value in plan.flannel.netconf_extra.items():
        if key.startswith("Backend."):
            conf["Backend"].setdefault(key.removeprefix("Backend."), value)
        else:
            conf.setdefault(key, value)
    return conf


def netconf_json(conf: dict[str, Any]) -> str:
    return json.dumps(conf, indent=2) + "\n"
