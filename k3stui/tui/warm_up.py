"""Import what opening a plan needs while the start screen is read, not after the user's Enter.

The start screen paints without the plan editor, the rules, the preset reader or PyYAML (~110 ms of
imports on a small VM). They are imported in a thread started once that screen is up: the screen
takes keys meanwhile (the import releases the GIL between bytecodes), and a choice made before the
thread is done simply waits for the module it needs (Python's import lock), so nothing is imported
twice. Then the app parses the editor's stylesheet (`K3sTuiApp.on_worker_state_changed`).
tests/tui/test_warm_up.py checks that opening a shipped preset imports nothing more.
"""

from __future__ import annotations

import importlib

# What a preset's Enter imports: the editor screen (its widgets, the form table, Textual's tabs),
# the preset reader, and the judgement's rules and implications (`state.judge` imports them lazily).
EDITOR_MODULES = (
    "k3stui.tui.screens.plan_editor",
    "k3stui.presets",
    "k3stui.resources",
    "k3stui.rules",
    "k3stui.rules.imports",
    "k3stui.implications",
    "k3stui.importers.exec_string",
)


def warm_up() -> None:
    """Import EDITOR_MODULES and PyYAML (through `pyyaml`, with its fast reader pattern)."""
    from k3stui.yaml_import import pyyaml

    pyyaml()
    for name in EDITOR_MODULES:
        importlib.import_module(name)
