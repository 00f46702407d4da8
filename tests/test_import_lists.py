"""What the quick commands may import: start-up is most of their run time (issue 17), so a heavy
module on a path that does not use it is a regression even when every output stays right."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from k3stui import cli

REPO = Path(__file__).resolve().parents[1]
EXEC = "--exec=server --cluster-cidr=10.42.0.0/16,2001:db8:42::/56 --service-cidr=10.43.0.0/16"
NEVER = {"textual", "sh", "jinja2", "ruamel", "jsonschema"}  # no quick command needs any of them

# Runs the command in a fresh interpreter, then lists the modules it loaded.
_PROBE = """
import contextlib, io, json, sys
sys.argv = ["k3stui", *sys.argv[1:]]
from k3stui.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
    code = main()
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _loaded(*argv: str) -> set[str]:
    r = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, cwd=REPO,
                       timeout=120)
    return set(json.loads(r.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize(("argv", "forbidden"), [
    (("check", EXEC), NEVER | {"yaml", "dataclasses", "inspect"}),
    (("check", "--preset", "calico"), NEVER),
    # rules lists the registry's catalog (if this fails: python -m k3stui.rule_catalog)
    (("rules",), NEVER | {"yaml", "dataclasses", "k3stui.plan", "k3stui.rules"}),
    (("--help",), NEVER | {"yaml", "dataclasses", "k3stui.plan"}),
])
def test_quick_commands_import_nothing_heavy(argv: tuple[str, ...], forbidden: set[str]) -> None:
    loaded = _loaded(*argv)
    assert "k3stui.cli" in loaded  # the probe really ran the command
    assert sorted(m for m in loaded if m.partition(".")[0] in forbidden or m in forbidden) == []


def test_render_writes_its_files_without_jinja2_or_jsonschema(tmp_path: Path) -> None:
    """install.sh and README.md are plain Python text; chart values are checked by chart_schema."""
    loaded = _loaded("render", "--preset", "calico", "--out", str(tmp_path / "out"))
    assert (tmp_path / "out" / "server" / "install.sh").is_file()  # the probe really rendered
    assert sorted(m for m in loaded if m.partition(".")[0] in NEVER) == []


def test_help_needs_no_plan() -> None:
    """--help lists every command without importing the plan (its dataclasses cost more than the
    whole parser)."""
    loaded = _loaded("--help")
    assert "dataclasses" not in loaded and "typing" not in loaded


@pytest.mark.parametrize("command", list(cli._COMMANDS))
def test_a_command_built_alone_parses_and_helps_as_in_the_whole_parser(command: str) -> None:
    whole = cli.build_parser()
    alone = cli.build_parser(command, all_commands=False)
    assert alone.format_help() == whole.format_help()

    def helps(parser: object) -> str:
        sub = next(a for a in parser._actions if a.dest == "command")  # type: ignore[attr-defined]
        return sub.choices[command].format_help()

    single = cli.build_parser(command, all_commands=False, list_all=False)  # how a command runs
    assert helps(alone) == helps(whole) == helps(single)
    argv = {"preset": [command, "list"], "bundle": [command, "--out", "b"]}.get(command, [command])
    assert alone.parse_args(argv) == whole.parse_args(argv) == single.parse_args(argv)
    assert single.format_usage() == whole.format_usage()


@pytest.mark.parametrize(("argv", "listed"), [
    (["check", "--help"], False),
    (["--help", "check"], True),
    (["--he", "check"], True),  # a prefix argparse takes for --help
    (["-h"], True),
    (["--root", "--help", "check"], False),  # --root's value
    (["check", "--", "--help"], False),
])
def test_top_level_help_is_told_apart(argv: list[str], listed: bool) -> None:
    assert cli.top_help(argv) is listed


def test_top_level_help_lists_every_command_though_one_is_named() -> None:
    r = subprocess.run([sys.executable, "-m", "k3stui", "--help", "rules"], capture_output=True, text=True,
                       cwd=REPO, timeout=120)
    assert r.returncode == 0 and all(name in r.stdout for name in cli._COMMANDS)


@pytest.mark.parametrize(("argv", "word"), [
    (["check", "--preset", "x"], "check"),
    (["--root", "/r", "render"], "render"),
    (["--ro", "/r", "render"], "render"),  # argparse takes unambiguous prefixes
    (["--out=/o", "bundle", "--out", "b"], "bundle"),
    (["--help"], None),
    ([], None),
])
def test_command_word_finds_the_command_past_top_level_values(argv: list[str], word: str | None) -> None:
    assert cli.command_word(argv) == word
