"""`@record`: `@dataclass(frozen=True)` without compiling code per class.

Python 3.11's dataclass writes each class's __init__, __repr__, __eq__, __hash__, __setattr__ and
__delattr__ as source text and compiles them: about 1 ms a class, and the plan's classes alone were
a fifth of `k3stui check`'s start-up. A record is still a dataclass to everything that reads one
(`dataclasses.fields`, `replace`, `asdict`, `is_dataclass`, `__match_args__`); only its methods are
shared generic functions over the field table instead of generated ones. They behave as the
generated ones do (same errors, same repr), which tests/test_records.py holds against a real
frozen dataclass. What k3stui does not use (kw_only fields) is refused; InitVar and order are not offered.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T", bound=type)
_MISSING = dataclasses.MISSING


def record(cls: T) -> T:
    """A frozen dataclass: immutable, compared and hashed by its fields, shown by `repr`."""
    undocumented = cls.__doc__ is None
    if undocumented:  # else dataclass would run inspect.signature for one
        cls.__doc__ = cls.__name__
    dataclasses.dataclass(init=False, repr=False, eq=False)(cls)  # the field table only
    fields = dataclasses.fields(cls)
    if undocumented:
        cls.__doc__ = f"{cls.__name__}({', '.join(f.name for f in fields)})"
    for f in fields:
        if f.kw_only:
            raise TypeError(f"@record {cls.__name__}.{f.name}: kw_only fields are not supported")
    spec = tuple((f.name, f.default, f.default_factory) for f in fields if f.init)
    # init=False fields: their default is set, else __post_init__ sets them (as in dataclass)
    preset = tuple((f.name, f.default, f.default_factory) for f in fields
                   if not f.init and (f.default is not _MISSING or f.default_factory is not _MISSING))
    names = frozenset(f.name for f in fields)
    compared = tuple(f.name for f in fields if f.compare)
    hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
    shown = tuple(f.name for f in fields if f.repr)
    required = sum(1 for _, default, factory in spec if default is _MISSING and factory is _MISSING)
    post_init = getattr(cls, "__post_init__", None)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(spec):
            takes = f"from {required + 1} to {len(spec) + 1}" if required < len(spec) else len(spec) + 1
            raise TypeError(f"{cls.__qualname__}.__init__() takes {takes} positional arguments "
                            f"but {len(args) + 1} were given")
        for i, (name, default, factory) in enumerate(spec):
            if i < len(args):
                if name in kwargs:
                    raise TypeError(f"{cls.__qualname__}.__init__() got multiple values for argument "
                                    f"{name!r}")
                value = args[i]
            elif name in kwargs:
                value = kwargs.pop(name)
            elif default is not _MISSING:
                value = default
            elif factory is not _MISSING:
                value = factory()
            else:
                raise TypeError(f"{cls.__qualname__}.__init__() missing 1 required positional argument: "
                                f"{name!r}")
            object.__setattr__(self, name, value)
        for name, default, factory in preset:
            object.__setattr__(self, name, factory() if default is _MISSING else default)
        if kwargs:
            raise TypeError(f"{cls.__qualname__}.__init__() got an unexpected keyword argument "
                            f"{next(iter(kwargs))!r}")
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
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    for method in (__init__, __repr__, __eq__, __hash__, __setattr__, __delattr__):
        if method.__name__ not in cls.__dict__:  # a method the class writes itself wins, as in dataclass
            method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
            setattr(cls, method.__name__, method)
    return cls
