"""Host settings: IPv6 router advertisements (accept_ra) once K3s turns forwarding on, and the
paths on the node that K3s reads (flannel-conf, flannel-cni-conf, token-file)."""

from __future__ import annotations

from collections.abc import Iterator

from k3stui import plan as p
from k3stui.findings import Finding
from k3stui.rules.context import Context
from k3stui.rules.registry import NET, E, N, emit, rule

_MITM = ("accepting router advertisements lets any host on the link announce routes (a man-in-the-middle "
         "risk, k/k#91507)")


@rule(
    E("HOST001", "accept-ra", "accept_ra must be 0, 1 or 2", f"{NET} §9 (net.ipv6.conf.all.accept_ra)"),
    N("HOST002", "accept-ra", "IPv6 with accept_ra unset", f"{NET} §3, §9; #5019"),
    N("HOST003", "accept-ra", "accept_ra 2 and its caveat", f"{NET} §3, §9"),
    N("HOST004", "accept-ra", "accept_ra 1 is ignored once forwarding is on", f"{NET} §3, §9; #5019"),
)
def accept_ra(ctx: Context) -> Iterator[Finding]:
    value = ctx.plan.accept_ra
    if value is not None and (isinstance(value, bool) or value not in (0, 1, 2)):
        yield emit("HOST001", f"accept_ra {value!r} is not 0, 1 or 2",
                   "Use 2 if the IPv6 default route comes from router advertisements, else leave it unset.")
        return
    has_v6 = ctx.has_v6 or any(a.version == 6 for a in ctx.node_ips)
    if value == 2:
        yield emit("HOST003", "accept_ra 2 keeps RA-learned routes while K3s forwards, but only where it is "
                              "set per interface: the kernel does not copy net.ipv6.conf.all.accept_ra to "
                              "interfaces that already exist, so k3stui sets it on the uplink too "
                              "(flannel-iface, else the interface of the IPv6 default route at install "
                              f"time); {_MITM}",
                   "Use it only on links whose routers you trust; set flannel-iface to name the uplink.")
    elif not has_v6:
        return
    elif value is None:
        yield emit("HOST002", "the plan uses IPv6 and K3s enables IPv6 forwarding, which makes the kernel "
                              "ignore router advertisements: an RA-learned default route is dropped when it "
                              "expires",
                   f"If the IPv6 default route comes from RAs, set accept_ra 2 ({_MITM}).")
    elif value == 1:
        yield emit("HOST004", "accept_ra 1 is ignored once K3s enables IPv6 forwarding; an RA-learned "
                              "default route will expire",
                   f"Set accept_ra 2 if the route comes from RAs ({_MITM}).")


# Plan fields that hold a path on the node, by the K3s flag that carries them.
_NODE_PATHS = {
    "flannel-conf": "flannel.conf", "flannel-cni-conf": "flannel.cni_conf", "token-file": "token_file",
}


@rule(
    E("PATH001", "flannel-conf", "a node path that is not absolute and normalised",
      f"{NET} §1 (flannel-conf, flannel-cni-conf), §2 (K3S_TOKEN_FILE)"),
)
def node_paths(ctx: Context) -> Iterator[Finding]:
    for key, field in _NODE_PATHS.items():
        value = p.get_value(ctx.plan, field)
        if value and p.is_normalised_path(value) and not p.fits_linux_limits(value):
            yield emit("PATH001", f"{key} has a name longer than {p.NAME_MAX} bytes (or the path is "
                                  f"{p.PATH_MAX} bytes or more): no file can have it on Linux",
                       "Use a shorter path, e.g. /etc/rancher/k3s/net-conf.json.", key)
        elif value and not p.is_node_path(value):
            name = value.rstrip("/").split("/")[-1] or "file"
            yield emit("PATH001", f"{key} {value!r} is not an absolute, normalised path; K3s would read "
                                  "it relative to its working directory, and k3stui cannot place a file "
                                  "there", f"Write the full path, e.g. /etc/rancher/k3s/{name}.", key)
