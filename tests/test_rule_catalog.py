"""k3stui/rule_catalog.json is a cache of the rule registry for `k3stui rules`: it must be exactly what
the registry builds now, and a catalog whose sources changed must never be believed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from k3stui import rule_catalog

REPO = Path(__file__).resolve().parents[1]


def test_the_shipped_catalog_is_what_the_registry_builds() -> None:
    fresh = subprocess.run([sys.executable, "-m", "k3stui.rule_catalog", "--print"], capture_output=True,
                           text=True, cwd=REPO, timeout=120, check=True).stdout
    shipped = Path(rule_catalog.CATALOG).read_text(encoding="utf-8")
    assert shipped == fresh, "the rule registry changed: run python -m k3stui.rule_catalog"


def test_a_fresh_catalog_is_used_and_lists_what_the_registry_does(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = [e.to_dict() for e in rule_catalog.registry_entries()]

    def not_built() -> None:
        raise AssertionError("the registry was built although the catalog is fresh")

    monkeypatch.setattr(rule_catalog, "registry_entries", not_built)
    assert [e.to_dict() for e in rule_catalog.entries()] == registry


@pytest.mark.parametrize("spoil", ["fingerprint", "sources", "missing", "garbage"])
def test_a_stale_or_broken_catalog_falls_back_to_the_registry(spoil: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(Path(rule_catalog.CATALOG).read_text(encoding="utf-8"))
    data["rules"] = data["rules"][:3]  # a catalog that would be wrong if believed
    if spoil == "fingerprint":
        data["fingerprint"] = "00000000"
    elif spoil == "sources":
        data["sources"] = [*data["sources"], "k3stui/no_such_module.py"]
    path = tmp_path / "rule_catalog.json"
    if spoil != "missing":
        path.write_text("{not json" if spoil == "garbage" else json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(rule_catalog, "CATALOG", str(path))
    assert len(rule_catalog.entries()) == len(rule_catalog.registry_entries()) > 3


def test_a_changed_source_changes_the_fingerprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "k3stui").mkdir()
    (tmp_path / "k3stui" / "a.py").write_text("X = 1\n")
    monkeypatch.setattr(rule_catalog, "_ROOT", str(tmp_path))
    before = rule_catalog._fingerprint(["k3stui/a.py"])
    (tmp_path / "k3stui" / "a.py").write_text("X = 2\n")
    assert rule_catalog._fingerprint(["k3stui/a.py"]) != before
