"""Shell: the host facts the preflight network checks read (`doctor --preflight`), and the
opt-in, bounded `/cacerts` probe to the plan's own server."""

from __future__ import annotations

import ssl
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from k3stui import plan as p
from k3stui.doctor.collect_node import NodeSource, ip_json, parse_addresses, parse_links, parse_routes
from k3stui.doctor.kubectl import run_command
from k3stui.doctor.preflight_checks import RESOLV_CONF, NetworkFacts, nameservers
from k3stui.install.hostinfo import Route

CACERTS_TIMEOUT = 5.0  # seconds


def read_facts(
    plan: p.Plan, role: str, environ: Mapping[str, str], *, root: str = "/", netns: str | None = None
) -> NetworkFacts:
    prefix = ("ip", "netns", "exec", netns) if netns else ()
    src = NodeSource(lambda argv: run_command(argv, timeout=20), Path(root), prefix)
    notes: list[str] = []
    addr = ip_json(src, notes, "addr")
    links = ip_json(src, notes, "link")
    routes: list[Route] | None = []
    for fam in (4, 6):
        data = ip_json(src, notes, f"-{fam}", "route")
        if data is None or routes is None:
            routes = None
            continue
        routes += [Route(r.dst, r.dev, r.proto, r.gateway, fam) for r in parse_routes(data, fam)]
    resolv = src.read(RESOLV_CONF)
    return NetworkFacts(
        plan=plan,
        role=role,
        addresses=parse_addresses(addr) if addr is not None else None,
        routes=tuple(routes) if routes is not None else None,
        link_mtus={n: link.mtu for n, link in parse_links(links).items() if link.mtu}
        if links is not None
        else None,
        nameservers=nameservers(resolv) if resolv is not None else None,
        environ={k: v for k, v in environ.items() if k.upper() in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")},
    )


def probe_cacerts(server: str, timeout: float = CACERTS_TIMEOUT) -> tuple[bool, str]:
    """GET <server>/cacerts once. The agent has no CA yet either, so the certificate is not verified:
    this asks whether the server answers, not whom to trust."""
    url = server.rstrip("/") + "/cacerts"
    if not url.startswith("https://"):
        return False, f"{server} is not an https:// URL"
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=ctx) as resp:
            return resp.status == 200, f"HTTP {resp.status}"
    except OSError as exc:
        return False, str(getattr(exc, "reason", exc))
