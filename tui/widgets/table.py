"""A DataTable that repaints its rows when its columns change width."""

from __future__ import annotations

from textual import events
from textual.widgets import DataTable
from textual.widgets.data_table import CellType


class Table(DataTable[CellType]):
    """DataTable measures the columns of new rows when idle, but keeps the lines it
    rendered before at the old widths (their cache key holds no widths): a header
    narrower than its rows, or a first column of width 0, until something else changes
    (textual 8.2). This one throws those lines away when a width changes."""

    _painted_widths: tuple[int, ...] = ()

    def on_idle(self, event: events.Idle) -> None:
        # Runs after DataTable's own idle handler, which does the measuring.
        widths = tuple(column.get_render_width(self) for column in self.ordered_columns)
        if widths != self._painted_widths:
            self._painted_widths = widths
            self.notify_style_update()  # clears the rendered lines and repaints
