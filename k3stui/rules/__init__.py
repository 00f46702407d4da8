"""The validation rule table: `validate(plan)` runs every rule and returns sorted findings.

Pure and fast (it runs on every keystroke in the TUI): no I/O, no third-party imports. Rules live one
module per concern; each declares the codes it can emit in `RULES`.
"""

from __future__ import annotations

from collections.abc import Sequence

from k3stui import versions as k3s_versions
from k3stui.findings import Finding, sort_findings
from k3stui.plan import Plan

# Importing the modules registers their rules, in this order (order within a severity).
from k3stui.rules import (  # noqa: F401
    addresses,
    agent,
    cni,
    components,
    dns,
    flags_scope,
    flannel,
    ha,
    host,
    imports,
    nodes,
    ports,
    versions,
)
from k3stui.rules.context import Context
from k3stui.rules.registry import FUNCTIONS, INFOS, RuleInfo, emit

__all__ = ["RULES", "RuleInfo", "evaluate", "findings_for", "validate"]



def __getattr__(name: str) -> tuple[RuleInfo, ...]:
    """`RULES`: every registered code, sorted: the plan rules' and importers' (registered above) and
    the host checks' (preflight, doctor), whose modules register on import and cannot be imported
    at module import time (they import the registry): built on access."""
    if name != "RULES":
        raise AttributeError(name)
    from k3stui.rules.registry import load_checks

    load_checks()
    return tuple(sorted(INFOS.values(), key=lambda r: r.code))


def validate(plan: Plan, *, k3s_version: str | None = None, servers: Sequence[Plan] = (),
             server_names: Sequence[str] = ()) -> list[Finding]:
    """Every finding for `plan`: errors, then warnings, then info. `server_names` names the
    `servers` in messages (their config files, say); without it they are named by address.

    The version is `k3s_version`, else the plan's, else the newest known; an unparsable one is
    itself a finding (VER001) and the rules then apply to the newest known release.
    """
    found: list[Finding] = []
    text = k3s_version or plan.k3s_version
    try:
        version = k3s_versions.resolve(text)
    except ValueError as exc:
        hint = f"Use e.g. {k3s_versions.NEWEST_KNOWN}; rules now assume that release."
        found.append(emit("VER001", str(exc), hint))
        version = k3s_versions.resolve(None)
    ctx = Context(plan, version, tuple(servers), tuple(server_names))
    for fn in FUNCTIONS:
        found.extend(fn(ctx))
    return sort_findings(found)


def evaluate(
    plan: Plan, *, k3s_version: str | None = None, servers: Sequence[Plan] = (),
    server_names: Sequence[str] = (),
) -> tuple[Plan, list[Finding]]:
    """The one way every shell judges a plan (check, render, install, preset, the TUI): the values
    the plan's choices imply are applied (`implications.py`), each reported as a note (IMPL001),
    then every rule runs on the result. Returns that plan, which is what gets rendered."""
    from k3stui.implications import apply_implications

    applied, implied = apply_implications(plan)
    found = [
        emit("IMPL001", f"{i.key} is {_show(i.value)}: {i.reason}",
             "Implied by your choices; set it yourself to make it explicit.", key=i.key)
        for i in implied
    ]
    judged = validate(applied, k3s_version=k3s_version, servers=servers, server_names=server_names)
    return applied, sort_findings(found + judged)


def _show(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def findings_for(findings: list[Finding], key: str) -> list[Finding]:
    """The findings shown under one field of the TUI."""
    return [f for f in findings if f.key == key]
