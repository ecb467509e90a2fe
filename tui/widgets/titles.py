"""Border titles that repaint only when they change."""

from __future__ import annotations

from textual.widget import Widget


def set_border_title(widget: Widget, title: str) -> None:
    """Give `widget` the border title `title`. Setting a border title repaints every
    line of the widget, even to the same text; after a resolve most titles stay."""
    if widget.border_title != title:
        widget.border_title = title
