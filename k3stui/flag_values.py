"""How K3s sees a flag's name and value (short names, list flags, Go's scalar text, secrets masked in
messages): shared by the importers, presets, preflight and the TUI."""

from __future__ import annotations

import math
from typing import Any

from k3stui import flags

# Values never echoed into a message or a preset.
SECRET_KEYS: frozenset[str] = flags.SECRETS

KNOWN_NAMES: tuple[str, ...] = tuple(flags.FLAGS)

# Go's strconv.ParseBool, which urfave/cli uses for bool flags: these spellings and no others.
PARSEBOOL_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
PARSEBOOL_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def scalar_text(value: Any) -> str:
    """How Go's convert.ToString renders a YAML scalar: booleans lower case, None empty, floats
    as strconv.FormatFloat(f, 'f', -1) (1e3 -> "1000", 1.5 -> "1.5")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def _go_float(value: float) -> str:
    from decimal import Decimal  # only for YAML floats: keeps `check` start-up light

    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def show(key: str, value: Any) -> str:
    """A value for a message: secrets are masked."""
    return "'********'" if key in SECRET_KEYS else repr(value)


def canonical_name(name: str) -> str:
    """`i` -> `node-ip`; long names unchanged."""
    return flags.SHORT_FLAGS.get(name, name)


def is_list_flag(name: str) -> bool:
    flag = flags.lookup(name)
    return flag is not None and flag.kind == "list"


def kind_of(value: Any) -> str:
    """A YAML value's type in words, for messages: "a mapping", "a list", "null", "a number"..."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string"}.get(
        type(value), type(value).__name__)
