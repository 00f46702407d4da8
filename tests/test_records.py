"""`@record` behaves as `@dataclass(frozen=True)` does, for everything k3stui uses of it."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest

from k3stui import plan as plan_mod
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
