"""The footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (removes and mounts every key, then lays the screen out again) each time
the screen's bindings are refreshed, which is on every focus move, though the keys shown are most
often the same. Opening a plan moves the focus several times: each rebuild was a layout pass."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen


def shown_keys(screen: Screen[object]) -> tuple[tuple[str, str, bool, str], ...]:
    """What a footer on `screen` draws: each binding shown, whether it is enabled, its tooltip."""
    return tuple((binding.key, binding.description, enabled, tooltip or binding.tooltip)
                 for _node, binding, enabled, tooltip in screen.active_bindings.values()
                 if binding.show or binding.key == screen.app.COMMAND_PALETTE_BINDING)


class SteadyFooter(Footer):
    """Also composes its keys when it mounts: Textual's Footer waits for the first bindings signal
    (its `_bindings_ready`), then rebuilds, a layout pass more while a screen opens."""

    _drawn: tuple[tuple[str, str, bool, str], ...] | None = None  # the keys of the last rebuild asked for
    composed: tuple[tuple[str, str, bool, str], ...] | None = None  # the keys its children were made from

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._bindings_ready = True

    def compose(self) -> ComposeResult:
        keys = shown_keys(self.screen)
        children = list(super().compose())
        if children:  # a Textual whose Footer still waits: the first signal composes it
            self._drawn = self.composed = keys
        yield from children

    def bindings_changed(self, screen: Screen[object]) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            keys = shown_keys(screen)
            if keys == self._drawn:
                return
            self._drawn = keys
        super().bindings_changed(screen)
