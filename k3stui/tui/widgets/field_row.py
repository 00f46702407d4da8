"""One option of the plan: label, the input that edits it, and its own findings right under it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Static

from k3stui.findings import Severity
from k3stui.tui.fields import OPTIONAL_CHOICES, Field, display_text
from k3stui.tui.state import PlanState
from k3stui.tui.widgets.choice import Choice
from k3stui.tui.widgets.in_place import update_static

if TYPE_CHECKING:  # imported where a flags field is built (Host tab): ~20 ms, with its document model
    from textual.widgets import TextArea


def format_value(value: Any) -> str:
    """Plan values as K3s config spells them (true, not True)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _on_off(value: bool) -> str:
    """Said in words, not only in colour: the state must read the same under NO_COLOR."""
    return "on" if value else "off"


def _choice_value(fld: Field, value: Any) -> str | None:
    """A plan value as a Choice holds it: its text, or the blank ("K3s default") when unset."""
    return display_text(fld, value) if value is not None else Choice.BLANK


def _with_value(choices: tuple[str, ...], value: str | None) -> tuple[str, ...]:
    """The choices, with an imported value we do not list added at the end: it shows as it is."""
    return choices if value is None or value in choices else (*choices, value)


_MARK = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "i"}


class FieldRow(Widget):
    """Posts `FieldRow.Edited` when the user changes the value; `refresh_from` shows the state."""

    class Edited(Message):
        def __init__(self, row: FieldRow, value: Any) -> None:
            super().__init__()
            self.row, self.path, self.value = row, row.field.path, value

        @property
        def control(self) -> FieldRow:
            return self.row

    def __init__(self, fld: Field, state: PlanState) -> None:
        super().__init__(id=fld.widget_id, classes="field-row")
        self.field = fld
        self._state = state
        self._shown: tuple[Any, ...] | None = None  # what refresh_from last drew

    def compose(self) -> ComposeResult:
        # No container per line: the row is a grid (label | input, then the notes across both), one
        # widget fewer per option to mount, style and lay out (plan_editor.tcss .field-row). The
        # notes are mounted with the first finding (`notes`): most options never have one.
        fld, value = self.field, self._state.value(self.field.path)
        yield Label(fld.label, classes="field-label")
        if fld.kind == "bool":
            yield Checkbox(_on_off(bool(value)), bool(value), compact=True, classes="field-input")
        elif fld.kind == "choice":
            shown = _choice_value(fld, value)
            yield Choice(_with_value(fld.choices, shown), shown, allow_blank=fld.path in OPTIONAL_CHOICES,
                         prompt="K3s default", classes="field-input")
        elif fld.kind == "flags":  # several lines: one flag a line
            from textual.widgets import TextArea

            yield TextArea(display_text(fld, value), placeholder=fld.placeholder, compact=True,
                           soft_wrap=False, highlight_cursor_line=False, classes="field-input")
        else:
            yield Input(display_text(fld, value), placeholder=fld.placeholder, compact=True,
                        classes="field-input")

    @property
    def input(self) -> Input | Choice | Checkbox | TextArea:
        return cast("Input | Choice | Checkbox | TextArea", self.query_one(".field-input"))

    @property
    def notes(self) -> str:
        """The notes shown under the input ("" when there are none)."""
        widget = self._notes_widget()
        return str(widget.render()) if widget is not None and widget.display else ""

    def _notes_widget(self) -> Static | None:
        return next(iter(self.query_children(".field-notes").results(Static)), None)

    # The row speaks for its input: one message type for the screen to handle. Widgets also post
    # Changed for the value they were built with; only a real change is an edit.
    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._edited(event.value)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._edited(event.text_area.text)

    def on_choice_changed(self, event: Choice.Changed) -> None:
        event.stop()
        self._edited("" if event.value is Choice.BLANK else event.value)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        event.checkbox.label = _on_off(event.value)
        self._edited(event.value)

    def _edited(self, value: str | bool) -> None:
        current = self._state.value(self.field.path)
        unchanged = (bool(current) == value if isinstance(value, bool)
                     else display_text(self.field, current) == value and self.field.path not in
                     self._state.input_errors)
        if not unchanged:
            self.post_message(self.Edited(self, value))

    def refresh_from(self, state: PlanState, *, values: bool = False) -> None:
        """Show this field's findings and implied value; with `values`, also reload the input."""
        self._state = state
        implied = state.implication_for(self.field.path)
        found = tuple(state.findings_for(self.field))
        # A keystroke revalidates every field; redraw only the rows whose notes or state changed.
        shown = (implied, found, state.applied_value(self.field.path) if implied else None)
        if not values and shown == self._shown:
            return
        self._shown = shown
        widget = self.input
        if implied is not None:  # forced by another choice: show the value used, not editable
            self._load_value(state.applied_value(self.field.path))
            widget.disabled = True
        elif values or widget.disabled:
            self._load_value(state.value(self.field.path), load=values)
            widget.disabled = False
        notes = Text()
        if implied is not None:
            notes.append(f"→ {format_value(implied.value)}, implied by your choices (reason above)",
                          style="italic")
        worst: Severity | None = None
        for f in found:
            if notes:
                notes.append("\n")
            bold = "b" if f.severity is Severity.ERROR else ""
            notes.append(f"{_MARK[f.severity]} {f.message}", style=bold)
            if f.hint:
                notes.append(f" — {f.hint}", style="dim")
            worst = f.severity if worst is None or f.severity.rank < worst.rank else worst
        notes_widget = self._notes_widget()
        if notes_widget is not None:
            update_static(notes_widget, notes)
            notes_widget.display = bool(notes)
        elif notes:
            self.mount(Static(notes, classes="field-notes", markup=False))
        for sev in Severity:
            self.set_class(worst is sev, f"-{sev.value}")

    def _load_value(self, value: Any, *, load: bool = False) -> None:
        """Show `value`. Text being typed is left alone (it may read differently from the value it
        makes, "a," for ("a",)), except on a `load`: a new plan replaces it."""
        widget = self.input
        if isinstance(widget, Checkbox):
            with widget.prevent(Checkbox.Changed):
                widget.value = bool(value)
            widget.label = _on_off(bool(value))
        elif isinstance(widget, Choice):
            shown = _choice_value(self.field, value)
            with widget.prevent(Choice.Changed):
                # From the field's own list: a value of an earlier plan does not stay offered.
                widget.options = _with_value(self.field.choices, shown)
                widget.value = shown
        elif self.field.kind == "flags":
            widget = cast("TextArea", widget)
            text = display_text(self.field, value)
            if widget.text != text and (load or not widget.has_focus):
                with widget.prevent(type(widget).Changed):
                    widget.load_text(text)
        else:
            text = display_text(self.field, value)
            if widget.value != text and (load or not widget.has_focus):
                with widget.prevent(Input.Changed):
                    widget.value = text
