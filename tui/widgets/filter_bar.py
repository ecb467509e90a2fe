"""The find bar: filters the tree by key path or value as the user types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

from tui.widgets.field import Field

# Typing fast should filter once, not once per key, on a tree of 60,000 values.
DEBOUNCE_SECONDS = 0.12


class FilterBar(Field):
    DEFAULT_CSS = """
    FilterBar {
        display: none;
        margin: 0 0 0 1;
        &.-active { display: block; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Clear filter", id="filter.close"),
        Binding("enter", "done", "To tree", id="filter.done"),
    ]

    @dataclass
    class QueryChanged(Message):
        """Show only keys whose path or value contains `query` ("" shows everything)."""

        bar: FilterBar
        query: str

    @dataclass
    class Finished(Message):
        """The user is done typing and wants to browse the result."""

        bar: FilterBar

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder="filter: key path or value (enter: to the tree, esc: clear)",
            compact=True,
            id=id,
        )
        self._timer: Timer | None = None
        self.query_text = ""

    def open(self) -> None:
        self.add_class("-active")
        # At once, not after the events already queued (as `focus()` would): keys typed
        # right after the one that opened the bar belong in it, not to the tree's keys.
        self.screen.set_focus(self)

    def close(self) -> None:
        self.value = ""
        self.remove_class("-active")
        self._send("")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self._send(self.value))

    def _send(self, query: str) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        query = query.strip()
        if query != self.query_text:
            self.query_text = query
            self.post_message(self.QueryChanged(self, query))

    async def finish(self, key: str) -> bool:
        if key == "enter":
            self.action_done()
        else:
            self.action_close()
        return True

    def action_close(self) -> None:
        self.close()
        self.post_message(self.Finished(self))

    def action_done(self) -> None:
        self._send(self.value)
        self.post_message(self.Finished(self))
