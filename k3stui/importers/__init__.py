"""Importers: K3s config files, an INSTALL_K3S_EXEC string and a flannel net-conf.json -> Plan.

All pure: the shells (`k3stui.inputs`, commands, TUI) read the files and pass (source, text) in.
`build_plan` merges them in K3s's order: preset < config files (later wins, `key+:` appends) <
command-line flags (a repeated list flag replaces the files' list) ; then the net-conf.json, which
is what flannel actually reads, fills the flannel options.
"""

from __future__ import annotations

from collections.abc import Sequence

from k3stui.findings import Finding
from k3stui.importers.args import plan_from_args
from k3stui.importers.flags import parse_exec
from k3stui.importers.k3s_config import merge_configs
from k3stui.importers.netconf import apply_netconf
from k3stui.plan import Plan

# Every finding code the importers emit: code -> (severity, usual key, what it means, source).
# The one list: the rule table (`k3stui rules`) registers these from here.
_NET = "k3s-network.md"
CODES: dict[str, tuple[str, str, str, str]] = {
    "IMPORT001": ("warning", "config", "unknown K3s flag or config key (kept verbatim, did-you-mean)",
                  f"{_NET} §1, §2 (flags.py)"),
    "IMPORT002": ("error", "config", "a flag value of the wrong type (bool / int)", f"{_NET} §2 (flags.py)"),
    "IMPORT003": ("warning", "exec", "a word in the flags string that is not a flag", f"{_NET} §2"),
    "IMPORT004": ("warning", "config", "a key appears twice in one YAML mapping", f"{_NET} §2"),
    "IMPORT005": ("error", "exec", "a flag that needs a value has none", f"{_NET} §2"),
    "IMPORT006": ("warning", "config", "a single-value flag given several times; the last wins",
                  f"{_NET} §2"),
    "IMPORT007": ("error", "config", "a config value K3s cannot use (mapping, null, nested list)",
                  f"{_NET} §2 (pkg/configfilearg/parser.go)"),
    "IMPORT009": ("info", "no-flannel", "no-flannel read as flannel-backend: none", f"{_NET} §1 (#6574)"),
    "NETCONF002": ("error", "Backend.Type",
                   "net-conf.json without Backend or Backend.Type (flannel falls back to udp)",
                   f"{_NET} §0.9, §4"),
    "NETCONF003": ("error", "Network", "net-conf.json network keys disagree with cluster-cidr", f"{_NET} §4"),
    "NETCONF004": ("warning", "Backend", "net-conf.json key spelled differently from flannel's documentation",
                   f"{_NET} §4"),
    "NETCONF005": ("warning", "Backend", "net-conf.json key or backend type flannel does not know",
                   f"{_NET} §4"),
    "NETCONF006": ("warning", "Backend.Type", "net-conf.json Backend.Type disagrees with flannel-backend",
                   f"{_NET} §4"),
    "NETCONF007": ("error", "Backend", "net-conf.json value of the wrong JSON type", f"{_NET} §4"),
}


def build_plan(
    *,
    preset: Plan | None = None,
    configs: Sequence[tuple[str, str]] = (),
    exec_flags: str | None = None,
    netconf: tuple[str, str] | None = None,
    exec_source: str = "--exec",
) -> tuple[Plan, list[Finding]]:
    """Merge every input into one Plan; findings of all importers, in input order."""
    base = preset or Plan()
    merged, findings = merge_configs(configs)
    role: str | None = None
    if exec_flags is not None:
        parsed = parse_exec(exec_flags, exec_source)
        findings.extend(parsed.findings)
        role = parsed.role
        merged.update(parsed.args)  # CLI beats config; a repeated list flag replaces the list
    plan, found = plan_from_args(merged, role=role, base=base)
    findings.extend(found)
    if netconf is not None:
        source, text = netconf
        flag = merged.get("flannel-backend")
        backend_flag = plan.flannel.backend if isinstance(flag, str) or preset is not None else None
        plan, found = apply_netconf(plan, text, source, backend_flag=backend_flag)
        findings.extend(found)
    return plan, findings


__all__ = ["CODES", "apply_netconf", "build_plan", "merge_configs", "parse_exec", "plan_from_args"]
