"""Doctor results as text (one line each, a fix line under each failure, a summary) or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from k3stui.doctor.results import Result, counts, exit_code

_COLOURS = {"PASS": "32", "FAIL": "31", "WARN": "33", "SKIP": "36"}


def format_text(results: Sequence[Result], *, colour: bool = False, fixes: bool = True) -> str:
    lines = []
    for r in results:
        line = r.line()
        if colour:
            line = f"\033[{_COLOURS[r.status]}m{r.status}\033[0m" + line[len(r.status) :]
        lines.append(line)
        if fixes and r.fix and r.status in ("FAIL", "WARN"):
            lines.append(f"      fix: {r.fix}")
    lines.append(summary(results))
    return "\n".join(lines)


def summary(results: Sequence[Result]) -> str:
    c = counts(results)
    verdict = "the network is not as planned" if c["FAIL"] else "the network is as planned"
    return f"{verdict}: {c['PASS']} passed, {c['FAIL']} failed, {c['WARN']} warning(s), {c['SKIP']} skipped"


def to_json(results: Sequence[Result], notes: Sequence[str] = ()) -> str:
    data: dict[str, Any] = {
        "results": [r.to_dict() for r in results],
        "summary": counts(results),
        "exit": exit_code(results),
        "notes": list(notes),
    }
    return json.dumps(data, indent=2) + "\n"
