"""JSON Schema (draft 7) for the subset of keywords the k3s-cni chart's values.schema.json uses.

Helm validates the coalesced values against that schema on the node; `k3stui.chart.validate_values`
runs the same check before anything is written. The `jsonschema` package does it too, but importing it
cost more than the rest of `k3stui render`; this validator keeps the check and its messages (the same
text and paths as jsonschema's Draft7Validator, which tests/test_chart_schema.py holds it to over every
preset and hostile values). A keyword outside the subset is refused, never skipped: a chart whose
schema grows a new keyword fails loudly until this module learns it.

`iter_errors(..., valid=DOC)` takes a document already known to be valid under the schema (the chart's
own defaults): a part of the instance that *is* the same object as DOC's part at the same path, reached
through properties, additionalProperties or items, has the same verdict (none), so it is not walked
again. That is how Helm's coalescing leaves most of the values (defaults untouched by the plan), and
their patterns were most of the check's cost. Inside anyOf no part is taken as valid: an alternative
may reject what another accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

Path = tuple[str | int, ...]
Errors = Iterator[tuple[Path, str]]  # (instance path, message)
UNKNOWN: Any = object()  # `valid` when no part of a valid document is known

# Keywords with no say in validity (draft 7: annotations).
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "default", "examples", "$comment"})


class UnsupportedSchema(ValueError):
    """The schema uses a keyword (or a form of one) this validator does not implement."""


def _is_type(instance: Any, name: str) -> bool:
    """Draft 7's types: a bool is no number; 1.0 is an integer (draft 6 on)."""
    if name == "string":
        return isinstance(instance, str)
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "boolean":
        return isinstance(instance, bool)
    if name == "null":
        return instance is None
    if isinstance(instance, bool):
        return False
    if name == "integer":
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    if name == "number":
        return isinstance(instance, (int, float))
    raise UnsupportedSchema(f"unknown type {name!r}")


def _equal(one: Any, two: Any) -> bool:
    """JSON equality: True is not 1, False is not 0 (in lists and maps too)."""
    if isinstance(one, bool) or isinstance(two, bool):
        return type(one) is type(two) and one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_equal(one[k], two[k]) for k in one)
    return bool(one == two)


def check_schema(schema: Any, where: str = "#") -> None:
    """Raise UnsupportedSchema unless every (sub)schema uses only the implemented keywords."""
    if not isinstance(schema, dict):
        raise UnsupportedSchema(f"{where}: a schema must be an object, not {schema!r}")
    unknown = sorted(set(schema) - _KEYWORDS - _ANNOTATIONS)
    if unknown:
        raise UnsupportedSchema(f"{where}: keyword(s) {', '.join(unknown)} not implemented")
    for name, sub in schema.get("properties", {}).items():
        check_schema(sub, f"{where}/properties/{name}")
    extra = schema.get("additionalProperties", True)
    if not isinstance(extra, bool):
        check_schema(extra, f"{where}/additionalProperties")
    if "items" in schema:
        check_schema(schema["items"], f"{where}/items")  # the list form (tuples) is not implemented
    for i, sub in enumerate(schema.get("anyOf", ())):
        check_schema(sub, f"{where}/anyOf/{i}")


def iter_errors(schema: dict[str, Any], instance: Any, path: Path = (), valid: Any = UNKNOWN) -> Errors:
    """(instance path, message) for each violation, keywords in the schema's order, as jsonschema
    yields them. `valid`: the part at `path` of a document valid under the schema (see above)."""
    if instance is valid:
        return
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        yield from _KEYWORD_CHECKS[keyword](value, instance, schema, path, valid)


def error_lines(errors: Errors, most: int = 10) -> list[str]:
    """`path: message` for the first `most` errors, in path order (as a message quotes them)."""
    ordered = sorted(errors, key=lambda e: list(e[0]))
    return [f"{'.'.join(str(p) for p in path) or '(top)'}: {message}" for path, message in ordered[:most]]


def _part(valid: Any, key: str | int) -> Any:
    """The part `key` of a valid document's part, or UNKNOWN."""
    if isinstance(valid, dict):
        return valid.get(key, UNKNOWN)
    if isinstance(valid, list) and isinstance(key, int) and key < len(valid):
        return valid[key]
    return UNKNOWN


