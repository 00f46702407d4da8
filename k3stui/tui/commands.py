"""The command palette (ctrl+p): every action of the app, findable by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from k3stui.tui.screens.plan_editor import PlanEditorScreen


class K3sCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from k3stui.tui.fields import TABS

        if self.screen.__class__.__name__ != "PlanEditorScreen":
            return []  # the start and install screens: their own keys only (no new plan mid-install)
        screen = cast("PlanEditorScreen", self.screen)  # the screen the palette was opened over
        run = screen.run_action
        out: list[tuple[str, str, Callable[[], object]]] = [
            ("Load preset / start over", "choose a preset, a preset file, this host's config or defaults",
             partial(self.app.run_action, "open_start")),
            ("Save plan as preset", "write the plan to a preset file", partial(run, "save")),
            ("Export files", "write every rendered file to a folder", partial(run, "export")),
            ("Install on this host", "dry run, confirm, install", partial(run, "install")),
            ("Go to the first error", "show its tab and focus its option (F2)", partial(run, "first_error")),
            ("Toggle help panel", "show or hide the help for the focused option",
             partial(run, "toggle_help")),
        ]
        if screen.state.plan.cni.multus is not None:
            out += [
                ("Add macvlan network", "append a Multus macvlan network (F7)",
                 partial(run, "network('add')")),
                ("Remove macvlan network", "remove the focused (else the last) network (F8)",
                 partial(run, "network('remove')")),
            ]
        return out + [(f"Switch to tab: {title}", f"show the {title} tab", partial(run, f"show_tab('{tab}')"))
                      for tab, title in TABS]

    async def discover(self) -> Hits:
        for name, help_text, command in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, command in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)
