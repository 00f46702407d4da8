"""Flannel: backend values and their version history, backend options, net-conf sanity."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from k3stui import plan as p
from k3stui.findings import Finding, did_you_mean
from k3stui.rules.context import Context
from k3stui.rules.registry import NET, E, N, W, emit, rule
from k3stui.versions import FEATURES, has

_VNI_MAX = 16777215  # 24-bit VXLAN network identifier
_MTU_MIN, _MTU_MAX, _MTU_MIN_V6 = 576, 9216, 1280


def _gate(feature: str) -> str:
    return FEATURES[feature].describe()  # the source is in the RuleInfo


@rule(
    E("FLANNEL001", "flannel-backend", "unknown flannel-backend value", f"{NET} §1 (backend history)"),
    W("FLANNEL002", "flannel-backend", "ipsec backend: strongSwan no longer bundled", f"{NET} §1; #6598"),
    E("FLANNEL003", "flannel-backend", "ipsec backend removed", f"{NET} §1; #6598, #8203"),
    W("FLANNEL004", "flannel-backend", "legacy wireguard backend deprecated", f"{NET} §1; #6440"),
    E("FLANNEL005", "flannel-backend", "legacy wireguard backend removed", f"{NET} §1; #6440, #6574"),
    E("FLANNEL006", "flannel-backend", "wireguard-native not yet in this K3s version", f"{NET} §1; #5391"),
    W("FLANNEL007", "flannel-backend", "backend option syntax deprecated", f"{NET} §1; #6598"),
    E("FLANNEL008", "flannel-backend", "backend option syntax removed", f"{NET} §1; #6598, #8203"),
    N("FLANNEL009", "flannel-backend", "host-gw needs every node on one L2 segment", f"{NET} §1, §4"),
    N("FLANNEL010", "flannel-backend", "wireguard-native needs WireGuard in every node's kernel",
      f"{NET} §9"),
)
def backend(ctx: Context) -> Iterator[Finding]:
    raw = ctx.plan.flannel.backend
    if not isinstance(raw, str):
        yield emit("FLANNEL001", f"flannel-backend {raw!r} is not text", "Use vxlan, host-gw, "
                                                                         "wireguard-native or none.")
        return
    name, sep, options = raw.partition("=")
    v = ctx.version
    if sep:
        code = "FLANNEL008" if has("backend-option-syntax-removed", v) else "FLANNEL007"
        yield emit(code, f'flannel-backend "{raw}" uses the <backend>=<options> syntax, '
                         + ("which K3s refuses since " if code == "FLANNEL008" else "deprecated; fatal from ")
                         + _gate("backend-option-syntax-removed"),
                   f'Set flannel-backend: {name} and put "{options}" into a net-conf.json given with '
                   f'flannel-conf.')
    if name not in p.FLANNEL_BACKENDS:
        extra = " (set internally by vpn-auth, not selectable)" if name == "tailscale" else ""
        yield emit("FLANNEL001", f'flannel-backend "{name}" is not a flannel backend K3s knows{extra}',
                   "Use vxlan, host-gw, wireguard-native or none." + did_you_mean(name, p.FLANNEL_BACKENDS))
        return
    if name == "ipsec":
        if has("ipsec-removed", v):
            yield emit("FLANNEL003", f'flannel-backend "ipsec" was removed: K3s {v} refuses to start '
                                     f"(fatal since {_gate('ipsec-removed')})",
                       "Use flannel-backend: wireguard-native for encrypted pod traffic.")
        elif has("ipsec-unbundled", v):
            yield emit("FLANNEL002", f'flannel-backend "ipsec" on K3s {v}: strongSwan (swanctl, charon) is '
                                     "no longer bundled; every node must provide it",
                       "Prefer flannel-backend: wireguard-native (ipsec is fatal from v1.27).")
    elif name == "wireguard":
        if has("wireguard-legacy-removed", v):
            yield emit("FLANNEL005", f'flannel-backend "wireguard" (legacy) is fatal on K3s {v} '
                                     f"(since {_gate('wireguard-legacy-removed')})",
                       "Use flannel-backend: wireguard-native.")
        elif has("wireguard-legacy-deprecated", v):
            yield emit("FLANNEL004", f'flannel-backend "wireguard" (legacy, needs the wg tool) is '
                                     f"deprecated on K3s {v}",
                       "Use flannel-backend: wireguard-native; change it on all servers, then reboot all "
                       "nodes, servers first.")
    elif name == "wireguard-native":
        if not has("wireguard-native", v):
            yield emit("FLANNEL006", f'flannel-backend "wireguard-native" is not in K3s {v}; it arrived in '
                                     f"{_gate('wireguard-native')}",
                       "Upgrade K3s, or use vxlan on this version.")
        else:
            yield emit("FLANNEL010", "wireguard-native needs WireGuard on every node (kernel 5.6 or later, "
                                     "or the wireguard module) and UDP 51820 (IPv4) / 51821 (IPv6) open "
                                     "between nodes")
    elif name == "host-gw":
        yield emit("FLANNEL009", "host-gw routes pod subnets through node addresses: every node must be on "
                                 "one L2 segment (it typically cannot work across clouds or routers)",
                   "Use vxlan (optionally with DirectRouting) when nodes sit in different subnets.")


@rule(
    E("FLANNEL011", "no-flannel", "no-flannel removed", f"{NET} §1; #6574",
      doc="From v1.26 the flag is gone: fatal on the command line; in config.yaml K3s skips the unknown "
      "key and runs flannel, so a second CNI fights it (stricter than K3s for the file, on purpose). "
      "Fix: flannel-backend: none."),
    W("FLANNEL012", "no-flannel", "no-flannel deprecated", f"{NET} §1; #6574"),
)
def no_flannel(ctx: Context) -> Iterator[Finding]:
    if "no-flannel" not in ctx.plan.extra or not ctx.plan.extra.get("no-flannel"):
        return
    if has("no-flannel-removed", ctx.version):
        yield emit("FLANNEL011", f"no-flannel was removed in {_gate('no-flannel-removed')}: K3s "
                                 f"{ctx.version} refuses it on the command line, and in a config file skips "
                                 "the key and starts flannel anyway (an error here either way: the intent is "
                                 "lost)", "Use flannel-backend: none.")
    else:
        yield emit("FLANNEL012", "no-flannel is deprecated", "Use flannel-backend: none.")


@rule(
    E("FLANNEL020", "Backend.DirectRouting", "DirectRouting with a backend other than vxlan", f"{NET} §4"),
    W("FLANNEL021", "flannel-ipv6-masq", "flannel-ipv6-masq without IPv6 in the plan", f"{NET} §1"),
    W("FLANNEL022", "flannel-external-ip", "flannel-external-ip without wireguard-native",
      f"{NET} §1; #6321"),
    E("FLANNEL023", "flannel-external-ip", "flannel-external-ip without node-external-ip",
      f"{NET} §1, §10.5"),
    E("FLANNEL024", "Backend.MTU", "flannel MTU out of range", f"{NET} §4, §10.6"),
    E("FLANNEL025", "Backend.VNI", "VXLAN VNI out of range", f"{NET} §4 (flannel backends.md)"),
    E("FLANNEL026", "Backend.Port", "VXLAN port out of range", f"{NET} §4"),
    W("FLANNEL027", "Backend.VNI", "vxlan-only option set with another backend", f"{NET} §4"),
    W("FLANNEL028", "Backend.MTU", "net-conf MTU ignored by this K3s's flannel",
      f"{NET} §4 (flannel v0.21.3)"),
    W("FLANNEL029", "flannel-backend", "flannel option set while flannel is off", f"{NET} §1, §8"),
)
def options(ctx: Context) -> Iterator[Finding]:
    fl = ctx.plan.flannel
    name = fl.backend.partition("=")[0] if isinstance(fl.backend, str) else ""
    if ctx.flannel_off:
        set_keys = [key for key, on in (
            ("flannel-iface", fl.iface), ("flannel-conf", fl.conf), ("flannel-cni-conf", fl.cni_conf),
            ("Backend.DirectRouting", fl.direct_routing), ("Backend.MTU", fl.mtu is not None),
            ("Backend.VNI", fl.vni is not None), ("Backend.Port", fl.port is not None),
            ("flannel-ipv6-masq", fl.ipv6_masq), ("flannel-external-ip", fl.external_ip),
            ("flannel-conf", bool(fl.netconf_extra)),
        ) if on]
        for key in dict.fromkeys(set_keys):
            yield emit("FLANNEL029", f"{key} is set but flannel is off (flannel-backend: none); it is "
                                     "ignored",
                       f"Remove {key}.", key)
        return
    if fl.direct_routing and name != "vxlan":
        yield emit("FLANNEL020", f'DirectRouting only works with the vxlan backend, not "{name}"',
                   "Set flannel-backend: vxlan, or turn DirectRouting off.")
    if name != "vxlan":
        for key, value in (("Backend.VNI", fl.vni), ("Backend.Port", fl.port)):
            if value is not None:
                yield emit("FLANNEL027", f"{key}={value} only applies to the vxlan backend, not \"{name}\"; "
                                         "it is ignored", f"Remove {key}.", key)
    if fl.ipv6_masq and not ctx.has_v6:
        yield emit("FLANNEL021", "flannel-ipv6-masq is set but the plan has no IPv6 CIDR; it does nothing",
                   "Remove flannel-ipv6-masq, or add IPv6 CIDRs for dual-stack.")
    if fl.external_ip:
        if name != "wireguard-native":
            yield emit("FLANNEL022", f'flannel-external-ip with backend "{name}": pod traffic between nodes '
                                     f'goes '
                                     "unencrypted over the external addresses (K3s warns too)",
                       "Use flannel-backend: wireguard-native.")
        if not ctx.plan.node_external_ip:
            yield emit("FLANNEL023", "flannel-external-ip needs node-external-ip: flannel has no external "
                                     "address to use", "Set node-external-ip to this node's public address.")
    if fl.mtu is not None:
        low = _MTU_MIN_V6 if ctx.has_v6 else _MTU_MIN
        if not low <= fl.mtu <= _MTU_MAX:
            yield emit("FLANNEL024", f"flannel MTU {fl.mtu} is outside {low}..{_MTU_MAX}"
                                     + (" (IPv6 needs at least 1280)" if ctx.has_v6 else ""),
                       "Use the host MTU minus the backend overhead: 1450 for vxlan, 1420 for WireGuard on a "
                       "1500 network.")
        elif name == "host-gw":
            yield emit("FLANNEL027", "Backend.MTU does not apply to host-gw (no tunnel); it is ignored",
                       "Remove the MTU.", "Backend.MTU")
        elif not has("flannel-conf-mtu", ctx.version):
            yield emit("FLANNEL028", f"the flannel bundled with K3s {ctx.version} ignores a Backend MTU "
                                     f"(added in flannel v0.21.3, bundled from {_gate('flannel-conf-mtu')})",
                       "Upgrade K3s, or lower the host interface MTU instead.")
    if fl.vni is not None and not 1 <= fl.vni <= _VNI_MAX:
        yield emit("FLANNEL025", f"VNI {fl.vni} is outside 1..{_VNI_MAX}", "Use 1 (flannel's default on "
                                                                           "Linux).")
    if fl.port is not None and not 1 <= fl.port <= 65535:
        yield emit("FLANNEL026", f"VXLAN port {fl.port} is outside 1..65535", "Use 8472 (the Linux default).")


_ULA = ipaddress.ip_network("fc00::/7")  # unique local addresses, RFC 4193


@rule(
    W("FLANNEL030", "flannel-backend", "flannel-backend none and no CNI in the plan",
      f"{NET} §8; K3s docs basic-network-options.md (custom CNI)",
      doc="With flannel off and no CNI installed, kubelet reports 'cni plugin not initialized' and every "
      "node stays NotReady until a CNI is installed. Fix: choose Calico or Cilium in the plan, or install "
      "your CNI right after K3s."),
    N("FLANNEL031", "flannel-ipv6-masq", "IPv6 pod traffic leaves with the pod's own address",
      f"{NET} §1 (flannel-ipv6-masq); flannel ip6masq",
      doc="Without flannel-ipv6-masq flannel does not masquerade IPv6: pods reach the outside with their "
      "own IPv6 source address, so the pod range must be routed to the nodes. Fix: route it, or set "
      "flannel-ipv6-masq: true."),
    W("FLANNEL032", "flannel-ipv6-masq", "ULA IPv6 pod range without flannel-ipv6-masq",
      f"{NET} §1, §3; RFC 4193 (ULA not routed on the Internet)",
      doc="A ULA pod range (fc00::/7) is not routable on the Internet: without flannel-ipv6-masq pods get "
      "no IPv6 connectivity beyond the cluster. Fix: set flannel-ipv6-masq: true."),
)
def flannel_off_and_ipv6(ctx: Context) -> Iterator[Finding]:
    plan = ctx.plan
    if ctx.is_server and plan.cni.kind == "none" and ctx.flannel_off:
        yield emit("FLANNEL030", "flannel-backend is none and the plan installs no CNI: nodes stay NotReady "
                                 "until a CNI is installed", "Choose cni calico or cilium in the plan, or "
                                 "install your CNI (Calico, Cilium, Canal...) right after K3s.")
    if not ctx.is_server or not p.uses_flannel(plan) or plan.flannel.ipv6_masq:
        return
    v6 = ctx.cluster_by_v.get(6)
    if v6 is None:
        return
    if v6.subnet_of(_ULA):  # type: ignore[arg-type]
        yield emit("FLANNEL032", f"cluster-cidr {v6} is a ULA range and flannel-ipv6-masq is off: pods get "
                                 "no IPv6 connectivity outside the cluster", "Set flannel-ipv6-masq: true.")
    else:
        yield emit("FLANNEL031", f"flannel-ipv6-masq is off: pods leave with their own {v6} addresses, so "
                                 "that range must be routed to the nodes", "Route the pod range, or set "
                                 "flannel-ipv6-masq: true.")
