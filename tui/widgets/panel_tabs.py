"""The tab strip a small terminal gets instead of four panels at once.

At 80×24 the tree, the why pane, the layers and the problems do not fit together: the
screen shows the tree and the why pane, or the layers, or the problems, each one key
(or one click) away, and this strip says which are there and what they hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from textual import on
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import Tab, Tabs

from tui.view import View

Panel = Literal["why", "layers", "problems"]
PANELS: tuple[Panel, ...] = ("why", "layers", "problems")
# The key that shows each panel (MainScreen's bindings), said on its tab.
PANEL_KEYS: dict[Panel, str] = {"why": "c", "layers": "l", "problems": "p"}


class PanelTabs(Tabs):
    """Not focusable: the keys on the tabs, or a click, choose a panel."""

    DEFAULT_CSS = """
    PanelTabs {
        height: 1;
        & #tabs-list { min-height: 1; }
        & Underline { display: none; }
        & Tab { padding: 0 1; }
        & Tab.-active { background: $primary 40%; text-style: bold; }
    }
    """

    can_focus = False
    BINDINGS: ClassVar[list[BindingType]] = []  # never focused: Tabs' own keys never apply

    @dataclass
    class Chosen(Message):
        """The user clicked the tab of `panel`."""

        panel: Panel

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(*(Tab(self.title(panel), id=f"tab-{panel}") for panel in PANELS), id=id)
        self._counts: dict[Panel, str] = {}

    @staticmethod
    def title(panel: Panel, count: str = "") -> str:
        name = "tree + why" if panel == "why" else panel
        return f"{PANEL_KEYS[panel]} {name}{f' {count}' if count else ''}"

    def show_panel(self, panel: Panel) -> None:
        with self.prevent(Tabs.TabActivated):
            self.active = f"tab-{panel}"

    def set_count(self, panel: Panel, count: str) -> None:
        """What the panel holds, in a few characters (`2/9`, `3✖ 1⚠`)."""
        if self._counts.get(panel) != count:
            self._counts[panel] = count
            self.query_one(f"#tab-{panel}", Tab).label = self.title(panel, count)

    def show_counts(self, view: View) -> None:
        """How many layers are active, and how many errors and warnings there are."""
        verdicts = view.resolution.verdicts
        self.set_count("layers", f"{sum(v.active for v in verdicts)}/{len(verdicts)}")
        errors = len(view.resolution.errors)
        warnings = len(view.problems) - errors
        marks = [f"{errors}✖"] if errors else []
        marks += [f"{warnings}⚠"] if warnings else []
        self.set_count("problems", " ".join(marks) or "none")

    @on(Tabs.TabActivated)
    def _activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        tab_id = event.tab.id or ""
        panel = tab_id.removeprefix("tab-")
        if panel in PANELS:
            self.post_message(self.Chosen(panel))
