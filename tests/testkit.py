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