def _type(types: Any, instance: Any, schema: dict[str, Any], path: Path, valid: Any) -> Errors:
    names = [types] if isinstance(types, str) else list(types)
    if not any(_is_type(instance, name) for name in names):
        yield path, f"{instance!r} is not of type {', '.join(repr(n) for n in names)}"


def _properties(props: dict[str, Any], instance: Any, schema: dict[str, Any],
                path: Path, valid: Any) -> Errors:
    if isinstance(instance, dict):
        for name, sub in props.items():
            if name in instance:
                yield from iter_errors(sub, instance[name], (*path, name), _part(valid, name))


def _additional(extra: Any, instance: Any, schema: dict[str, Any], path: Path, valid: Any) -> Errors:
    if not isinstance(instance, dict):
        return
    known = schema.get("properties", {})
    extras = [name for name in instance if name not in known]
    if isinstance(extra, dict):
        for name in extras:
            yield from iter_errors(extra, instance[name], (*path, name), _part(valid, name))
    elif extra is False and extras:
        verb = "was" if len(extras) == 1 else "were"
        names = ", ".join(repr(name) for name in sorted(extras, key=str))
        yield path, f"Additional properties are not allowed ({names} {verb} unexpected)"


def _required(names: list[str], instance: Any, schema: dict[str, Any], path: Path, valid: Any) -> Errors:
    if isinstance(instance, dict):
        for name in names:
            if name not in instance:
                yield path, f"{name!r} is a required property"


def _enum(choices: list[Any], instance: Any, schema: dict[str, Any], path: Path, valid: Any) -> Errors:
    if not any(_equal(choice, instance) for choice in choices):
        yield path, f"{instance!r} is not one of {choices!r}"


def _pattern(regex: str, instance: Any, schema: dict[str, Any], path: Path, valid: Any) -> Errors:
    if isinstance(instance, str) and not re.search(regex, instance):
        yield path, f"{instance!r} does not match {regex!r}"


def _size(message_at_one: str, longest: bool, kind: type) -> Any:
    """minLength/maxLength/minItems: the length bound and jsonschema's wording for it."""

    def check(bound: int, instance: Any, schema: dict[str, Any], path: Path, valid: Any) -> Errors:
        if isinstance(instance, kind) and (len(instance) > bound if longest else len(instance) < bound):
            special = bound == (0 if longest else 1)
            words = message_at_one if special else ("is too long" if longest else "is too short")
            yield path, f"{instance!r} {words}"

    return check


def _minimum(bound: float, instance: Any, schema: dict[str, Any], path: Path, valid: Any) -> Errors:
    if _is_type(instance, "number") and instance < bound:
        yield path, f"{instance!r} is less than the minimum of {bound!r}"


def _maximum(bound: float, instance: Any, schema: dict[str, Any], path: Path, valid: Any) -> Errors:
    if _is_type(instance, "number") and instance > bound:
        yield path, f"{instance!r} is greater than the maximum of {bound!r}"


def _items(sub: dict[str, Any], instance: Any, schema: dict[str, Any], path: Path, valid: Any) -> Errors:
    if isinstance(instance, list):
        for i, item in enumerate(instance):
            yield from iter_errors(sub, item, (*path, i), _part(valid, i))


def _any_of(subs: list[dict[str, Any]], instance: Any, schema: dict[str, Any],
            path: Path, valid: Any) -> Errors:
    if not any(next(iter_errors(sub, instance, path), None) is None for sub in subs):
        yield path, f"{instance!r} is not valid under any of the given schemas"


_KEYWORD_CHECKS = {
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "enum": _enum,
    "pattern": _pattern,
    "minLength": _size("should be non-empty", False, str),
    "maxLength": _size("is expected to be empty", True, str),
    "minItems": _size("should be non-empty", False, list),
    "minimum": _minimum,
    "maximum": _maximum,
    "items": _items,
    "anyOf": _any_of,
}

_KEYWORDS = frozenset(_KEYWORD_CHECKS)
