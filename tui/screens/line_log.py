"""`git log -L` of one line: read in a worker thread, shown in the read-only viewer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.screen import Screen

from core.history import GitHistory
from tui.screens.file_viewer import FileViewerScreen


def open_line_log(
    screen: Screen[Any], history: GitHistory, path: Path, display: str, line: int
) -> None:
    """Every commit that changed `line` of `path`, in a viewer over `screen`; git never
    runs on the UI thread."""

    def read() -> None:
        text = history.log(path, line)
        screen.app.call_from_thread(_show, screen, display, line, text)

    screen.run_worker(read, thread=True, exclusive=True, group="history", exit_on_error=False)


def _show(screen: Screen[Any], display: str, line: int, text: str | None) -> None:
    if text is None:
        screen.notify(
            f"{display} is not in a git work tree (or git is not installed).",
            severity="warning",
            markup=False,
        )
        return
    title = f"git log -L {line},{line}:{display}"
    screen.app.push_screen(FileViewerScreen(display, text, 1, title=title, language=None))
