"""`k3stui rules`: the rule table, every code any rule or importer can emit."""

from __future__ import annotations

import argparse
import json
import sys


def run(args: argparse.Namespace) -> int:
    from k3stui.rules import RULES

    if getattr(args, "format", "text") == "json":
        json.dump([r.to_dict() for r in RULES], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    head = ("CODE", "SEVERITY", "KEY")
    rows = [(r.code, r.severity.value, r.key) for r in RULES]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(3)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + "  TITLE")
    for r, cells in zip(RULES, rows, strict=True):
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + f"  {r.title}")
    return 0
