"""YAML for data (K3s configs, presets): safe loading with exact error positions.

Pure: text in, data out. Any failure becomes an `InputError` naming `source:line:col`, never a
traceback, whatever bytes the user fed us.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from k3stui.findings import Finding, InputError
from k3stui.rules.registry import emit
from k3stui.yaml_import import pyyaml

if TYPE_CHECKING:
    import yaml

# go-yaml v2's plain-scalar patterns (compiled by `_k3s_loader`, on the first K3s config read).
_BOOL_RE = r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"
_GO_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
_INT_RE = r"^(?:[-+]?0b[01_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"
_FLOAT_RE = (r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
             r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_NUMBER_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


@functools.cache
def _plain_loader() -> type[yaml.SafeLoader]:
    """The plain YAML loader, built on first use: PyYAML costs a quarter of `check`'s start-up and
    `check --exec` reads no YAML at all."""
    yaml = pyyaml()

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[misc, valid-type]
        """SafeLoader that records duplicate keys and keeps dates as text.

        Dates: `2024-13-01` would raise ValueError from the timestamp constructor and a date object
        is useless in a flag value anyway; K3s reads every scalar as a string.
        """

        duplicates: list[tuple[str, int, int]]

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen and key_node.value != "<<":
                        mark = key_node.start_mark
                        self.duplicates.append((str(key_node.value), mark.line + 1, mark.column + 1))
                    seen.add(key_node.value)
            return super().construct_mapping(node, deep=deep)

    _Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    _Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_yaml_map)
    _Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)

    return _Loader


@functools.cache
def _k3s_loader() -> type[yaml.SafeLoader]:
    """The loader of K3s config files (go-yaml v2's reading), built when one is read: a preset
    needs none of its patterns."""
    _Loader = _plain_loader()

    class _K3sLoader(_Loader):  # type: ignore[misc, valid-type]
        """How go-yaml v2 (which K3s links) resolves plain scalars: YAML 1.1 booleans including
        y/Y/n/N, floats with or without a dot (`1e3` is 1000), no sexagesimal numbers (`1:30` is
        text)."""

    _K3sLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _NUMBER_TAGS]
        for first, resolvers in _Loader.yaml_implicit_resolvers.items()
    }
    for tag, regexp, first in (
        ("tag:yaml.org,2002:bool", _BOOL_RE, "yYnNtTfFoO"),
        ("tag:yaml.org,2002:int", _INT_RE, "-+0123456789"),
        ("tag:yaml.org,2002:float", _FLOAT_RE, "-+0123456789."),
    ):
        _K3sLoader.add_implicit_resolver(tag, re.compile(regexp), list(first))
    _K3sLoader.add_constructor("tag:yaml.org,2002:bool", _go_bool)
    return _K3sLoader


def _go_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return str(loader.construct_scalar(node)) in _GO_TRUE


def _position(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _has_cycle(data: Any) -> bool:
    """`&a [*a]` loads as a list containing itself; every consumer would recurse forever."""
    done: set[int] = set()
    stack: set[int] = set()

    def visit(obj: Any) -> bool:
        if not isinstance(obj, (list, dict)) or id(obj) in done:
            return False
        if id(obj) in stack:
            return True
        stack.add(id(obj))
        children = list(obj.keys()) + list(obj.values()) if isinstance(obj, dict) else obj
        found = any(visit(child) for child in children)
        stack.discard(id(obj))
        done.add(id(obj))
        return found

    try:
        return visit(data)
    except RecursionError:
        return True


def load_yaml_checked(text: str, source: str, *, k3s: bool = False) -> tuple[Any, list[Finding]]:
    """Load one YAML document; duplicate keys become IMPORT004 warnings (the last one wins,
    as in K3s's parser). `k3s`: resolve scalars as K3s's go-yaml v2 does (a K3s config file)."""
    yaml = pyyaml()

    loader = (_k3s_loader() if k3s else _plain_loader())(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise InputError(f"{source}: {problem}") from None
        raise InputError(f"{source}:{mark.line + 1}:{mark.column + 1}: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line, col = _position(text, exc.position)
        raise InputError(f"{source}:{line}:{col}: {exc.reason} (character {exc.character!r})") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: {exc}") from None
    except RecursionError:
        raise InputError(f"{source}: the YAML is nested too deeply") from None
    except Exception as exc:  # PyYAML constructors raise ValueError, IndexError ... on odd tags
        raise InputError(f"{source}: a value cannot be read ({type(exc).__name__}: {exc})") from None
    finally:
        loader.dispose()
    if _has_cycle(data):
        raise InputError(f"{source}: an alias refers to itself (a recursive structure)")
    findings = [
        emit("IMPORT004", f"{source}:{line}:{col}: key {key!r} appears more than once; "
             "the last value wins", f"keep one {key!r} in {source}", key=key)
        for key, line, col in loader.duplicates
    ]
    return data, findings


def load_yaml(text: str, source: str) -> Any:
    """Load one YAML document or raise `InputError("source:line:col: problem")`."""
    return load_yaml_checked(text, source)[0]


def safe_load(text: str | bytes) -> Any:
    """`yaml.safe_load` through libyaml's CSafeLoader when PyYAML has it (the same data, many times
    faster): for k3stui's own trusted files, such as the shipped chart's values.yaml."""
    yaml = pyyaml()

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
