"""The matrix: every key × every override type, to see at a glance what a type changes.

Resolving the set once per type is the slow part on a big set, so it runs in a worker
thread that posts `Computed` with a `Matrix`; the table shows it. The main screen's
what-if (environment, variables, forced layers) is kept: only the override type varies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from core.compare import Matrix, MatrixRow, compute_matrix
from core.configset import ConfigSet
from core.model import KeyPath
from core.whatif import WhatIf
from tui.render import LayerColours, plain_text
from tui.screens.plain import PlainScreen
from tui.widgets.footer import SteadyFooter
from tui.widgets.table import Table

KEY_COLUMN = "key"
# Column widths in cells. The key column takes what its keys need up to KEY_WIDTH
# (less on a narrow screen, never under KEY_MIN); the value columns share the rest,
# each getting what its longest value needs when there is room, never under CELL_MIN
# (the table scrolls sideways past that). Keys are cut at the left.
CELL_MIN = 8
MAX_CELL_WIDTH = 200
KEY_WIDTH = 44
KEY_MIN = 16
PADDING = 2  # a cell either side of every column
DIFFERS_STYLE = "bold #ffaf5f"
SAME_STYLE = "dim"
ABSENT = "—"
# The variable the context falls back to when no type is given (see SPEC, "The
# context"): the "(none)" column unsets it, or it would be a copy of that type's column.


@dataclass(frozen=True, slots=True)
class MatrixChoice:
    """What the user picked: a key, and the what-if to show it under."""

    path: KeyPath
    whatif: WhatIf


def cell_text(row: MatrixRow, index: int, width: int = MAX_CELL_WIDTH) -> Text:
    shown = row.sides[index]
    if not shown.present:
        return Text(ABSENT, style="dim italic")
    return Text(plain_text(shown.shown(), width), style=DIFFERS_STYLE if row.differs else "")


def key_text(row: MatrixRow, width: int = KEY_WIDTH) -> Text:
    dotted = row.dotted
    if len(dotted) > width - 2:
        dotted = "…" + dotted[-(width - 3) :]
    if row.differs:
        return Text(f"≠ {dotted}", style=DIFFERS_STYLE)
    return Text(f"  {dotted}", style=SAME_STYLE)


def column_widths(
    rows: Sequence[MatrixRow], labels: Sequence[str], room: int
) -> tuple[int, list[int]]:
    """(key width, each value column's width) to fit the table in `room` cells if it can.

    Short columns (ports, flags) take only what they need, and what they leave goes
    to the long ones: a wide terminal shows values whole instead of cut at a fixed width.
    """
    columns = len(labels)
    key_needed = max((len(row.dotted) + 2 for row in rows), default=len(KEY_COLUMN))
    key_room = room - columns * (CELL_MIN + PADDING) - PADDING
    key = max(KEY_MIN, min(key_needed, KEY_WIDTH, key_room))
    needed = [
        max(
            [len(label), CELL_MIN] + [len(cell_text(row, index).plain) for row in rows],
        )
        for index, label in enumerate(labels)
    ]
    needed = [min(width, MAX_CELL_WIDTH) for width in needed]
    left = room - key - PADDING - columns * PADDING
    widths = [CELL_MIN] * columns
    left -= CELL_MIN * columns
    # Share what is left evenly among the columns that want more, until none does.
    while left > 0:
        wanting = [i for i in range(columns) if widths[i] < needed[i]]
        if not wanting:
            break
        share = max(left // len(wanting), 1)
        for i in wanting:
            grant = min(share, needed[i] - widths[i], left)
            widths[i] += grant
            left -= grant
            if left <= 0:
                break
    return key, widths


def whatif_words(whatif: WhatIf) -> list[str]:
    """The what-if kept from the main screen, in words (the type is what varies)."""
    words = [f"{name}={value}" for name, value in whatif.set_env]
    words += [f"unset {name}" for name in whatif.unset_env]
    words += [f"{layer} forced on" for layer in whatif.force_on]
    words += [f"{layer} forced off" for layer in whatif.force_off]
    return words


class MatrixScreen(PlainScreen[MatrixChoice | None]):
    CSS_PATH = "matrix.tcss"
    AUTO_FOCUS = "#matrix-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="matrix.close"),
        Binding("q", "close", "Close", show=False, id="matrix.quit"),
        Binding("d", "toggle_differing", "All / differing keys", id="matrix.toggle_differing"),
        Binding("r", "reload", "Reload", id="matrix.reload"),
    ]

    @dataclass
    class Computed(Message):
        matrix: Matrix

    def __init__(
        self, config_set: ConfigSet, whatif: WhatIf, colours: LayerColours | None = None
    ) -> None:
        super().__init__()
        # A set of its own: the main screen's resolves share their parse cache, and a
        # resolve in this screen's thread must not race one in the main screen's.
        # Its own set (its resolves vary the type, which would defeat the main
        # screen's incremental reload), sharing the main screen's parsed files.
        self.config_set = ConfigSet(config_set.root, cache=config_set.cache)
        self.whatif = whatif
        self.colours = colours or LayerColours()
        self.matrix: Matrix | None = None
        self.differing_only = True
        self.shown_rows: list[MatrixRow] = []
        self.heading = Text()
        self.source = Text()

    def compose(self) -> ComposeResult:
        yield Static("resolving every override type…", id="matrix-title")
        yield Table[Text](
            id="matrix-table", cursor_type="cell", fixed_columns=1, zebra_stripes=True
        )
        yield Static("", id="matrix-source")
        yield SteadyFooter()

    @property
    def table(self) -> Table[Text]:
        return self.query_one("#matrix-table", Table)

    @property
    def source_text(self) -> str:
        """The source line as shown, without styles (what a test reads)."""
        return self.source.plain

    def cell(self, dotted: str, label: str) -> Text | None:
        """The cell shown for key `dotted` under column `label` (None: not shown)."""
        if self.matrix is None:
            return None
        labels = [KEY_COLUMN] + [column.label for column in self.matrix.columns]
        for index, row in enumerate(self.shown_rows):
            if row.dotted == dotted and label in labels:
                return self.table.get_cell_at(Coordinate(index, labels.index(label)))
        return None

    def on_mount(self) -> None:
        self.table.loading = True
        self._compute()

    def on_resize(self) -> None:
        self._fill()  # the values are cut to the width

    # -- computing ---------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="matrix", exit_on_error=False)
    def _compute(self) -> None:
        matrix = compute_matrix(self.config_set, self.whatif)
        self.post_message(self.Computed(matrix))

    def on_matrix_screen_computed(self, message: Computed) -> None:
        self.matrix = message.matrix
        self.table.loading = False
        self._fill()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed resolve is reported: the screen stays usable."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        self.table.loading = False
        self.notify(
            f"{type(error).__name__}: {error}", title="building the matrix failed", severity="error"
        )
        self._show_source(Text("The matrix could not be built; r tries again.", style="italic"))

    # -- showing -----------------------------------------------------------------------

    def _fill(self) -> None:
        matrix = self.matrix
        if matrix is None:
            return
        table = self.table
        # Rows and columns are found by position: two keys may print alike (`a.b` the
        # key and `b` under `a`), and a table's keys must be unique.
        under_cursor = self._at(table.cursor_coordinate) if table.row_count else None
        at_path = under_cursor[0].path if under_cursor else None
        at_column = table.cursor_column if table.row_count else None
        table.clear(columns=True)
        self.shown_rows = [row for row in matrix.rows if row.differs or not self.differing_only]
        # The screen's width: the table spans it, and may not be laid out yet.
        room = self.size.width - table.styles.scrollbar_size_vertical
        labels = [column.label for column in matrix.columns]
        key_width, widths = column_widths(self.shown_rows, labels, room)
        table.add_column(KEY_COLUMN, width=key_width)
        for column, width in zip(matrix.columns, widths, strict=True):
            current = column.whatif == self.whatif
            style = "bold underline" if current else "bold"
            table.add_column(Text(column.label, style=style), width=width)
        for row in self.shown_rows:
            cells = [cell_text(row, index, widths[index]) for index in range(len(labels))]
            table.add_row(key_text(row, key_width), *cells)
        self._show_title(matrix)
        if not self.shown_rows:
            self._show_source(Text("No key differs between the override types.", style="italic"))
            return
        if at_column is None:  # first shown: start in the main screen's type
            whatifs = [column.whatif for column in matrix.columns]
            at_column = whatifs.index(self.whatif) + 1 if self.whatif in whatifs else 1
        paths = [row.path for row in self.shown_rows]
        at_row = paths.index(at_path) if at_path in paths else 0
        table.move_cursor(row=at_row, column=at_column, animate=False)
        self._describe(table.cursor_coordinate)

    def _show_title(self, matrix: Matrix) -> None:
        title = Text("keys × override types", style="bold")
        title.append(f"  environment {matrix.environment}")
        words = whatif_words(self.whatif)
        if words:
            title.append(f"  what-if: {', '.join(words)}")
        title.append(f"  {matrix.differing} of {len(matrix.rows)} keys differ", style="dim")
        title.append(
            "  (showing those; d: all keys)" if self.differing_only else "  (d: differing only)",
            style="dim",
        )
        self.heading = title
        self.query_one("#matrix-title", Static).update(title)

    def _show_source(self, text: Text) -> None:
        self.source = text
        self.query_one("#matrix-source", Static).update(text)

    def _at(self, coordinate: Coordinate) -> tuple[MatrixRow, int | None] | None:
        """The row at `coordinate` and its column's index in the matrix (None: the key)."""
        if self.matrix is None or not 0 <= coordinate.row < len(self.shown_rows):
            return None
        row = self.shown_rows[coordinate.row]
        index = coordinate.column - 1
        return row, index if 0 <= index < len(self.matrix.columns) else None

    def _describe(self, coordinate: Coordinate) -> None:
        found = self._at(coordinate)
        if found is None or self.matrix is None:
            return
        row, index = found
        text = Text(row.dotted, style="bold")
        if index is None:
            if row.differs:
                text.append(" differs between the override types; move right to see each")
            else:
                text.append(" is the same under every override type")
        else:
            label = self.matrix.columns[index].label
            shown = row.sides[index]
            if not shown.present:
                text.append(f" is not set under {label}", style="italic")
            else:
                text.append(f" = {plain_text(shown.shown(), 60)}")
                text.append(f" under {label}, from ")
                text.append_text(self.colours.badge(shown.layer))
                text.append(f" {shown.location}")
                text.append("  (enter: open it in the tree)", style="dim")
        self._show_source(text)

    # -- events and actions ------------------------------------------------------------

    @on(DataTable.CellHighlighted, "#matrix-table")
    def _cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._describe(event.coordinate)

    @on(DataTable.CellSelected, "#matrix-table")
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        found = self._at(event.coordinate)
        if found is None or self.matrix is None:
            return
        row, index = found
        whatif = self.whatif if index is None else self.matrix.columns[index].whatif
        self.dismiss(MatrixChoice(row.path, whatif))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_toggle_differing(self) -> None:
        self.differing_only = not self.differing_only
        self._fill()

    def action_reload(self) -> None:
        self.table.loading = True
        self._compute()
