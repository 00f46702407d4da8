"""Paths and switches the tests share (a module of its own: `conftest` is not importable by name
when several folders have one)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Upstream schemas the tests validate against, copied unchanged (provenance in its README.md).
UPSTREAM_SCHEMAS = REPO / "tests" / "data" / "upstream-schemas"
# `make test` sets this: a tool the suite needs (the pinned Helm binaries) missing is a failure, not a skip.
REQUIRE_TOOLS = os.environ.get("K3STUI_REQUIRE_TOOLS") == "1"


def outside_env() -> dict[str, str]:
    """The environment without what points at this checkout or a package source (PYTHONPATH, pip's
    index, find-links and config files)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("PIP_")}
    return {**env, "PIP_CONFIG_FILE": os.devnull}
