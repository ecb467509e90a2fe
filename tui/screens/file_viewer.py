"""A layer file, read-only, with YAML highlighting, scrolled to the line of a value.

It shows other text read-only too (git's history of a line): give a title and no language.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import TextArea

from tui.widgets.footer import SteadyFooter


class FileViewerScreen(ModalScreen[None]):
    CSS_PATH = "file_viewer.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="viewer.close"),
        Binding("q", "dismiss", "Close", show=False, id="viewer.quit"),
    ]

    def __init__(
        self,
        display: str,
        text: str,
        line: int,
        column: int = 1,
        *,
        title: str | None = None,
        language: str | None = "yaml",
    ) -> None:
        super().__init__()
        self.display_name = display
        self.title_text = title
        self.language = language
        self.source_text = text
        self.line = max(line, 1)
        self.column = max(column, 1)

    def compose(self) -> ComposeResult:
        with Vertical(id="viewer-frame") as frame:
            where = f"{self.display_name}:{self.line}:{self.column}"
            frame.border_title = f"{self.title_text or where} (read-only)"
            yield TextArea(
                self.source_text,
                language=self.language,
                read_only=True,
                show_line_numbers=True,
                soft_wrap=False,
                id="viewer-text",
            )
        yield SteadyFooter()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        row = min(self.line - 1, max(area.document.line_count - 1, 0))
        area.focus()
        area.move_cursor((row, self.column - 1), center=True)
        self.call_after_refresh(area.scroll_cursor_visible, center=True, animate=False)
