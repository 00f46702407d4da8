"""A field with a fixed list of values, light enough for every option row of the editor.

Textual's `Select` mounts six widgets per field (its current value, three statics, an overlay and the
overlay's option list), all styled and laid out with the form though the list is seen only when it is
opened: 12 of the Cluster tab's 66 widgets. `Choice` is one widget that draws its value; its list is a
small modal screen (`ChoiceList`), built when it opens and gone when it closes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from textual.app import ComposeResult

_ARROW = "▾"
_CURRENT = " ✓"  # after the current value in the open list: a mark, not only a colour (NO_COLOR)
_LIST_ROWS = 10  # options shown at once in the open list; more scroll
_LIST_FRAME = 2  # the list's border: one cell each side


class Choice(Widget, can_focus=True):
    """One of a fixed list of values, or `BLANK` ("K3s default") when `allow_blank`; a value is shown
    as itself, or as its entry in `labels`.

    Enter, space or a click opens the list; left / right step to the previous / next value without
    opening it (up / down stay free to scroll the form, as on the other rows). Posts `Choice.Changed`
    when the value changes: a pick, a step, or a code set outside `prevent(Choice.Changed)`."""

    BLANK: ClassVar[None] = None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "open", "Open list", show=False),
        Binding("left", "step(-1)", "Previous value", show=False),
        Binding("right", "step(1)", "Next value", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"choice--prompt", "choice--arrow"}
    # The look of a compact Input: no border, a tint when focused or invalid.
    DEFAULT_CSS = """
    Choice {
        width: 1fr;
        height: 1;
        padding: 0 1 0 0;
        background: $surface;
        color: $foreground;
        pointer: pointer;
        &:focus {
            background-tint: $foreground 5%;
        }
        &.-invalid {
            background-tint: $error 20%;
        }
        & > .choice--prompt {  /* as the Inputs' placeholders (app.tcss): a default, not a value */
            color: $text-muted;
            text-style: dim italic;
        }
        & > .choice--arrow {
            color: $foreground 50%;
        }
        &:ansi {
            background: ansi_default;
            color: ansi_default;
            & > .choice--prompt {
                color: ansi_default;
            }
        }
    }
    """

    class Changed(Message):
        """The value changed; `value` is a str, or `Choice.BLANK`."""

        def __init__(self, choice: Choice, value: str | None) -> None:
            super().__init__()
            self.choice, self.value = choice, value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, options: Iterable[str], value: str | None = None, *, allow_blank: bool = False,
                 prompt: str = "K3s default", labels: Mapping[str, str] | None = None,
                 id: str | None = None, classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(id=id, classes=classes, disabled=disabled)
        self._options = tuple(options)
        self._labels = dict(labels or {})  # how a value reads, where not as itself
        self._allow_blank = allow_blank
        self.prompt = prompt
        self._value = self._valid(value)
        self.tooltip = "Enter: the list · ←/→: previous/next value"

    # ----------------------------------------------------------------------------- value
    @property
    def options(self) -> tuple[str, ...]:
        return self._options

    @options.setter
    def options(self, options: Iterable[str]) -> None:
        """New options; a value no longer among them becomes the blank (or the first option)."""
        options = tuple(options)
        if options != self._options:
            self._options = options
            self.value = self._value if self._value in options else None
            self.refresh()

    @property
    def values(self) -> tuple[str | None, ...]:
        """What the list offers, in its order: the blank first when it is allowed."""
        return ((self.BLANK,) if self._allow_blank else ()) + self._options

    @property
    def value(self) -> str | None:
        return self._value

    @value.setter
    def value(self, value: str | None) -> None:
        value = self._valid(value)
        if value != self._value:
            self._value = value
            self.refresh()
            self.post_message(self.Changed(self, value))

    def _valid(self, value: str | None) -> str | None:
        """`value`, or the first option for a blank that is not allowed (as Select does).
        Raises ValueError for a value not among the options."""
        if value is None and not self._allow_blank:
            if not self._options:
                raise ValueError("a Choice without a blank needs at least one option")
            return self._options[0]
        if value is not None and value not in self._options:
            raise ValueError(f"{value!r} is not one of {', '.join(self._options)}")
        return value

    def label(self, value: str | None) -> str:
        """A value in words: the prompt for the blank, its label where it has one."""
        return self.prompt if value is None else self._labels.get(value, value)

    # ----------------------------------------------------------------------------- drawing
    def render(self) -> Text:
        label = Text(self.label(self._value), no_wrap=True, overflow="ellipsis")
        if self._value is None:  # dim: "K3s default" is no value of its own
            label.stylize(self.get_component_rich_style("choice--prompt"))
        # From the size the layout gave it: `size` asks the compositor for the region (~10 ms a widget
        # while a new screen is being laid out).
        width = self.outer_size.width - self.styles.gutter.width
        label.truncate(max(width - 2, 1), overflow="ellipsis")
        gap = " " * max(width - label.cell_len - 1, 1)
        return Text.assemble(label, gap, (_ARROW, self.get_component_rich_style("choice--arrow")))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max(cell_len(self.label(v)) for v in self.values) + 2

    # ----------------------------------------------------------------------------- actions
    def action_step(self, step: int) -> None:
        values = self.values
        index = values.index(self._value) + step
        if 0 <= index < len(values):  # a spinner: it stops at either end
            self.value = values[index]

    def action_open(self) -> None:
        if self.app.screen is not self.screen:  # a list already opening or open over this screen
            return
        self.app.push_screen(ChoiceList(self), self._picked)

    def _picked(self, index: int | None) -> None:
        if index is not None and self.is_attached:
            self.value = self.values[index]

    def _on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_open()


class ChoiceList(ModalScreen[int | None]):
    """A `Choice`'s open list, placed under it (above when there is no room): up / down, home / end,
    a letter jumps to the next value starting with it; Enter or a click picks (its index in
    `Choice.values`), Escape or a click elsewhere closes it without a change."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Close", show=False)]
    DEFAULT_CSS = """
    ChoiceList {
        background: transparent;
        & > OptionList {
            border: tall $border;
            background: $surface;
            padding: 0;
            & > .option-list--option {
                padding: 0;
            }
        }
    }
    """

    def __init__(self, choice: Choice) -> None:
        super().__init__()
        self._choice = choice
        self._labels = [choice.label(v) for v in choice.values]

    def compose(self) -> ComposeResult:
        choice = self._choice
        current = choice.values.index(choice.value)
        options = [Option(self._option_text(label, i == current, choice.values[i] is None))
                   for i, label in enumerate(self._labels)]
        listing = OptionList(*options)
        widest = max(cell_len(label) for label in self._labels) + cell_len(_CURRENT)
        rows = min(len(options), _LIST_ROWS)
        size = Size(max(choice.region.width, widest) + _LIST_FRAME, rows + _LIST_FRAME)
        listing.styles.width, listing.styles.height = size.width, size.height
        listing.styles.offset = place_under(choice.region, size, self.app.size)
        listing.highlighted = current
        yield listing

    @staticmethod
    def _option_text(label: str, current: bool, blank: bool) -> Text:
        """An option, its text in the column of the value above it."""
        return Text.assemble((label, "dim italic" if blank else ""), _CURRENT if current else "")

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        listing.focus()
        listing.scroll_to_highlight()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_index)

    def on_click(self, event: events.Click) -> None:
        if event.widget is self:  # outside the list
            self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        """Type to search: a letter moves to the next value that starts with it."""
        char = (event.character or "").lower()
        if not char.strip() or not char.isprintable():
            return
        listing = self.query_one(OptionList)
        start = 0 if listing.highlighted is None else listing.highlighted + 1
        count = len(self._labels)
        match = next((i % count for i in range(start, start + count)
                      if self._labels[i % count].lower().startswith(char)), None)
        if match is not None:
            event.stop()
            listing.highlighted = match


def place_under(anchor: Region, size: Size, screen: Size) -> Offset:
    """Where a list of `size` opens for a widget at `anchor`: its border a column left of the value,
    the line under it, or the lines above when it does not fit below; always on the screen."""
    x = max(0, min(anchor.x - 1, screen.width - size.width))
    if anchor.bottom + size.height <= screen.height:
        y = anchor.bottom
    elif anchor.y - size.height >= 0:
        y = anchor.y - size.height
    else:
        y = max(0, screen.height - size.height)
    return Offset(x, y)
