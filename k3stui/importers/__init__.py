"""Importers: K3s config files, an INSTALL_K3S_EXEC string and a flannel net-conf.json -> Plan.

All pure: the shells (`k3stui.inputs`, commands, TUI) read the files and pass (source, text) in.
`build_plan` merges them in K3s's order: preset < config files (later wins, `key+:` appends) <
command-line flags (a list flag appends to the files' list, as K3s puts the file's values before
the command line; a plain flag replaces) ; then the net-conf.json, which is what flannel actually
reads, fills the flannel options. Their codes are registered in `k3stui/rules/imports.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from k3stui.findings import Finding
from k3stui.flag_values import is_list_flag
from k3stui.importers.exec_string import parse_exec
from k3stui.importers.k3s_config import merge_configs
from k3stui.importers.netconf import apply_netconf
from k3stui.importers.to_plan import plan_from_args
from k3stui.plan import Plan


def with_command_line(files: Mapping[str, Any], args: Mapping[str, Any]) -> dict[str, Any]:
    """The config files' merged values, then the command line's, as K3s combines them: a list flag
    given on both appends (K3s puts the file's values before the command line and every repeat
    of a slice flag adds; pkg/configfilearg), any other flag replaces."""
    merged = dict(files)
    for name, value in args.items():
        if is_list_flag(name) and name in merged:
            old = merged[name]
            merged[name] = [*(old if isinstance(old, list) else [old]), *value]
        else:
            merged[name] = value
    return merged


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
    reported: frozenset[str] = frozenset()
    if exec_flags is not None:
        parsed = parse_exec(exec_flags, exec_source)
        findings.extend(parsed.findings)
        role = parsed.role
        reported = frozenset(f.key for f in parsed.findings if f.code == "IMPORT010")
        merged = with_command_line(merged, parsed.args)
    plan, found = plan_from_args(merged, role=role, base=base, reported=reported)
    findings.extend(found)
    if netconf is not None:
        source, text = netconf
        flag = merged.get("flannel-backend")
        backend_flag = plan.flannel.backend if isinstance(flag, str) or preset is not None else None
        plan, found = apply_netconf(plan, text, source, backend_flag=backend_flag)
        findings.extend(found)
    return plan, findings


__all__ = [
    "apply_netconf", "build_plan", "merge_configs", "parse_exec", "plan_from_args", "with_command_line",
]
