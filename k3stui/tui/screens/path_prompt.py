"""A small modal asking for a file or folder path (Save preset, Export), with a replace option."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, Input, Label

from k3stui.tui.widgets.choice import Choice


@dataclass(frozen=True)
class PathAnswer:
    path: Path
    replace: bool
    kind: str = ""  # one of the prompt's `kinds` (Export: per role, per node, k3s-ansible)


class PathPromptScreen(ModalScreen[PathAnswer | None]):
    """Dismisses with a PathAnswer, or None when cancelled. `kinds` ((value, label), ...) adds a
    choice of what to write; the first is the default."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, default: Path, *, replace_label: str,
                 kinds: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__()
        self._title, self._default, self._replace_label = title, default, replace_label
        self._kinds = tuple(kinds)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self._title, id="dialog-title")
            if len(self._kinds) > 1:  # one kind needs no question
                yield Choice([value for value, _ in self._kinds], self._kinds[0][0],
                             labels=dict(self._kinds), id="kind")
            yield Input(str(self._default), id="path")
            yield Checkbox(self._replace_label, id="replace")
            with Horizontal(id="dialog-buttons"):
                yield Button("OK", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._answer()

    @on(Button.Pressed, "#ok")
    def _ok_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._answer()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _answer(self) -> None:
        path = typed_path(self.query_one("#path", Input).value, self)
        if path is not None:
            kind = str(self.query_one("#kind", Choice).value) if len(self._kinds) > 1 else (
                self._kinds[0][0] if self._kinds else "")
            self.dismiss(PathAnswer(path, self.query_one("#replace", Checkbox).value, kind))


def typed_path(text: str, screen: Screen[object]) -> Path | None:
    """A path as typed, `~` expanded; None (the user told why) when empty or `~nosuchuser`."""
    text = text.strip()
    if not text:
        screen.notify("Type a path first.", severity="warning")
        return None
    try:
        return Path(text).expanduser()
    except RuntimeError as exc:  # ~name of no user here
        screen.notify(f"{text}: {exc}", severity="error")
        return None
