"""Exit codes, one place for every command (the README's table)."""

from __future__ import annotations

OK = 0  # no errors (warnings and notes allowed)
FINDINGS = 1  # the plan has at least one error, or an action failed (and was undone)
INPUT = 2  # unusable input: missing or unreadable file, bad YAML/JSON, a bad preset
INTERNAL = 3  # a bug: K3STUI_DEBUG=1 shows the traceback
INTERRUPTED = 130  # Ctrl-C / a signal ended it (after undoing what it did)
