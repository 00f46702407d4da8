"""Doctor test helpers: run `k3stui doctor --format json` in-process and read its results."""

from __future__ import annotations

import json

import pytest

from k3stui.cli import main


def doctor_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["doctor", *args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def statuses(data: dict, code: str) -> set[str]:
    return {r["status"] for r in data.get("results", []) if r["code"] == code}
