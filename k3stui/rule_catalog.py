"""The rule registry's entries for `k3stui rules`, without importing every rule and host check.

Building the registry imports every plan rule, the installer's preflight and the doctor (and with
them the plan's dataclasses, hostinfo, ...): most of what `k3stui rules` cost. rule_catalog.json
beside this module holds the entries as the registry builds them, with a fingerprint (CRC-32) of the
source of every k3stui module that building imported. The registry stays the one source of truth:
a catalog whose fingerprint no longer matches those sources, or that is missing or unreadable, is
ignored and the registry is built instead; tests/test_rule_catalog.py keeps the shipped catalog fresh.
Regenerate it with: python -m k3stui.rule_catalog
"""

from __future__ import annotations

import json
import os
import sys
import zlib

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the folder holding k3stui/
CATALOG = os.path.join(_ROOT, "k3stui", "rule_catalog.json")
FIELDS = ("code", "severity", "key", "title", "source", "stage", "doc")


class Entry:
    """One code as `k3stui rules` shows it: RuleInfo's fields, the severity as its text."""

    __slots__ = FIELDS
    code: str
    severity: str
    key: str
    title: str
    source: str
    stage: str
    doc: str

    def __init__(self, **fields: str) -> None:
        for name in FIELDS:
            setattr(self, name, fields[name])

    def to_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}


def _fingerprint(sources: list[str]) -> str:
    crc = 0
    for rel in sources:
        with open(os.path.join(_ROOT, rel), "rb") as fh:
            crc = zlib.crc32(fh.read(), zlib.crc32(rel.encode() + b"\0", crc))
    return f"{crc:08x}"


def registry_entries() -> list[Entry]:
    """Every registered code, sorted, from the registry itself (imports every rule and check)."""
    from k3stui.rules import RULES

    return [Entry(code=r.code, severity=r.severity.value, key=r.key, title=r.title, source=r.source,
                  stage=r.stage, doc=r.doc) for r in RULES]


def entries() -> list[Entry]:
    """The catalog's entries while its sources are unchanged, else the registry's."""
    try:
        with open(CATALOG, encoding="utf-8") as fh:
            data = json.load(fh)
        if _fingerprint(data["sources"]) == data["fingerprint"]:
            return [Entry(**e) for e in data["rules"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return registry_entries()


def catalog_text() -> str:
    """The catalog of the registry as this process built it: run in a fresh interpreter (`python -m
    k3stui.rule_catalog`), so that the sources are exactly the modules building it imports."""
    rules = [e.to_dict() for e in registry_entries()]
    files = [getattr(m, "__file__", None) or "" for name, m in list(sys.modules.items())
             if name == "k3stui" or name.startswith("k3stui.")]
    sources = sorted(os.path.relpath(os.path.abspath(f), _ROOT).replace(os.sep, "/")
                     for f in files if f.endswith(".py"))
    return json.dumps({"fingerprint": _fingerprint(sources), "sources": sources, "rules": rules},
                      indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # python -m k3stui.rule_catalog [--print]
    text = catalog_text()
    if sys.argv[1:] == ["--print"]:
        sys.stdout.write(text)
    else:
        with open(CATALOG, "w", encoding="utf-8") as fh:
            fh.write(text)
