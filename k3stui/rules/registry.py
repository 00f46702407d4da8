"""The rule registry: every code a rule can emit, with its severity, key, title and source.

A rule is a function `(ctx) -> Iterable[Finding]` decorated with `@rule(info, ...)` listing the codes
it may emit. Findings are built with `emit(code, ...)`, which takes the severity from the registry, so
a rule cannot emit a code (or a severity) it did not declare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Literal

from k3stui.findings import Finding, Severity
from k3stui.records import record

if TYPE_CHECKING:
    from k3stui.rules.context import Context

RuleFn = Callable[["Context"], Iterable[Finding]]

# Where a code is emitted: while reading inputs, judging the plan, checking a host before an install
# (preflight) or after it (doctor). One registry holds them all, so `k3stui rules` lists every code.
Stage = Literal["import", "plan", "preflight", "doctor"]

# Source shorthands (tags of ../shared/reference/k3s-network.md and cni-charts.md).
NET = "k3s-network.md"
CHARTS = "cni-charts.md"


@record
class RuleInfo:
    code: str
    severity: Severity
    key: str  # the key its findings usually carry
    title: str
    source: str
    stage: Stage = "plan"
    doc: str = ""  # what it checks, why, how to fix: `k3stui rules CODE` prints it

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity.value, "key": self.key,
                "title": self.title, "source": self.source, "stage": self.stage}


def E(code: str, key: str, title: str, source: str, *, stage: Stage = "plan", doc: str = "") -> RuleInfo:
    """Table shorthands: E (error), W (warning), N (note)."""
    return RuleInfo(code, Severity.ERROR, key, title, source, stage, doc)


def W(code: str, key: str, title: str, source: str, *, stage: Stage = "plan", doc: str = "") -> RuleInfo:
    return RuleInfo(code, Severity.WARNING, key, title, source, stage, doc)


def N(code: str, key: str, title: str, source: str, *, stage: Stage = "plan", doc: str = "") -> RuleInfo:
    return RuleInfo(code, Severity.INFO, key, title, source, stage, doc)


INFOS: dict[str, RuleInfo] = {}
FUNCTIONS: list[RuleFn] = []
# Checks of a host (preflight, before an install) or of a node/cluster (doctor, after it): functions of
# one context each stage defines (plan, role, host facts, existing setup, rendered files, observations).
HostCheckFn = Callable[..., Iterable[object]]
HOST_CHECKS: dict[Stage, list[HostCheckFn]] = {"preflight": [], "doctor": []}


def register(*infos: RuleInfo) -> None:
    """Record codes; a duplicate code is a programming error caught at import."""
    for info in infos:
        if info.code in INFOS:
            raise ValueError(f"rule code {info.code} registered twice")
        INFOS[info.code] = info


def rule(*infos: RuleInfo) -> Callable[[RuleFn], RuleFn]:
    """Register a rule function and the codes it can emit."""

    def wrap(fn: RuleFn) -> RuleFn:
        register(*infos)
        FUNCTIONS.append(fn)
        return fn

    return wrap


# Modules whose import registers host checks (preflight, doctor). `load_checks` imports them, so
# RULES, `k3stui rules` and preflight see every code; plain rule modules register on import of
# k3stui.rules. (Listed by name: importing them here would be circular.)
CHECK_MODULES = ("k3stui.install.preflight", "k3stui.doctor.checks")


def load_checks() -> None:
    import importlib

    for name in CHECK_MODULES:
        importlib.import_module(name)


def host_check(*infos: RuleInfo) -> Callable[[HostCheckFn], HostCheckFn]:
    """Register a preflight or doctor check and the codes it can emit (all of one stage)."""
    stages = {i.stage for i in infos}
    if len(stages) != 1 or not stages <= {"preflight", "doctor"}:
        raise ValueError(f"a host check's codes must all be preflight or all doctor: {stages}")

    def wrap(fn: HostCheckFn) -> HostCheckFn:
        register(*infos)
        HOST_CHECKS[next(iter(stages))].append(fn)
        return fn

    return wrap


def emit(code: str, message: str, hint: str = "", key: str | None = None) -> Finding:
    info = INFOS[code]
    return Finding(info.severity, code, key if key is not None else info.key, message, hint)
