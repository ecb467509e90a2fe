"""The session's edits: an undo/redo stack, and which file versions the app wrote itself.

Both are plain objects the main screen holds; the engine does the writing
(`core.editing.write_plan`) and reverses a write (`undo_plan`), so undoing is
writing the reverse plan, which the writer refuses like any other stale edit when
the file changed since.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from core.editing import EditPlan, FileStamp, WriteResult, undo_plan
from core.editing.source import current_stamp

# An undo stack longer than this drops its oldest edits.
HISTORY_LIMIT = 200


class EditHistory:
    """Written edits, newest last; an undo moves one to the redo stack and back."""

    def __init__(self) -> None:
        self._done: list[WriteResult] = []
        self._undone: list[WriteResult] = []

    def wrote(self, result: WriteResult) -> None:
        """A new edit was written: it can be undone, and nothing can be redone."""
        if result.written:
            self._done.append(result)
            del self._done[:-HISTORY_LIMIT]
            self._undone.clear()

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def undo_plan(self) -> EditPlan | None:
        """The plan that reverses the newest edit (the history is unchanged until
        `undone` says it was written)."""
        return undo_plan(self._done[-1]) if self._done else None

    def redo_plan(self) -> EditPlan | None:
        """The plan that makes the newest undone edit again."""
        return undo_plan(self._undone[-1]) if self._undone else None

    def undone(self, result: WriteResult) -> None:
        """The reverse of the newest edit was written."""
        if result.written and self._done:
            self._done.pop()
            self._undone.append(result)

    def redone(self, result: WriteResult) -> None:
        """The newest undone edit was made again."""
        if result.written and self._undone:
            self._undone.pop()
            self._done.append(result)


class OwnWrites:
    """The file versions the app wrote, so the watcher can tell its saves from others'.

    `record` is the writer's `on_written` callback (it runs in a worker thread); a
    changed path whose bytes on disk are still a version we wrote is ours.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamps: dict[Path, FileStamp] = {}

    def record(self, path: Path, stamp: FileStamp) -> None:
        with self._lock:
            self._stamps[Path(os.path.realpath(path))] = stamp

    def ours(self, path: Path) -> bool:
        """Whether `path` on disk is exactly what the app last wrote there."""
        with self._lock:
            stamp = self._stamps.get(Path(os.path.realpath(path)))
        if stamp is None:
            return False
        now, _data = current_stamp(path)
        return now is not None and (now.size, now.mtime_ns, now.sha256) == (
            stamp.size,
            stamp.mtime_ns,
            stamp.sha256,
        )

    def foreign(self, paths: set[Path]) -> set[Path]:
        """The paths of `paths` that changed for some other reason than our writes."""
        return {path for path in paths if not self.ours(path)}
