"""What the runner reports while it carries out `Actions`: typed events, not log lines.

The runner calls `on_event(event)` for each; the log file, the CLI's output and the TUI's progress
screen are subscribers. Every text in an event is already masked (no secret ever reaches one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

StepKind = Literal["file", "sysctl", "command", "check"]


@dataclass(frozen=True)
class StepStarted:
    index: int  # 1-based
    total: int
    kind: StepKind
    title: str  # "writing /etc/rancher/k3s/config.yaml.d/50-k3stui-network.yaml"


@dataclass(frozen=True)
class OutputLine:
    text: str  # one line of the install script's output, masked, without its newline
    stream: Literal["stdout", "stderr"] = "stdout"


@dataclass(frozen=True)
class StepDone:
    index: int
    total: int
    title: str
    changed: bool = True  # False: the file was already as planned (skipped)


@dataclass(frozen=True)
class StepFailed:
    index: int
    total: int
    title: str
    reason: str  # what failed, in words ("install.sh exited 1", "disk full writing …")


@dataclass(frozen=True)
class Undone:
    """Rollback finished (after a failure or a signal); `problems` lists what could not be restored."""

    restored: tuple[str, ...]
    problems: tuple[str, ...] = ()
    signal: str | None = None  # "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT" when a signal ended the run


@dataclass(frozen=True)
class Finished:
    ok: bool
    message: str
    log_path: str | None = None


Event = StepStarted | OutputLine | StepDone | StepFailed | Undone | Finished
OnEvent = Callable[[Event], None]
