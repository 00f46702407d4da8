"""`k3stui rules [CODE]`: every code any module can emit, listed and explained from the registry."""

from __future__ import annotations

import argparse
import ast
import json
import re
from pathlib import Path

import pytest

from k3stui.commands import rules as rules_command

PACKAGE = Path(__file__).resolve().parents[1] / "k3stui"
CODE_RE = re.compile(r"^[A-Z]{2,}[0-9]{3}$")


def _listed(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, str]]:
    assert rules_command.run(argparse.Namespace(format="json", code=None)) == 0
    return {d["code"]: d for d in json.loads(capsys.readouterr().out)}


def emitted_codes() -> dict[str, str]:
    """Every code literal in the package's source (emit/error/warning/info calls, registry entries,
    comparisons): code -> the first file that has it. A code written anywhere is one k3stui prints."""
    out: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE_RE.match(node.value):
                out.setdefault(node.value, str(path.relative_to(PACKAGE.parent)))
    return out


def test_every_code_any_module_emits_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    listed = _listed(capsys)
    emitted = emitted_codes()
    assert {c for c in emitted if c.startswith("INST")} >= {"INST001", "INST013", "INST060", "INST071"}
    missing = {c: where for c, where in emitted.items() if c not in listed}
    assert not missing, f"codes emitted but not registered: {missing}"


def test_every_listed_code_has_a_doc_stage_and_source(capsys: pytest.CaptureFixture[str]) -> None:
    listed = _listed(capsys)
    assert {d["stage"] for d in listed.values()} >= {"plan", "preflight"}
    for code, d in listed.items():
        assert d["doc"] and d["source"] and d["title"], code
        assert set(d) == {"code", "severity", "key", "title", "source", "stage", "doc"}
    assert listed["INST013"]["stage"] == "preflight" and listed["INST013"]["severity"] == "error"
    assert {d["severity"] for d in listed.values()} == {"error", "warning", "info"}


def test_text_table_lists_every_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert rules_command.run(argparse.Namespace(format="text", code=None)) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["CODE", "SEVERITY", "STAGE", "KEY"]
    rows = [line.split()[0] for line in out[1:] if line and not line.startswith("'k3stui")]
    assert rows == [r.code for r in rules_command.all_rules()]


def test_rules_code_explains_a_preflight_code_from_its_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert rules_command.run(argparse.Namespace(format="text", code="inst060")) == 0
    out = capsys.readouterr().out
    info = next(r for r in rules_command.all_rules() if r.code == "INST060")
    assert out.startswith(f"INST060  {info.title}")
    assert "severity: error" in out and "stage:    preflight" in out and f"source:   {info.source}" in out
    assert "Fix: stop what listens there" in out


def test_rules_code_explains_a_plan_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert rules_command.run(argparse.Namespace(format="json", code="HA001")) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["code"] == "HA001" and d["stage"] == "plan" and "10.42.1.0/16" in d["doc"]


def test_an_unknown_code_is_input_error_with_a_suggestion(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("rules", "INST06O")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no rule 'INST06O'" in result.stderr and 'Did you mean "INST06' in result.stderr


def test_cli_entry_point(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("rules", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == len(rules_command.all_rules())
