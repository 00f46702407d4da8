"""k3stui.chart_schema against jsonschema's Draft7Validator itself: the same verdict, the same paths and
messages, in the same order, for every preset's chart values and for hostile values put in each place
of them (render validates with chart_schema so that it need not import jsonschema)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from k3stui.chart import coalesce
from k3stui.chart_schema import UnsupportedSchema, check_schema, iter_errors
from k3stui.presets import load_shipped, shipped_names
from k3stui.render.chart_values import chart_needed, chart_values

CHART = Path(__file__).resolve().parents[1] / "charts" / "k3s-cni"
SCHEMA = json.loads((CHART / "values.schema.json").read_text())
DEFAULTS = yaml.safe_load((CHART / "values.yaml").read_text())
HOSTILE: tuple[Any, ...] = (None, True, -1, 2.5, 70000, "", "x" * 300, "$(reboot)\n", "eth0/1", [1],
                            {"unexpected": 1})
DRAFT7 = jsonschema.Draft7Validator(SCHEMA)


def _ours(instance: Any) -> list[tuple[tuple[Any, ...], str]]:
    return list(iter_errors(SCHEMA, instance))


def _theirs(instance: Any) -> list[tuple[tuple[Any, ...], str]]:
    return [(tuple(e.path), e.message) for e in DRAFT7.iter_errors(instance)]


def _merged(name: str) -> dict[str, Any]:
    return coalesce(DEFAULTS, chart_values(load_shipped(name).plan))


def _places(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into `data` (maps and lists), the top excluded."""
    out = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        out.append((*path, key))
        out += _places(value, (*path, key))
    return out


def _with(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def test_the_schema_uses_only_the_implemented_keywords() -> None:
    check_schema(SCHEMA)


@pytest.mark.parametrize("bad", [{"oneOf": []}, {"items": [{"type": "string"}]}, {"type": "any"},
                                 {"properties": {"x": {"format": "ipv4"}}}])
def test_a_keyword_outside_the_subset_is_refused_not_skipped(bad: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedSchema):
        check_schema(bad)
        list(iter_errors(bad, {"x": 1}))


@pytest.mark.parametrize("name", [n for n in shipped_names() if chart_needed(load_shipped(n).plan)])
def test_every_presets_values_get_jsonschemas_verdict(name: str) -> None:
    merged = _merged(name)
    assert _ours(merged) == _theirs(merged) == []
    assert _ours(DEFAULTS) == _theirs(DEFAULTS) == []


@pytest.mark.parametrize("name", ["cilium", "multus-macvlan"])  # each holds every default place too
def test_hostile_values_in_every_place_get_jsonschemas_errors(name: str) -> None:
    merged = _merged(name)
    rejected = 0
    for path in _places(merged):
        for value in HOSTILE:
            bad = _with(merged, path, value)
            theirs = _theirs(bad)
            assert _ours(bad) == theirs, (path, value)
            rejected += bool(theirs)
    extra = _with(merged, ("nope",), 1)
    assert _ours(extra) == _theirs(extra) != []
    for path in [p for p in _places(merged) if isinstance(_get(merged, p), dict)]:
        missing = _with(merged, path, {})
        assert _ours(missing) == _theirs(missing), path
    assert rejected > 100  # the hostile values really hit the schema's checks


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data



def _placed(path: tuple[Any, ...], value: Any) -> Any:
    """DEFAULTS with `value` at `path`, as Helm's coalescing builds it: new maps along the path,
    every other part the very object DEFAULTS holds."""
    nested: Any = value
    for key in reversed(path):
        nested = {key: nested}
    return coalesce(DEFAULTS, nested)


@pytest.mark.parametrize("name", ["calico", "cilium", "multus-macvlan"])
def test_checking_on_top_of_valid_defaults_gives_jsonschemas_errors(name: str) -> None:
    """What render does: the plan's values over the chart's defaults, the defaults taken as valid."""
    merged = _merged(name)
    assert list(iter_errors(SCHEMA, merged, valid=DEFAULTS)) == _theirs(merged) == []
    places = [p for p in _places(DEFAULTS) if all(isinstance(k, str) for k in p)]
    rejected = 0
    for path in places:
        for value in HOSTILE:
            bad = coalesce(merged, _placed(path, value))
            theirs = _theirs(bad)
            assert list(iter_errors(SCHEMA, bad, valid=DEFAULTS)) == theirs, (path, value)
            rejected += bool(theirs)
    assert rejected > 100


def test_only_the_valid_documents_very_parts_are_skipped() -> None:
    """A part is skipped when it *is* the valid document's part at the same place: the same object,
    not an equal one, and never inside anyOf (one alternative rejects what another accepts)."""
    host = ("cilium", "k8sServiceHost")
    bad = _placed(host, "not a host!")
    assert _ours(bad) != []
    assert list(iter_errors(SCHEMA, bad, valid=bad)) == []  # all of it "known valid": nothing walked
    assert list(iter_errors(SCHEMA, bad, valid=json.loads(json.dumps(bad)))) == _ours(bad)  # equal: no
    swapped = _placed(("calico",), DEFAULTS["cilium"])  # the valid part, at another place
    assert list(iter_errors(SCHEMA, swapped, valid=DEFAULTS)) == _theirs(swapped) != []
    # The host's anyOf: each alternative is tried on the part itself, none of them taken as passed.
    schema = {"properties": {"h": {"anyOf": [{"pattern": "^a$"}, {"pattern": "^b$"}]}}}
    assert list(iter_errors(schema, {"h": "c"}, valid={"h": "a"})) == [
        (("h",), "'c' is not valid under any of the given schemas")]
