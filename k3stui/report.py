"""Findings as text for people: grouped by severity, colour only on a terminal, NO_COLOR respected."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TextIO

from k3stui.findings import Finding, Severity

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}
_TITLES = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Notes"}


def use_colour(stream: TextIO) -> bool:
    """https://no-color.org: any non-empty NO_COLOR disables colour; so does a non-terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour else text


def format_findings(findings: list[Finding], *, colour: bool = False, secrets: Iterable[str] = ()) -> str:
    """Findings for people; every secret (known values, secret keys' values) masked."""
    from k3stui.secrets import mask_text

    lines: list[str] = []
    for severity in Severity:
        group = [f for f in findings if f.severity is severity]
        if not group:
            continue
        lines.append(_paint(f"{_TITLES[severity]} ({len(group)})", "1;" + _COLOURS[severity], colour))
        for f in group:
            lines.append(f"  {_paint(f.code, _COLOURS[severity], colour)}  {f.key}: {f.message}")
            if f.hint:
                lines.append(f"      fix: {f.hint}")
        lines.append("")
    lines.append(summary_line(findings))
    return mask_text("\n".join(lines), secrets)


def summary_line(findings: list[Finding]) -> str:
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    verdict = "plan has errors" if counts[Severity.ERROR] else "plan is valid"
    return (f"{verdict}: {counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s), "
            f"{counts[Severity.INFO]} note(s)")


def print_findings(findings: list[Finding], stream: TextIO | None = None, *,
                   secrets: Iterable[str] = ()) -> None:
    """Print findings for a person on `stream` (stdout by default), coloured only on a terminal,
    `secrets` (the plan's, `secrets.plan_secrets`) masked."""
    stream = stream or sys.stdout
    print(format_findings(findings, colour=use_colour(stream), secrets=secrets), file=stream)
