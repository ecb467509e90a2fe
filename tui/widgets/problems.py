"""The problems panel: every problem of the resolution; choosing one jumps to it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable

from core.model import Problem
from tui.render import SEVERITY_MARK, SEVERITY_STYLE
from tui.view import View
from tui.widgets.table import Table
from tui.widgets.titles import set_border_title

# A set with thousands of problems lists the first ones; the title gives the total.
MAX_ROWS = 1_000
PATH_WIDTH = 28
WHERE_WIDTH = 30
SEVERITY_WIDTH = 9
# Below this many cells a problem's file:line goes under its message, not beside it.
WIDE_LAYOUT = 110
MIN_MESSAGE_WIDTH = 20


class ProblemsPanel(Table[Text]):
    DEFAULT_CSS = """
    ProblemsPanel {
        border: round $primary 50%;
        border-title-color: $text-muted;
        &:focus { border: round $primary; }
        &.-empty { min-height: 2; height: 2; }
    }
    """

    @dataclass
    class Chosen(Message):
        """The user chose `problem` (enter or click)."""

        panel: ProblemsPanel
        problem: Problem

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.problems: list[Problem] = []
        self.border_title = "problems"
        self._laid_out_for: tuple[bool, int] | None = None

    def on_resize(self, event: events.Resize) -> None:
        if self._laid_out_for != self._layout():
            self._fill()  # messages are wrapped to the width

    def _layout(self) -> tuple[bool, int]:
        """(wide, message width): a wide panel gives `where` a column of its own; a
        narrow one puts it under the message. Messages wrap, never cut."""
        room = self.size.width - self.styles.scrollbar_size_vertical
        wide = room >= WIDE_LAYOUT
        used = (
            (SEVERITY_WIDTH + PATH_WIDTH + (WHERE_WIDTH if wide else 0)) if wide else 2 + PATH_WIDTH
        )
        columns = 4 if wide else 3
        return wide, max(room - used - 2 * columns, MIN_MESSAGE_WIDTH)

    def show(self, view: View | None) -> None:
        """List the problems of `view`, keeping the cursor on the same problem if it stays."""
        previous = self.highlighted
        every = list(view.problems) if view is not None else []
        errors = sum(1 for p in every if p.severity == "error")
        warnings = len(every) - errors
        title = "problems: none"
        if every:
            title = f"problems: {errors} error(s), {warnings} warning(s)"
            if len(every) > MAX_ROWS:
                title += f", the first {MAX_ROWS:,} shown"
        set_border_title(self, title)
        if every[:MAX_ROWS] == self.problems and self._laid_out_for == self._layout():
            return  # the same rows: the lines on screen stay, and so does the cursor
        self.problems = every[:MAX_ROWS]
        self._fill()
        if previous is not None:
            same = next(
                (
                    i
                    for i, p in enumerate(self.problems)
                    if (p.path, p.message, p.file)
                    == (previous.path, previous.message, previous.file)
                ),
                None,
            )
            if same is not None:
                self.move_cursor(row=same, animate=False)

    def _fill(self) -> None:
        cursor = self.cursor_row
        wide, width = self._laid_out_for = self._layout()
        self.clear(columns=True)
        # An empty table draws no header and no cursor: the title says "none".
        self.show_header = bool(self.problems)
        self.show_cursor = bool(self.problems)
        self.set_class(not self.problems, "-empty")
        if not self.problems:
            return
        self.add_column("", key="severity", width=SEVERITY_WIDTH if wide else 1)
        self.add_column("path", key="path", width=PATH_WIDTH)
        if wide:
            self.add_column("where", key="where", width=WHERE_WIDTH)
        self.add_column("message" if wide else "message, where", key="message", width=width)
        for index, problem in enumerate(self.problems):
            style = SEVERITY_STYLE[problem.severity]
            mark = SEVERITY_MARK[problem.severity]
            severity = Text(f"{mark} {problem.severity}" if wide else mark, style=style)
            path = _cut(problem.path or "—", PATH_WIDTH, "bold" if problem.path else "dim", True)
            message = Text(problem.message)
            if wide:
                cells = [severity, path, _cut(problem.location, WHERE_WIDTH, "dim", left=True)]
            else:
                cells = [severity, path]
                if problem.location:
                    message.append(f"\n{problem.location}", style="dim")
            lines = len(message.wrap(self.app.console, width))
            self.add_row(*cells, message, key=str(index), height=lines)
        self.move_cursor(row=min(max(cursor, 0), len(self.problems) - 1), animate=False)

    @property
    def highlighted(self) -> Problem | None:
        if not self.problems or not 0 <= self.cursor_row < len(self.problems):
            return None
        return self.problems[self.cursor_row]

    def step(self, by: int) -> Problem | None:
        """Move the cursor `by` problems (wrapping); the problem it lands on, if any."""
        if not self.problems:
            return None
        self.move_cursor(row=(self.cursor_row + by) % len(self.problems))
        return self.highlighted

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        if key is not None and key.isdigit() and int(key) < len(self.problems):
            self.post_message(self.Chosen(self, self.problems[int(key)]))


def _cut(text: str, width: int, style: str, left: bool = False) -> Text:
    """`text` in `width` cells, an ellipsis marking what was cut (at the left for paths)."""
    if len(text) > width:
        text = "…" + text[-(width - 1) :] if left else text[: width - 1] + "…"
    return Text(text, style=style)
