"""One doctor result: `PASS|FAIL|WARN|SKIP  CODE  subject: observed (plan: expected)` and a fix.

A failed check's status comes from its registry severity (error: FAIL, warning or note: WARN), so a
check cannot fail harder than its code says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Literal

from k3stui import exit_codes
from k3stui.findings import Severity
from k3stui.records import record
from k3stui.rules.registry import INFOS

Status = Literal["PASS", "FAIL", "WARN", "SKIP"]
STATUSES: tuple[Status, ...] = ("FAIL", "WARN", "SKIP", "PASS")


@record
class Result:
    status: Status
    code: str
    subject: str
    observed: str
    expected: str = ""  # what the plan says; "" when the check has no single expected value
    fix: str = ""

    def line(self) -> str:
        plan = f" (plan: {self.expected})" if self.expected else ""
        return f"{self.status:<4}  {self.code}  {self.subject}: {self.observed}{plan}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def passed(code: str, subject: str, observed: str, expected: str = "") -> Result:
    INFOS[code]
    return Result("PASS", code, subject, observed, expected)


def failed(code: str, subject: str, observed: str, expected: str, fix: str) -> Result:
    status: Status = "FAIL" if INFOS[code].severity is Severity.ERROR else "WARN"
    return Result(status, code, subject, observed, expected, fix)


def skipped(code: str, subject: str, why: str) -> Result:
    INFOS[code]
    return Result("SKIP", code, subject, why)


def check(ok: bool, code: str, subject: str, observed: str, expected: str, fix: str) -> Result:
    """PASS when `ok`, else the failure with its fix."""
    return passed(code, subject, observed, expected) if ok else failed(code, subject, observed, expected, fix)


def counts(results: Iterable[Result]) -> dict[Status, int]:
    out: dict[Status, int] = dict.fromkeys(STATUSES, 0)
    for r in results:
        out[r.status] += 1
    return out


def exit_code(results: Iterable[Result]) -> int:
    """0: nothing failed (warnings and skips allowed); 1: at least one FAIL."""
    return exit_codes.FINDINGS if counts(results)["FAIL"] else exit_codes.OK


def is_green(results: Iterable[Result]) -> bool:
    return exit_code(results) == exit_codes.OK
