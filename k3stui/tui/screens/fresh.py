"""A screen that is not restyled when it is first shown.

Textual restyles every widget of a screen when it resumes (it may have been away while the theme
or the app's classes changed). The first resume comes right after the screen mounted and was
styled: restyling it then is a second full pass (~100 ms for the plan editor on a small VM)."""

from __future__ import annotations

from textual import events
from textual.screen import Screen, ScreenResultType


class FreshScreen(Screen[ScreenResultType]):
    _resumed = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler (a subclass's handlers come first in the MRO).
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False
