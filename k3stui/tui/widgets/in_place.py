"""Redraw a text in place when its size stays: a layout pass lays out the whole screen (50-150 ms for
the plan editor on a small VM), a repaint only the widget. Textual's `Static.update` asks for a layout
pass on every update; most updates (the next option's help, a finding's new wording) keep the height."""

from __future__ import annotations

from textual.visual import VisualType, visualize
from textual.widgets import Static


def update_static(widget: Static, content: VisualType) -> None:
    """`widget.update(content)`, with a layout pass only when the text's height at the widget's width
    changes. For a Static whose width does not follow its text (1fr, a grid cell), markup off."""
    width, shown = widget.content_size
    if not (width and shown and widget.display):  # not laid out yet, or hidden: nothing to keep
        widget.update(content)
        return
    before = widget.visual.get_height(widget.styles, width)
    after = visualize(widget, content, markup=False).get_height(widget.styles, width)
    # Cut by its max-height (`before` taller than shown), it stays cut while the new text is as tall.
    same = after == before or (before > shown and after >= shown)
    widget.update(content, layout=not same)
