"""Flags of one command used on the other: an agent-only flag on a server (server-only keys on an
agent are AGENT010, rules/agent.py)."""

from __future__ import annotations

from collections.abc import Iterator

from k3stui.findings import Finding
from k3stui.flags import AGENT_ONLY
from k3stui.rules.context import Context
from k3stui.rules.registry import E, emit, rule


@rule(
    E("AGENT011", "role", "agent-only key set on a server",
      "k3stui/release_history.py (scope agent-only: the agent command's flags, K3s pkg/cli/cmds/agent.go)",
      doc="A few flags belong to `k3s agent` only (disable-apiserver-lb): `k3s server` refuses them on "
      "the command line (flag provided but not defined) and skips them in a config file, so the "
      "setting is lost. Fix: remove the key from the server."),
)
def agent_only_keys(ctx: Context) -> Iterator[Finding]:
    if ctx.plan.role != "server":
        return
    for name in sorted(AGENT_ONLY & set(ctx.plan.extra)):
        yield emit("AGENT011", f"{name} is an agent option; a server does not accept it (K3s: flag "
                               "provided but not defined; skipped in a config file)",
                   f"Remove {name} from the server; set it on the agents.", name)
