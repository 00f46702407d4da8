"""`k3stui rules [CODE]`: every code k3stui can print — the importers', the plan rules', the
installer's preflight checks and any other registered host check (doctor) — from the one registry;
with a CODE, what that code checks, why, how to fix it and its source."""

from __future__ import annotations

import argparse
import sys

from k3stui import exit_codes
from k3stui.errors import InputError
from k3stui.rule_catalog import Entry, entries


def all_rules() -> list[Entry]:
    """Every registered code, sorted: the registry's entries, from its catalog while that is fresh
    (`k3stui.rule_catalog`: building the registry imports every rule and host check)."""
    return entries()


def doc_of(info: Entry) -> str:
    """The entry's own doc; for a code whose title says it all, one generated from its entry."""
    if info.doc:
        return info.doc
    return (f"What: {info.title} ({info.severity}, reported under `{info.key}`). The finding's "
            f"message names the value and its hint the fix. Source: {info.source}.")


def _entry(info: Entry) -> dict[str, str]:
    return {**info.to_dict(), "doc": doc_of(info)}


def _explain(info: Entry) -> str:
    import textwrap

    lines = [
        f"{info.code}  {info.title}",
        f"  severity: {info.severity}",
        f"  stage:    {info.stage}",
        f"  key:      {info.key}",
        f"  source:   {info.source}",
        "",
        *textwrap.wrap(doc_of(info), width=96, initial_indent="  ", subsequent_indent="  ",
                      break_on_hyphens=False),
    ]
    return "\n".join(lines) + "\n"


def _find(code: str, rules: list[Entry]) -> Entry:
    from k3stui.findings import did_you_mean

    wanted = code.strip().upper()
    for info in rules:
        if info.code == wanted:
            return info
    raise InputError(f"no rule {code!r}.{did_you_mean(wanted, [r.code for r in rules])} "
                     "'k3stui rules' lists every code")


def run(args: argparse.Namespace) -> int:
    rules = all_rules()
    code = getattr(args, "code", None)
    as_json = getattr(args, "format", "text") == "json"
    if as_json:
        import json
    if code:
        info = _find(code, rules)
        if as_json:
            json.dump(_entry(info), sys.stdout, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(_explain(info))
        return exit_codes.OK
    if as_json:
        json.dump([_entry(r) for r in rules], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return exit_codes.OK
    head = ("CODE", "SEVERITY", "STAGE", "KEY")
    rows = [(r.code, r.severity, r.stage, r.key) for r in rules]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + "  TITLE")
    for r, cells in zip(rules, rows, strict=True):
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + f"  {r.title}")
    print("\n'k3stui rules CODE' explains one: what it checks, why, how to fix it, its source.")
    return exit_codes.OK
