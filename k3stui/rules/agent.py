"""Agent role: the server URL, the join token, and no server-only keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from k3stui import defaults
from k3stui import plan as p
from k3stui.findings import Finding
from k3stui.flags import FLAGS, KCM_MASK_ARGS
from k3stui.rules.context import Context, parse_ip
from k3stui.rules.registry import NET, E, W, emit, rule

_DEFAULT = p.Plan()


def _differs(plan: p.Plan, path: str) -> bool:
    try:
        return bool(p.get_value(plan, path) != p.get_value(_DEFAULT, path))
    except AttributeError:
        return False


def _url_problem(url: Any) -> str:
    if not isinstance(url, str) or not url.strip():
        return "is not set"
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "is not a URL"
    if parts.scheme != "https":
        return "is not an https:// URL"
    if not parts.hostname:
        return "has no host"
    return ""


def _corrected_url(url: Any) -> str:
    """`10.0.0.30` or `http://10.0.0.30:6443` -> `https://10.0.0.30:6443`."""
    text = url.strip() if isinstance(url, str) else ""
    host = text.split("://", 1)[-1].split("/", 1)[0]
    if not host or " " in host:
        host = "<server-address>"
    bare = parse_ip(host)
    if bare is not None and bare.version == 6:
        host = f"[{bare}]"
    if host.rsplit(":", 1)[-1].isdigit() and (":" not in host.rsplit(":", 1)[0] or host.startswith("[")):
        return f"https://{host}"
    return f"https://{host}:{defaults.SUPERVISOR_PORT}"


@rule(
    E("AGENT001", "server", "server URL missing or not https", f"{NET} §2 (install script K3S_URL)"),
    W("AGENT002", "server", "server URL without a port", f"{NET} §5 (supervisor on 6443)"),
    E("AGENT003", "token", "joining without token or token-file", f"{NET} §2, §6"),
    W("AGENT004", "server", "server URL host is not a server node of the plan", "seed-scenarios.md §2"),
    E("AGENT005", "role", "unknown role", "plan.py Role"),
)
def join(ctx: Context) -> Iterator[Finding]:
    plan = ctx.plan
    if plan.role not in ("server", "agent"):
        yield emit("AGENT005", f'role "{plan.role}" is neither server nor agent', "Use server or agent.")
        return
    joining = plan.role == "agent" or bool(plan.server)
    if not joining:
        return
    problem = _url_problem(plan.server)
    example = _corrected_url(plan.server)
    if problem:
        shown = f' "{plan.server}"' if plan.server else ""
        yield emit("AGENT001", f"the server URL{shown} {problem}; the install script refuses to join "
                               "without an https URL", f"Set server: {example}.")
    else:
        parts = urlsplit(str(plan.server).strip())
        if parts.port is None:
            yield emit("AGENT002", f'server URL "{plan.server}" has no port, so 443 is used; K3s listens on '
                                   f"{defaults.SUPERVISOR_PORT}",
                       f"Write https://{parts.hostname}:{defaults.SUPERVISOR_PORT} unless a load balancer "
                       "serves 443.")
        host = parse_ip(parts.hostname or "")
        servers = [n for n in plan.nodes if n.role == "server"]
        addrs = {parse_ip(n.address) for n in servers}
        if host is not None and servers and host not in addrs:
            listed = ", ".join(f"{n.name} {n.address}" for n in servers)
            yield emit("AGENT004", f"server URL host {host} is not the address of any server node in the "
                                   f"plan ({listed})",
                       f"Use https://{servers[0].address}:{parts.port or defaults.SUPERVISOR_PORT}, or "
                       "check the node list (a VIP or load balancer is fine).")
    token = plan.token.value if isinstance(plan.token, p.Secret) else None
    if not token and not plan.token_file:
        yield emit("AGENT003", "no token or token-file: a joining node cannot authenticate to the server",
                   "Set token-file (or token) to the server's /var/lib/rancher/k3s/server/token value.")


@rule(
    E("AGENT010", "cluster-cidr", "server-only key set on an agent", f"{NET} §0.2, §1 (flags.py scope)"),
)
def server_only_keys(ctx: Context) -> Iterator[Finding]:
    if ctx.plan.role != "agent":
        return
    keys: list[str] = []
    for flag in FLAGS.values():
        if flag.scope != "server":
            continue
        if (flag.field and _differs(ctx.plan, flag.field)) or flag.name in ctx.plan.extra:
            keys.append(flag.name)
    for arg, field in KCM_MASK_ARGS.items():
        if getattr(ctx.plan, field) is not None:
            keys.append(arg)
    for key in keys:
        yield emit("AGENT010", f"{key} is a server option; an agent does not accept it (K3s: flag "
                               "provided but not defined)",
                   f"Remove {key} from the agent; set it on the servers.", key)
