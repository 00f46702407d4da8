"""cli.main runs a brief command with the cyclic garbage collector off, and gives it back."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from k3stui import cli


@pytest.mark.parametrize(("argv", "collecting"), [
    (["check", "--preset", "calico"], False),
    (["render", "--explain"], False),
    (["rules"], False),
    (["preset", "list"], False),
    (["install", "--dry-run"], True),
    (["doctor"], True),
    (["bundle", "--out", "b"], True),
    ([], True),  # the TUI
])
def test_the_collector_is_off_only_while_a_brief_command_runs(argv: list[str], collecting: bool,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def command(name: str) -> Any:
        def run(args: object) -> int:
            seen.append(gc.isenabled())
            return 0
        return run

    monkeypatch.setattr(cli, "_command", command)
    assert gc.isenabled()
    assert cli.main(argv) == 0
    assert seen == [collecting]
    assert gc.isenabled()  # back on for the caller


def test_a_disabled_collector_stays_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_command", lambda name: lambda args: 0)
    gc.disable()
    try:
        cli.main(["install", "--dry-run"])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_comes_back_when_the_command_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "_command", lambda name: broken)
    assert cli.main(["rules"]) == cli.exit_codes.INTERNAL
    with pytest.raises(SystemExit):
        cli.main(["rules", "--no-such-option"])
    assert gc.isenabled()


def test_run_as_the_program_a_brief_command_ends_collector_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """No `argv`: main is the process (the k3stui script, python -m k3stui), which exits next."""
    monkeypatch.setattr(cli, "_command", lambda name: lambda args: 0)
    monkeypatch.setattr(cli.sys, "argv", ["k3stui", "rules"])
    try:
        assert cli.main() == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    monkeypatch.setattr(cli.sys, "argv", ["k3stui", "doctor"])
    cli.main()
    assert gc.isenabled()
