"""`import yaml` without its slowest line.

At import, PyYAML's pure-Python reader compiles a character class that reaches U+10FFFF
(`yaml.reader.Reader.NON_PRINTABLE`): about 57 million instructions, more than Python's whole
start-up and two thirds of importing PyYAML, for a reader libyaml's CSafeLoader (what k3stui loads
with) never uses. The same set of characters, written as the class of the characters it excludes
(all below U+10000), compiles some fifteen times faster. Before the first `import yaml`, `pyyaml()`
puts that equal pattern in the `re` module's compile cache under the key PyYAML's `re.compile` looks
up, so the reader gets it ready-made. tests/test_yaml_import.py holds the two equal over every code
point; a PyYAML whose pattern differs, or a Python whose `re` caches otherwise, simply misses the
cache and compiles its own.
"""

from __future__ import annotations

import re
import sys
from types import ModuleType

# yaml/reader.py: Reader.NON_PRINTABLE, character for character (PyYAML 5.1 to 6.0.x).
PYYAML_NON_PRINTABLE = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"
# The code points that class leaves out: the same set, without a range above U+FFFF.
SAME_CHARACTERS = "[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uD800-\uDFFF\uFFFE\uFFFF]"


def pyyaml() -> ModuleType:
    """The `yaml` module, imported with the reader's pattern precompiled if it is not loaded yet."""
    module = sys.modules.get("yaml")
    if module is not None:
        return module
    cache = getattr(re, "_cache", None)
    if isinstance(cache, dict):
        cache.setdefault((str, PYYAML_NON_PRINTABLE, 0), re.compile(SAME_CHARACTERS))
    import yaml

    return yaml
