"""`k3stui rules`: the table in text and JSON."""

from __future__ import annotations

import argparse
import json

import pytest

from k3stui.commands import rules as rules_command
from k3stui.rules import RULES


def test_text_table_lists_every_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert rules_command.run(argparse.Namespace(format="text")) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["CODE", "SEVERITY", "KEY"]
    assert [line.split()[0] for line in out[1:]] == [r.code for r in RULES]


def test_json_is_a_list_of_rule_objects(capsys: pytest.CaptureFixture[str]) -> None:
    assert rules_command.run(argparse.Namespace(format="json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"code", "severity", "key", "title", "source", "stage"} == set(data[0])
    assert {d["code"] for d in data} >= {"CIDR001", "VER001", "IMPORT001", "NETCONF006"}
    assert {d["severity"] for d in data} == {"error", "warning", "info"}


def test_cli_entry_point(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("rules", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == len(RULES)
