"""Text for people (the air-gap bundle's README): Jinja2 templates, each compiled once per process.

One Environment (no autoescape, StrictUndefined, trailing newline kept, `q` = shell quoting). Short
texts with a few optional lines are built in plain Python where they are made (`k3stui render`'s
install.sh and README.md: importing and compiling Jinja2 was a quarter of a render). Data files never
come from here (`yamlout` dumps them).
"""

from __future__ import annotations

import functools
import shlex
from typing import Any


@functools.cache
def _environment() -> Any:
    import jinja2  # text for people only

    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["q"] = shlex.quote
    return env


@functools.cache
def template(source: str) -> Any:
    """The compiled template of `source` (a module constant: the cache holds each one once)."""
    return _environment().from_string(source)


def render_text(source: str, /, **values: Any) -> str:
    return str(template(source).render(**values))
