"""Codes emitted outside the rule functions — by the importers (their list is
`k3stui.importers.CODES`), by `rules.evaluate` for implied values and by `preset import` — so that
RULES, and `k3stui rules`, show every code."""

from __future__ import annotations

from k3stui.findings import Severity
from k3stui.importers import CODES
from k3stui.rules.registry import NET, N, RuleInfo, W, register

register(
    *(RuleInfo(code, Severity(sev), key, title, source) for code, (sev, key, title, source) in CODES.items()),
    N("IMPL001", "cni.kind", "a value implied by another choice was applied",
      f"{NET} §8 (custom CNI needs flannel-backend none, disable-network-policy)"),
    W("PRESET001", "token", "preset import dropped a secret (a preset never stores one)",
      f"{NET} §2 (K3S_TOKEN_FILE)"),
)
