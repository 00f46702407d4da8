"""The chart packager's .helmignore matching: fnmatch's answers, without a regex per plain pattern."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from k3stui.chart import _glob, chart_files

PATTERNS = ["*.swp", "*~", ".git", "values.local.yaml", "*", "a*", "*a*", "a?c", "[ab]*", "x*y", "", "**",
            "templates/*.yaml"]
NAMES = ["a.swp", ".swp", "swp", "x~", "~", ".git", ".gitx", "values.local.yaml", "a", "abc", "ac", "bcd",
         "xy", "x-y", "xay", "", "templates/calico.yaml", "templates/a/b.yaml", "a*b"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_chart_ignore_globs_match_as_fnmatch_does(pattern: str) -> None:
    for name in NAMES:
        assert _glob(name, pattern) == fnmatch.fnmatchcase(name, pattern), (name, pattern)


def test_chart_files_leave_out_what_helmignore_names(tmp_path: Path) -> None:
    (tmp_path / ".helmignore").write_text("# scratch\n*.swp\n.git/\ntemplates/*.bak\nbuild/\n")
    for rel in ("Chart.yaml", "values.yaml", "a.swp", ".git/config", "templates/x.yaml", "templates/x.bak",
                "templates/deep/y.yaml", "templates/deep/y.swp", "build/out.txt", "notes/build"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(rel.encode())
    files = chart_files(tmp_path)
    assert list(files) == ["Chart.yaml", "notes/build", "templates/deep/y.yaml", "templates/x.yaml",
                           "values.yaml"]  # sorted; "build/" matches folders only; .helmignore itself out
    assert files["templates/deep/y.yaml"] == b"templates/deep/y.yaml"
