"""The chart packager's .helmignore matching: fnmatch's answers, without a regex per plain pattern."""

from __future__ import annotations

import fnmatch

import pytest

from k3stui.chart import _glob

PATTERNS = ["*.swp", "*~", ".git", "values.local.yaml", "*", "a*", "*a*", "a?c", "[ab]*", "x*y", "", "**",
            "templates/*.yaml"]
NAMES = ["a.swp", ".swp", "swp", "x~", "~", ".git", ".gitx", "values.local.yaml", "a", "abc", "ac", "bcd",
         "xy", "x-y", "xay", "", "templates/calico.yaml", "templates/a/b.yaml", "a*b"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_chart_ignore_globs_match_as_fnmatch_does(pattern: str) -> None:
    for name in NAMES:
        assert _glob(name, pattern) == fnmatch.fnmatchcase(name, pattern), (name, pattern)
