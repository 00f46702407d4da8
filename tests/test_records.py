"""`@record` behaves as `@dataclass(frozen=True)` does, for everything k3stui uses of it."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest

from k3stui import plan as plan_mod
from k3stui import records
from k3stui.records import record


def _pair() -> tuple[type, type]:
    def body() -> dict[str, Any]:
        return {
            "__annotations__": {"name": "str", "size": "int", "tags": "tuple[str, ...]",
                                "extra": "dict[str, Any]", "secret": "str"},
            "size": 1,
            "tags": (),
            "extra": field(default_factory=dict),
            "secret": field(default="s", repr=False, compare=False),
            "__module__": __name__,
        }

    ours = record(type("Thing", (), body()))
    theirs = dataclass(frozen=True)(type("Thing", (), body()))
    return ours, theirs


def _outcome(fn: Any) -> Any:
    try:
        return ("ok", fn())
    except Exception as exc:  # the kind and text of the error are part of the behaviour
        return (type(exc).__name__, str(exc).replace("Thing.__init__()", "__init__()"))


@pytest.mark.parametrize(("args", "kwargs"), [
    (("a",), {}),
    (("a", 2, ("x",)), {"extra": {"k": 1}}),
    ((), {"name": "a", "secret": "t"}),
    ((), {}),  # missing required
    (("a", 1, (), {}, "s", "too many"), {}),
    (("a",), {"name": "b"}),  # twice
    (("a",), {"colour": "red"}),  # unknown
])
def test_init_repr_eq_hash_match_a_frozen_dataclass(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    ours, theirs = _pair()
    a, b = _outcome(lambda: ours(*args, **kwargs)), _outcome(lambda: theirs(*args, **kwargs))
    assert a[0] == b[0]
    if a[0] != "ok":
        assert a[1] == b[1]
        return
    x, y = a[1], b[1]
    assert repr(x) == repr(y)
    assert dataclasses.asdict(x) == dataclasses.asdict(y)
    assert [f.name for f in dataclasses.fields(x)] == [f.name for f in dataclasses.fields(y)]
    assert x == ours(*args, **kwargs) and x != y  # another class is never equal
    assert _outcome(lambda: hash(x))[0] == _outcome(lambda: hash(y))[0]  # a dict field: unhashable


def test_frozen_replace_and_defaults() -> None:
    ours, _ = _pair()
    x = ours("a")
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'name'"):
        x.name = "b"
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'size'"):
        del x.size
    y = dataclasses.replace(x, size=5)
    assert (y.name, y.size, x.size) == ("a", 5, 1)
    assert ours("a").extra is not ours("a").extra  # default_factory runs per instance
    assert ours("a", secret="other") == x  # compare=False fields are not compared
    assert dataclasses.is_dataclass(x) and ours.__match_args__ == ("name", "size", "tags", "extra", "secret")


def test_the_plan_still_is_frozen_data() -> None:
    p = plan_mod.Plan(cluster_cidr=("10.42.0.0/16",), token=plan_mod.Secret("hunter2"))
    assert p == pickle.loads(pickle.dumps(p))
    assert hash(plan_mod.Node("a", "10.0.0.1")) == hash(plan_mod.Node("a", "10.0.0.1"))
    assert "hunter2" not in repr(p)
    edited = plan_mod.with_value(p, "cni.multus.whereabouts", True)
    assert edited.cni.multus == plan_mod.Multus(whereabouts=True)
    assert plan_mod.Plan.__doc__ == "Plan(" + ", ".join(f.name for f in dataclasses.fields(p)) + ")"


def test_unsupported_field_kinds_are_refused() -> None:
    with pytest.raises(TypeError, match="not supported"):
        record(type("Bad", (), {"__annotations__": {"a": "int"}, "a": field(default=1, kw_only=True)}))


def test_init_false_fields_take_their_default_or_post_init() -> None:
    def post(self: Any) -> None:
        object.__setattr__(self, "later", self.a * 2)

    body = {"__annotations__": {"a": "int", "b": "int", "later": "int"}, "b": field(default=3, init=False),
            "later": field(init=False, repr=False), "__post_init__": post}
    x = record(type("P", (), dict(body)))(2)
    y = dataclass(frozen=True)(type("P", (), dict(body)))(2)
    assert (x.a, x.b, x.later) == (y.a, y.b, y.later) == (2, 3, 4) and repr(x) == repr(y)


def test_own_helpers_match_the_dataclasses_ones() -> None:
    """k3stui calls records.fields/replace/asdict (no dataclasses import); they agree with dataclasses'."""
    ours, _ = _pair()
    x = ours("a", 2, ("t",), {"k": [ours("b")]})
    assert [f.name for f in records.fields(x)] == [f.name for f in dataclasses.fields(x)]
    assert [(f.default, f.init, f.repr, f.compare) for f in records.fields(ours)] == [
        (records.MISSING if f.default is dataclasses.MISSING else f.default, f.init, f.repr, f.compare)
        for f in dataclasses.fields(ours)]
    assert records.asdict(x) == dataclasses.asdict(x)
    assert records.replace(x, size=7) == dataclasses.replace(x, size=7)
    assert records.is_record(x) and records.is_record(ours) and not records.is_record("Plan")
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        records.replace(x, colour="red")
    with pytest.raises(TypeError, match="record"):
        records.fields(object())


def test_record_rules_match_dataclass_rules() -> None:
    def attempt(make: Any) -> str:
        try:
            make()
        except (TypeError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"
        return "ok"

    def bodies() -> list[dict[str, Any]]:
        return [{"__annotations__": {"a": "int", "b": "int"}, "a": 1},  # non-default after default
                {"__annotations__": {"a": "list[int]"}, "a": []},  # mutable default
                {"__annotations__": {"a": ClassVar[int], "b": "int"}, "a": 1}]  # not a field

    for body, twin in zip(bodies(), bodies(), strict=True):
        assert attempt(lambda b=body: record(type("R", (), b))) == attempt(
            lambda b=twin: dataclass(frozen=True)(type("R", (), b)))
    r = record(type("R", (), bodies()[2]))
    assert [f.name for f in records.fields(r)] == ["b"] and r.a == 1


def test_records_do_not_import_dataclasses_until_asked() -> None:
    probe = ("import sys; from k3stui import plan, records; p = records.replace(plan.Plan(), role='agent'); "
             "records.asdict(p); plan.with_value(p, 'flannel.backend', 'host-gw'); "
             "print('dataclasses' in sys.modules); import dataclasses; "
             "print(dataclasses.fields(p) == dataclasses.fields(plan.Plan) and dataclasses.is_dataclass(p))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.split()
    assert out == ["False", "True"]


def test_dataclasses_sees_the_fields_a_dataclass_has() -> None:
    ours, theirs = _pair()

    def shown(cls: type) -> list[tuple[Any, ...]]:
        return [(f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.hash, f.compare, f.kw_only,
                 f._field_type) for f in dataclasses.fields(cls)]  # type: ignore[attr-defined]

    assert shown(ours) == shown(theirs)
    assert ours.__dataclass_params__.init is False  # asked for after the fields (the record writes __init__)
    assert shown(ours) == shown(theirs)
