"""`@record`: `@dataclass(frozen=True)` without compiling code per class, and without `dataclasses`.

Python 3.11's dataclass writes each class's __init__, __repr__, __eq__, __hash__, __setattr__ and
__delattr__ as source text and compiles them: about 1 ms a class, and the plan's classes alone were
a fifth of `k3stui check`'s start-up; importing `dataclasses` (it imports `inspect`, `ast`, `dis`,
`tokenize`) was another tenth. A record reads its own field table from the class annotations and
shares generic methods over it, which behave as the generated ones do (same errors, same repr):
tests/test_records.py holds them against a real frozen dataclass.

A record is still a dataclass to everything that asks: `dataclasses.fields`, `replace`, `asdict` and
`is_dataclass` find `__dataclass_fields__`, built (and `dataclasses` imported) on first access only.
k3stui's own code uses this module's `field`, `fields`, `replace`, `asdict` and `is_record`, which
never import it. A class body may use either module's `field()`. What k3stui does not use (kw_only
fields) is refused; InitVar and order are not offered.
"""

from __future__ import annotations

import sys
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


class _MissingType:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _MissingType()  # "no default", as dataclasses.MISSING (which is another object)
_TABLE = "__record_fields__"
_SCALARS = (str, int, float, bool, bytes, type(None))  # asdict returns these as they are


class Field:
    """One field of a record: what dataclasses.Field holds, under the same names."""

    __slots__ = (
        "compare",
        "default",
        "default_factory",
        "hash",
        "init",
        "kw_only",
        "metadata",
        "name",
        "repr",
        "type",
    )

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True,
                 repr: bool = True, hash: bool | None = None, compare: bool = True,
                 metadata: Any = None, kw_only: Any = MISSING) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.type: Any = None
        self.default, self.default_factory = default, default_factory
        self.init, self.repr, self.hash, self.compare = init, repr, hash, compare
        self.metadata = {} if metadata is None else metadata
        self.kw_only = kw_only

    def __repr__(self) -> str:
        return f"Field(name={self.name!r},type={self.type!r},default={self.default!r})"


def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True, repr: bool = True,
          hash: bool | None = None, compare: bool = True, metadata: Any = None,
          kw_only: Any = MISSING) -> Any:
    """As dataclasses.field, for a record's class body."""
    return Field(default, default_factory, init, repr, hash, compare, metadata, kw_only)


def _marker(value: Any) -> Field | None:
    """The field settings a class attribute carries: ours, a dataclasses.Field, or none (a plain default)."""
    if isinstance(value, Field):
        return value
    dc = sys.modules.get("dataclasses")  # a dataclasses.Field exists only if dataclasses was imported
    if dc is not None and isinstance(value, dc.Field):
        def own(v: Any) -> Any:
            return MISSING if v is dc.MISSING else v
        return Field(own(value.default), own(value.default_factory), value.init, value.repr, value.hash,
                     value.compare, value.metadata, own(value.kw_only))
    return None


def _is_classvar(annotation: Any) -> bool:
    if isinstance(annotation, str):
        head = annotation.partition("[")[0].strip()
        if head.rpartition(".")[2] == "InitVar":
            raise TypeError("@record: InitVar fields are not supported")
        return head.rpartition(".")[2] == "ClassVar"
    typing = sys.modules.get("typing")
    return typing is not None and (annotation is typing.ClassVar
                                   or getattr(annotation, "__origin__", None) is typing.ClassVar)


def _field_table(cls: type) -> tuple[Field, ...]:
    """The fields in dataclass order: the bases' first (a redefined one keeps its place), then the class's."""
    table: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get(_TABLE, ()):
            table[f.name] = f
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063 (no inspect)
        if _is_classvar(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        f = _marker(value) or Field(default=value)
        if f.kw_only not in (MISSING, False):
            raise TypeError(f"@record {cls.__name__}.{name}: kw_only fields are not supported")
        if f.default is not MISSING and type(f.default).__hash__ is None:  # as dataclass refuses them
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed: "
                             "use default_factory")
        f.name, f.type = name, annotation
        if f.default is MISSING:
            if name in cls.__dict__:  # a field() without a default leaves no class attribute
                delattr(cls, name)
        else:
            setattr(cls, name, f.default)
        table[name] = f  # a redefined field keeps its place, as in dataclass
    return tuple(table.values())


