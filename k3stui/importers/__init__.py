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

# Every finding code the importers emit, for the rule table: code -> (severity, what it means).
CODES: dict[str, tuple[str, str]] = {
    "IMPORT001": ("warning", "unknown K3s flag or config key (kept verbatim, did-you-mean)"),
    "IMPORT002": ("error", "a flag value of the wrong type (bool / int)"),
    "IMPORT003": ("warning", "a word in the flags string that is not a flag"),
    "IMPORT004": ("warning", "a key appears twice in one YAML mapping"),
    "IMPORT005": ("error", "a flag that needs a value has none"),
    "IMPORT006": ("warning", "a single-value flag given several times; the last wins"),
    "IMPORT007": ("error", "a config value K3s cannot use (mapping, null, nested list)"),
    "IMPORT009": ("info", "no-flannel read as flannel-backend: none"),
    "NETCONF002": ("error", "net-conf.json without Backend or Backend.Type (flannel falls back to udp)"),
    "NETCONF003": ("error", "net-conf.json network keys disagree with cluster-cidr"),
    "NETCONF004": ("warning", "net-conf.json key spelled differently from flannel's documentation"),
    "NETCONF005": ("warning", "net-conf.json key or backend type flannel does not know"),
    "NETCONF006": ("warning", "net-conf.json Backend.Type disagrees with flannel-backend"),
    "NETCONF007": ("error", "net-conf.json value of the wrong JSON type"),
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
