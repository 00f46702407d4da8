"""The installer seen from the TUI: build its plan of action (the dry run) and carry it out.

The same calls `k3stui install` makes: read the host under `root` (HostReader), `plan_actions`,
`describe` for the dry run, `run_actions` to do it. No Textual here: the screen runs these in a
worker thread.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from k3stui.tui.state import PlanState


def installer_missing() -> str | None:
    """Why Install is off, or None when the installer is in this build."""
    try:
        from k3stui.install.actions import describe, plan_actions  # noqa: F401
        from k3stui.install.hostinfo import HostReader  # noqa: F401
        from k3stui.install.runner import run_actions  # noqa: F401
    except ImportError:
        return "installer not available in this build"
    return None


def dry_run(state: PlanState, root: Path) -> tuple[Any, str]:
    """(Actions, the dry-run text). Reads the host (files, addresses, modules) but changes nothing."""
    from k3stui.install.actions import describe, node_paths, plan_actions
    from k3stui.install.hostinfo import HostReader

    plan, version = state.applied, state.applied.k3s_version
    role = plan.role
    host = HostReader(root).read(files=node_paths(plan, role, None, version))
    actions = plan_actions(plan, role, str(root), host, k3s_version=version,
                           stamp=time.strftime("%Y%m%dT%H%M%S"))
    return actions, describe(actions)


def step_count(actions: Any) -> int:
    """Steps the progress bar counts: one per file and one per command (the runner logs each)."""
    return len(actions.files) + len(actions.commands)


# The runner's log lines that start a step (k3stui.install.runner.run_actions).
STEP_PREFIXES = ("writing ", "unchanged: ", "running: ", "skipped ")


def run(actions: Any, on_line: Any) -> Any:
    from k3stui.install.runner import as_lines, run_actions

    return run_actions(actions, as_lines(on_line))