class _DataclassView:
    """`__dataclass_fields__` / `__dataclass_params__` for the dataclasses module, made on first access."""

    def __init__(self, attr: str) -> None:
        self.attr = attr

    def __get__(self, obj: Any, owner: type) -> Any:
        import dataclasses

        def theirs(v: Any) -> Any:
            return dataclasses.MISSING if v is MISSING else v

        made = []
        for f in owner.__dict__[_TABLE]:
            dc = dataclasses.field(default=theirs(f.default), default_factory=theirs(f.default_factory),
                                   init=f.init, repr=f.repr, hash=f.hash, compare=f.compare,
                                   metadata=f.metadata or None)
            dc.name, dc.type, dc.kw_only = f.name, f.type, False  # kw_only: as dataclass() settles it
            made.append(dc)
        if self.attr == "__dataclass_fields__" and hasattr(dataclasses, "_FIELD"):
            # What dataclass() itself does for an ordinary field: mark it one (a private name of
            # dataclasses since 3.7). The fields are read far more often than the params.
            for dc in made:
                dc._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
            owner.__dataclass_fields__ = {dc.name: dc for dc in made}  # type: ignore[attr-defined]
            return owner.__dict__[self.attr]
        shadow = dataclasses.make_dataclass(owner.__name__, [(dc.name, dc.type, dc) for dc in made],
                                            init=False, repr=False, eq=False, frozen=False,
                                            namespace={"__doc__": owner.__doc__})
        for attr in ("__dataclass_fields__", "__dataclass_params__"):
            setattr(owner, attr, shadow.__dict__[attr])  # replaces this view on the class: built once
        return owner.__dict__[self.attr]


