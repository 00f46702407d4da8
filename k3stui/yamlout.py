"""YAML out: the one dumper every data file k3stui writes goes through (config drop-ins, chart
values and manifests, presets, air-gap manifests).

libyaml's C emitter (PyYAML's CSafeDumper) when PyYAML was built with it: about ten times faster
than the pure-Python SafeDumper and byte-identical, except where a quoted scalar has to be folded
at `width` (libyaml folds a double-quoted string at a space, PyYAML with an escaped line break:
the same data, other bytes). So a document holding a multi-line string, or a string with a space
that could reach the width, goes through the pure-Python dumper; tests/test_yamlout.py renders
every preset both ways. PyYAML is imported on the first dump only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any


@functools.cache
def _dumper() -> type:
    import yaml

    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(data: Any, **options: Any) -> str:
    """`yaml.safe_dump(data, **options)`, through the fastest safe dumper."""
    return dump_all([data], **options)


def _foldable(data: Any, reach: int) -> bool:
    """A string in `data` an emitter could fold: a line break, or a space in one `reach` long."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\n" in item or "\r" in item or (len(item) >= reach and " " in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def dump_all(documents: Iterable[Any], **options: Any) -> str:
    """`yaml.safe_dump_all(documents, **options)`, through the fastest safe dumper that writes
    the same bytes."""
    import yaml

    documents = list(documents)
    reach = (options.get("width") or 80) // 2
    dumper = yaml.SafeDumper if _foldable(documents, reach) else _dumper()
    return yaml.dump_all(documents, Dumper=dumper, **options)
