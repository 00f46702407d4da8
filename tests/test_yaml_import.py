"""k3stui.yaml_import hands PyYAML's reader an equal, cheaper pattern: equal over every code point,
and really the one the reader uses when k3stui imports PyYAML first."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from k3stui import yaml_import

REPO = Path(__file__).resolve().parents[1]


def test_the_cheap_class_matches_exactly_the_characters_pyyamls_matches() -> None:
    theirs = re.compile(yaml_import.PYYAML_NON_PRINTABLE)
    ours = re.compile(yaml_import.SAME_CHARACTERS)
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert [m.start() for m in theirs.finditer(every)] == [m.start() for m in ours.finditer(every)]


def test_it_is_pyyamls_own_pattern_and_the_reader_gets_the_cheap_one() -> None:
    probe = ("import sys; from k3stui.yaml_import import pyyaml, SAME_CHARACTERS, PYYAML_NON_PRINTABLE; "
             "yaml = pyyaml(); p = yaml.reader.Reader.NON_PRINTABLE; "
             "print(p.pattern == SAME_CHARACTERS, p.search('ok\\x07') is not None, "
             "yaml.safe_load('a: [1, b]') == {'a': [1, 'b']})\n"
             "try: yaml.load('a: \\x07', Loader=yaml.SafeLoader)\n"
             "except yaml.reader.ReaderError: print('refused')")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO,
                         timeout=120, check=True).stdout.split()
    assert out == ["True", "True", "True", "refused"], "PyYAML's NON_PRINTABLE changed: update yaml_import"
