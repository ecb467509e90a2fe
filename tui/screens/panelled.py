"""A screen whose side panels become tabs on a small terminal.

The main screen shows the tree, the why pane, the layers and the problems at once when
there is room. Below `COMPACT_SIZE` the side shows one panel at a time (the screen's
`-compact` class and `-panel-NAME` classes, styled in main.tcss), chosen by the keys on
the tab strip or a click; from `TALL_HEIGHT` rows (`-tall`) the layers and problems
panels grow with the room. Focus follows the panels: focusing a widget shows its panel,
and leaving a field gives the focus back to where it came from.
"""

from __future__ import annotations

from textual import events, on
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Input

from tui.screens.plain import PlainScreen
from tui.widgets.layers import LayersPanel
from tui.widgets.panel_tabs import PANELS, Panel, PanelTabs

# (width, height) below which the side panels become tabs; the height from which the
# layers and problems panels grow with the room.
COMPACT_SIZE = (100, 30)
TALL_HEIGHT = 50


PANEL_FOCUS: dict[Panel, str] = {"why": "tree", "layers": "layers-table", "problems": "problems"}


class PanelledScreen(PlainScreen[None]):
    def __init__(self) -> None:
        super().__init__()
        self.panel: Panel = "why"
        """The panel shown beside the tree when the terminal is too small for all."""
        self.focus_return: Widget | None = None
        """Where Enter or Esc in a field gives the focus back."""

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size)

    # -- fitting the terminal ----------------------------------------------------------

    def _fit(self, size: Size) -> None:
        """Below COMPACT_SIZE the panels share the side as tabs; from TALL_HEIGHT on
        the layers and problems panels grow with the room."""
        compact = size.width < COMPACT_SIZE[0] or size.height < COMPACT_SIZE[1]
        self.set_class(compact, "-compact")
        tall = not compact and size.height >= TALL_HEIGHT
        self.set_class(tall, "-tall")
        self.query_one(LayersPanel).set_wrap(compact or tall)

    @property
    def compact(self) -> bool:
        return self.has_class("-compact")

    def show_panel(self, panel: Panel) -> None:
        """Show `panel` beside the tree (on a small terminal; a big one shows them all)."""
        self.panel = panel
        for name in PANELS:
            self.set_class(name == panel, f"-panel-{name}")
        self.query_one(PanelTabs).show_panel(panel)

    def _panel_of(self, widget: Widget) -> Panel:
        for ancestor in widget.ancestors_with_self:
            if ancestor.id in ("layers", "problems"):
                return "layers" if ancestor.id == "layers" else "problems"
        return "why"

    @on(PanelTabs.Chosen)
    def _tab_chosen(self, event: PanelTabs.Chosen) -> None:
        self.action_focus_panel(PANEL_FOCUS[event.panel])

    def follow_focus(self, widget: Widget) -> None:
        """Show the panel of a widget that got the focus (by Tab or a click)."""
        panel = self._panel_of(widget)
        if panel != self.panel:
            self.show_panel(panel)

    def action_focus_panel(self, widget_id: str) -> None:
        widget = self.query_one(f"#{widget_id}")
        self.show_panel(self._panel_of(widget))
        widget.focus()

    def return_focus(self) -> None:
        """Leave a field: focus goes back where it was before (else to the tree)."""
        target = self.focus_return
        self.focus_return = None
        if target is None or not target.is_attached or isinstance(target, Input):
            target = self.query_one("#tree")
        self.action_focus_panel(target.id or "tree")
