"""YAML out: the one dumper every data file k3stui writes goes through (config drop-ins, chart
values and manifests, presets, air-gap manifests).

libyaml's C emitter (PyYAML's CSafeDumper) when PyYAML was built with it: about ten times faster
than the pure-Python SafeDumper and byte-identical, except where a quoted scalar has to be folded
at `width` (libyaml folds a double-quoted string at a space, PyYAML with an escaped line break:
the same data, other bytes). So a document holding a multi-line string, or a string with a space
that could reach the width, goes through the pure-Python dumper; tests/test_yamlout.py renders
every preset both ways. PyYAML is imported on the first dump only.

`block_text=True` writes a multi-line string as a literal block (`key: |`), as HelmChart manifests
are written by hand: never folded, so the C emitter writes it byte for byte as PyYAML does, and a
person can read the values inside. A string a literal block cannot hold exactly (trailing spaces,
control characters, a leading space) stays a quoted scalar, through the pure-Python dumper.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any


@functools.cache
def _dumper() -> type:
    from k3stui.yaml_import import pyyaml

    yaml = pyyaml()

    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def _with_blocks(base: type) -> type:
    """`base` writing block-safe multi-line strings as literal blocks."""

    def represent_str(dumper: Any, data: str) -> Any:
        style = "|" if block_safe(data) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    cls = type(f"Block{base.__name__}", (base,), {})
    cls.add_representer(str, represent_str)
    return cls


_NOT_IN_BLOCK = frozenset("\r\t\x85\u2028\u2029\ufeff")


def block_safe(text: str) -> bool:
    """A multi-line string a literal block holds exactly, which both emitters write alike: no
    trailing whitespace on a line, no leading space or line break, at most one final line break,
    printable ASCII only (else the emitters escape it in a quoted scalar)."""
    if not text.isascii() or "\n" not in text or text[0] in " \n" or text.endswith("\n\n"):
        return False
    if not _NOT_IN_BLOCK.isdisjoint(text):
        return False
    return all(line.isprintable() and not line.endswith(" ") for line in text.split("\n"))


def dump(data: Any, **options: Any) -> str:
    """`yaml.safe_dump(data, **options)`, through the fastest safe dumper."""
    return dump_all([data], **options)


def _foldable(data: Any, reach: int, block_text: bool) -> bool:
    """A string in `data` an emitter could fold: a line break (outside a literal block), or a space
    in one `reach` long."""
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        item, is_key = stack.pop()
        if isinstance(item, str):
            if block_text and not is_key and block_safe(item):
                continue  # a literal block: never folded
            if "\n" in item or "\r" in item or (len(item) >= reach and " " in item):
                return True
        elif isinstance(item, dict):
            stack.extend((key, True) for key in item)
            stack.extend((value, False) for value in item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend((value, False) for value in item)
    return False


def dump_all(documents: Iterable[Any], *, block_text: bool = False, **options: Any) -> str:
    """`yaml.safe_dump_all(documents, **options)`, through the fastest safe dumper that writes
    the same bytes; `block_text`: multi-line strings as literal blocks (see above)."""
    from k3stui.yaml_import import pyyaml

    yaml = pyyaml()

    documents = list(documents)
    reach = (options.get("width") or 80) // 2
    dumper = yaml.SafeDumper if _foldable(documents, reach, block_text) else _dumper()
    if block_text:
        dumper = _with_blocks(dumper)
    return yaml.dump_all(documents, Dumper=dumper, **options)
