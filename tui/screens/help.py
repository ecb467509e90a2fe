"""The help screen: every key binding with what it does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from tui.widgets.footer import SteadyFooter
from tui.widgets.table import Table

INTRO = (
    "Each tree node shows its key, value, the layer that won (coloured badge), ↑N for "
    "the N definitions it overrode, and ✖/⚠ for an error/warning at or below it. "
    "Ctrl+P opens the command palette: every action, and any key by path."
)

# Keys the widgets handle themselves, worth knowing about.
NAVIGATION = (
    ("↑ ↓ / PgUp PgDn", "Move in the tree or a table"),
    ("← →", "Collapse / expand a node (or go to parent / first child)"),
    ("enter / space", "Expand a node; choose a problem or a matrix cell; load more keys"),
    ("tab / shift+tab", "Next / previous panel"),
    ("ctrl+p", "Command palette"),
)

Row = tuple[str, str, str, str]


def binding_rows(sections: Iterable[tuple[str, Iterable[BindingType]]], app: object) -> list[Row]:
    """(section, key, description, id) for each described binding, first one per id."""
    from textual.app import App

    rows: list[Row] = []
    seen: set[str] = set()
    for section, bindings in sections:
        for binding in bindings:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            ident = binding.id or f"{section}.{binding.action}"
            if ident in seen:
                continue
            seen.add(ident)
            key = app.get_key_display(binding) if isinstance(app, App) else binding.key
            rows.append((section, key, binding.description, ident))
    return rows


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", show=False, id="help.toggle"),
        Binding("q", "dismiss", "Close", show=False, id="help.quit"),
    ]

    def __init__(self, rows: list[Row]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help-frame") as frame:
            frame.border_title = "confscope: keys"
            yield Static(INTRO, id="help-intro")
            yield Table[str | Text](id="help-table", cursor_type="row", zebra_stripes=True)
        yield SteadyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("where", "key", "what it does")
        for section, key, description, _ident in self.rows:
            table.add_row(section, Text(key, style="bold"), description)
        for key, description in NAVIGATION:
            table.add_row("everywhere", Text(key, style="bold"), description)
        table.focus()
