"""A DataTable that repaints its rows when its columns change width, and its scrollbars
only when they change."""

from __future__ import annotations

from collections.abc import Hashable

from textual import events
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import CellType


class Table(DataTable[CellType]):
    """Two fixes to DataTable (textual 8.2).

    It measures the columns of new rows when idle, but keeps the lines it rendered
    before at the old widths (their cache key holds no widths): a header narrower than
    its rows, or a first column of width 0, until something else changes. This one
    throws those lines away when a width changes.

    And the size the screen's layout passes it never equals its own virtual size (the
    table keeps that itself), so every layout of the screen (a dialog closing, a pane
    growing) updated and repainted both its scrollbars, a frame later. This one does
    that only when what they show from can have changed.
    """

    _painted_widths: tuple[int, ...] = ()
    _scrollbars_for: Hashable = None

    def on_idle(self, event: events.Idle) -> None:
        # Runs after DataTable's own idle handler, which does the measuring.
        widths = tuple(column.get_render_width(self) for column in self.ordered_columns)
        if widths != self._painted_widths:
            self._painted_widths = widths
            self.notify_style_update()  # clears the rendered lines and repaints

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        styles = self.styles
        scrollbars_for = (
            size,
            self.virtual_size,
            container_size,
            styles.overflow_x,
            styles.overflow_y,
            styles.scrollbar_size_vertical,
            styles.scrollbar_size_horizontal,
            styles.scrollbar_gutter,
        )
        if scrollbars_for == self._scrollbars_for:
            # What DataTable's own update would answer, with nothing to update.
            return self._container_size != container_size
        self._scrollbars_for = scrollbars_for
        return super()._size_updated(size, virtual_size, container_size, layout)
