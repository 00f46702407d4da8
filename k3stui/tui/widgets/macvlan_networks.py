"""The Multus section's macvlan networks: each network's rows under its own title, with Remove,
and Add at the end. The widget only asks; the screen changes the plan through `PlanState`."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Label

from k3stui.tui.fields import network_fields
from k3stui.tui.state import PlanState
from k3stui.tui.widgets.field_row import FieldRow


class MacvlanNetworks(Vertical):
    """Posts `MacvlanNetworks.Requested`; `sync` shows the plan's networks (new ones added at the end;
    after a removal the last ones go and the rest show the plan again)."""

    # F-keys: Input already binds most ctrl+letters (ctrl+a home, ctrl+d delete ...).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f7", "add_network", "Add net"),
        Binding("f8", "remove_network", "Del net"),
    ]

    class Requested(Message):
        """Add a network (`remove` None) or remove network `remove`."""

        def __init__(self, networks: MacvlanNetworks | None = None, remove: int | None = None) -> None:
            super().__init__()
            self.networks, self.remove = networks, remove

        @property
        def control(self) -> MacvlanNetworks | None:
            return self.networks

    def __init__(self, state: PlanState, **kwargs: str) -> None:
        super().__init__(**kwargs)
        self._state = state

    def compose(self) -> ComposeResult:
        yield from (self._network(i) for i in range(self._state.network_count))
        yield Button("Add network", id="net-add", compact=True, tooltip="add a macvlan network (F7)")

    def _network(self, i: int) -> Vertical:
        head = Horizontal(Label(f"Network {i + 1}", classes="network-title"),
                          Button("Remove", id=f"net-remove-{i}", compact=True, classes="network-remove",
                                 tooltip=f"remove network {i + 1} (F8)"),
                          classes="network-head")
        return Vertical(head, *(FieldRow(f, self._state) for f in network_fields(i)), id=f"net-{i}",
                        classes="network")

    @property
    def shown(self) -> int:
        return len(self.query_children(".network"))

    async def sync(self, state: PlanState) -> None:
        """Mount the networks the plan gained, or remove the ones it lost: the last ones, and the rows
        that stay show the plan again (after a removal every later network's values and findings
        moved up by one). The rows shown stay: mounting or removing one network's rows is what an
        Add or a Remove costs."""
        self._state = state
        shown, wanted = self.shown, state.network_count
        if wanted > shown:
            await self.mount_all([self._network(i) for i in range(shown, wanted)], before="#net-add")
        elif wanted < shown:
            await self.remove_children([self.query_one(f"#net-{i}") for i in range(wanted, shown)])
            for row in self.query(FieldRow).results(FieldRow):
                row.refresh_from(state, values=True)

    def focus_network(self, index: int) -> None:
        """Keyboard users land on the network's first option (or on Add when there is none)."""
        rows = self.query(f"#net-{index} FieldRow").results(FieldRow)
        target = next(rows, None)
        if target is not None:
            target.input.focus(scroll_visible=False)
            self.query_one(f"#net-{index}").scroll_visible(top=True)  # from its title down
        else:
            self.query_one("#net-add").focus()

    def focused_network(self) -> int:
        """The network holding the focus; the last one when the focus is elsewhere (Add)."""
        focused = self.screen.focused
        for node in focused.ancestors_with_self if focused else ():
            if node.has_class("network") and node.id:
                return int(node.id.removeprefix("net-"))
        return self.shown - 1

    def action_add_network(self) -> None:
        self.post_message(self.Requested(self))

    def action_remove_network(self) -> None:
        if self.shown:
            self.post_message(self.Requested(self, self.focused_network()))

    @on(Button.Pressed, "#net-add")
    def _add_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_add_network()

    @on(Button.Pressed, ".network-remove")
    def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Requested(self, int((event.button.id or "").removeprefix("net-remove-"))))
