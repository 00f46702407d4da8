"""Import what opening a plan needs while the start screen is read, not after the user's Enter.

The start screen paints without the plan editor, the rules, the preset reader or PyYAML (~110 ms of
imports on a small VM). They are imported in a thread started once that screen is up: the screen
takes keys meanwhile (the import releases the GIL between bytecodes), and a choice made before the
thread is done simply waits for the module it needs (Python's import lock), so nothing is imported
twice. Then the app parses the editor's stylesheet and its widgets' default CSS (in the loop:
`K3sTuiApp.on_worker_state_changed`), which Textual would otherwise parse when they first mount.
tests/tui/test_warm_up.py checks that opening a shipped preset imports and parses nothing more.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.css.types import CSSLocation

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


# The widget types the editor mounts at Enter that the start screen has not (their bases come with them).
EDITOR_WIDGETS = (
    ("textual.widgets", "Button"),
    ("textual.widgets", "TabbedContent"),
    ("textual.widgets", "TabPane"),
    ("textual.widgets", "Tab"),
    ("textual.widgets", "Tabs"),
    ("textual.widgets._tabs", "Underline"),
    ("textual.widgets", "ContentSwitcher"),
    ("textual.containers", "Horizontal"),
    ("textual.containers", "VerticalScroll"),
    ("textual.containers", "Container"),
    ("k3stui.tui.widgets.choice", "Choice"),
)


def editor_default_css() -> list[tuple[CSSLocation, str, int, str]]:
    """The EDITOR_WIDGETS' DEFAULT_CSS sources, each as Textual's Widget._post_register adds it
    (location, css, tie-breaker, scope): added before Enter, they are not parsed again then."""
    from textual.dom import DOMNode

    sources = []
    for module, name in EDITOR_WIDGETS:
        cls = getattr(importlib.import_module(module), name)
        # Textual's own reading of a class's CSS; it looks only at the node's bases.
        sources += DOMNode._get_default_css(SimpleNamespace(_node_bases=cls._css_bases(cls)))  # type: ignore[arg-type]
    return sources
