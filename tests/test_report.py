"""Text output for people: grouped by severity, colour only on a terminal, NO_COLOR respected."""

from __future__ import annotations

import io

import pytest

from k3stui.findings import error, info, warning
from k3stui.report import format_findings, use_colour

FOUND = [info("CIDR050", "cluster-cidr", "allows 256 nodes"),
         error("CIDR003", "cluster-cidr", "host bits set", "Write 10.42.0.0/16"),
         warning("PORT004", "service-node-port-range", "overlaps ephemeral ports")]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_groups_errors_first_with_fix_lines() -> None:
    text = format_findings(FOUND)
    assert text.index("Errors (1)") < text.index("Warnings (1)") < text.index("Notes (1)")
    assert "fix: Write 10.42.0.0/16" in text and "\033[" not in text
    assert text.rstrip().endswith("plan has errors: 1 error(s), 1 warning(s), 1 note(s)")


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(_Tty()) and not use_colour(io.StringIO())
    assert "\033[31m" in format_findings(FOUND, colour=True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(_Tty())