def record(cls: T) -> T:
    """A frozen dataclass: immutable, compared and hashed by its fields, shown by `repr`."""
    fields_ = _field_table(cls)
    setattr(cls, _TABLE, fields_)
    for attr in ("__dataclass_fields__", "__dataclass_params__"):
        setattr(cls, attr, _DataclassView(attr))
    if cls.__doc__ is None:
        cls.__doc__ = f"{cls.__name__}({', '.join(f.name for f in fields_)})"
    if "__match_args__" not in cls.__dict__:
        cls.__match_args__ = tuple(f.name for f in fields_ if f.init)  # type: ignore[attr-defined]
    init_fields = tuple(f for f in fields_ if f.init)
    names_in_order = tuple(f.name for f in init_fields)
    accepted = frozenset(names_in_order)
    seen_default: str | None = None
    for f in init_fields:
        if f.default is not MISSING or f.default_factory is not MISSING:
            seen_default = f.name
        elif seen_default is not None:  # dataclasses' words; 3.13 names the default argument too
            named = f" {seen_default!r}" if sys.version_info >= (3, 13) else ""
            raise TypeError(f"non-default argument {f.name!r} follows default argument{named}")
    # the required fields, all before the first default (checked above)
    required = sum(f.default is MISSING and f.default_factory is MISSING for f in init_fields)
    # Each instance starts as a copy of this (field order kept), then takes its arguments over it.
    template = {f.name: f.default for f in init_fields}
    unset = tuple((f.name, f.default_factory) for f in init_fields if f.default is MISSING)
    # init=False fields: their default is set, else __post_init__ sets them (as in dataclass)
    preset = tuple((f.name, f.default, f.default_factory) for f in fields_
                   if not f.init and (f.default is not MISSING or f.default_factory is not MISSING))
    names = frozenset(f.name for f in fields_)
    compared = tuple(f.name for f in fields_ if f.compare)
    hashed = tuple(f.name for f in fields_ if (f.compare if f.hash is None else f.hash))
    shown = tuple(f.name for f in fields_ if f.repr)
    post_init = getattr(cls, "__post_init__", None)
    positional = len(names_in_order)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > positional:
            takes = f"from {required + 1} to {positional + 1}" if required < positional else positional + 1
            raise TypeError(f"{cls.__qualname__}.__init__() takes {takes} positional arguments "
                            f"but {len(args) + 1} were given")
        values = template.copy()
        if args:
            values.update(zip(names_in_order, args, strict=False))  # fewer args than fields
        if kwargs:
            for name in names_in_order[:len(args)]:
                if name in kwargs:
                    raise TypeError(f"{cls.__qualname__}.__init__() got multiple values for argument "
                                    f"{name!r}")
            values.update(kwargs)
        for name, factory in unset:  # required fields, and those with a default_factory
            if values[name] is MISSING:
                if factory is MISSING:
                    raise TypeError(f"{cls.__qualname__}.__init__() missing 1 required positional "
                                    f"argument: {name!r}")
                values[name] = factory()
        if len(values) > positional:
            unknown = next(k for k in kwargs if k not in accepted)
            raise TypeError(f"{cls.__qualname__}.__init__() got an unexpected keyword argument {unknown!r}")
        for name, default, factory in preset:
            values[name] = factory() if default is MISSING else default
        self.__dict__.update(values)  # frozen: written past __setattr__, as dataclass's object.__setattr__
        if post_init is not None:
            post_init(self)

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({inner})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return tuple(getattr(self, n) for n in compared) == tuple(getattr(other, n) for n in compared)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(tuple(getattr(self, n) for n in hashed))

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise _frozen_error()(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise _frozen_error()(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    for method in (__init__, __repr__, __eq__, __hash__, __setattr__, __delattr__):
        if method.__name__ not in cls.__dict__:  # a method the class writes itself wins, as in dataclass
            method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
            setattr(cls, method.__name__, method)
    return cls


def _frozen_error() -> type[Exception]:
    """dataclasses.FrozenInstanceError, which callers catch: imported only when a record is assigned to."""
    import dataclasses

    return dataclasses.FrozenInstanceError


def is_record(obj: Any) -> bool:
    """A record class or instance (as dataclasses.is_dataclass, for records)."""
    cls = obj if isinstance(obj, type) else type(obj)
    return _TABLE in cls.__dict__


def fields(obj: Any) -> tuple[Field, ...]:
    """A record's (class's or instance's) fields, in order."""
    cls = obj if isinstance(obj, type) else type(obj)
    try:
        return cls.__dict__[_TABLE]  # type: ignore[no-any-return]
    except KeyError:
        raise TypeError("must be called with a record type or instance") from None


def replace(obj: Any, /, **changes: Any) -> Any:
    """A copy of a record with some fields changed, as dataclasses.replace."""
    if isinstance(obj, type):
        raise TypeError("replace() should be called on record instances")
    for f in fields(obj):
        if not f.init:
            if f.name in changes:
                raise ValueError(f"field {f.name} is declared with init=False, it cannot be specified with "
                                 "replace()")
        elif f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


def asdict(obj: Any) -> dict[str, Any]:
    """A record as nested dicts (records in lists, tuples and dicts too), as dataclasses.asdict."""
    if isinstance(obj, type) or not is_record(obj):
        raise TypeError("asdict() should be called on record instances")
    return _plain(obj)  # type: ignore[no-any-return]


def _plain(obj: Any) -> Any:
    if type(obj) in _SCALARS:
        return obj
    if is_record(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a namedtuple
        return type(obj)(*[_plain(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return type(obj)(_plain(v) for v in obj)
    if isinstance(obj, dict):
        return type(obj)((_plain(k), _plain(v)) for k, v in obj.items())
    import copy

    return copy.deepcopy(obj)
