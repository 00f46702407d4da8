"""One base error for everything a shell catches and turns into a message and an exit code.

The shells (cli.py, the TUI, the installer) catch `K3stuiError` and print `str(exc)`; each kind maps
to one exit code in `exit_codes.py`. Anything else that escapes is a bug (exit 3).
"""

from __future__ import annotations


class K3stuiError(Exception):
    """An ordinary condition with a message for the user (names the file or field and the fix)."""

    exit_code = 2


class InputError(K3stuiError):
    """Input that cannot be used at all (missing file, unparsable YAML/JSON, a FIFO, too large):
    exit 2. The message names the file and, where known, line and column."""


class WriteRefused(K3stuiError):
    """A write k3stui will not or cannot do (outside the root, disk full, read-only): exit 2."""


class RenderRefused(K3stuiError):
    """A plan that cannot be rendered (it has errors, or a value the chart's schema rejects): exit 1."""

    exit_code = 1


class InstallStepFailed(K3stuiError):
    """A step of an install failed; what was done has been undone: exit 1."""

    exit_code = 1
