"""Writing a plan: only over the version it was planned from, atomically, then proven.

The file must still be what the plan was made from (size, mtime, SHA-256); then
the new bytes go to a temp file in the same directory, are fsynced, renamed over
the file (its mode kept) and the directory is fsynced, as git writes its lock files.
The file is read back: if it is not exactly the planned bytes, the old bytes are
put back the same way. The plan itself was already re-parsed and checked to change
only its path (`core.editing.checking`), so equal bytes need no second parse.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.editing.planning import EditPlan
from core.editing.source import FileStamp, current_stamp
from core.model import Problem, format_path


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What happened to one plan: written (and the file's new identity) or why not."""

    plan: EditPlan
    written: bool
    stamp: FileStamp | None = None  # the file as written: the watcher's "that was us"
    problem: Problem | None = None


def _problem(plan: EditPlan, message: str) -> Problem:
    return Problem(
        severity="error",
        message=message,
        path=format_path(plan.path),
        file=plan.display,
        line=plan.line,
        column=1,
        code="edit",
    )


def atomic_write(path: Path, data: bytes, mode: int) -> None:
    """Replace `path` with `data`: temp file beside it, fsync, rename, fsync the directory.

    On any failure the temp file is removed and `path` is untouched; the error is raised.
    A symlink is followed: the file it points to is replaced, the link stays.
    """
    path = Path(os.path.realpath(path))
    directory = path.parent
    try:
        info = os.stat(path)
        owner: tuple[int, int] | None = (info.st_uid, info.st_gid)
    except OSError:
        owner = None
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".confscope-tmp", dir=directory)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fchmod(fd, mode)
            if owner is not None and hasattr(os, "fchown") and owner != _me():
                # Edited with sudo, the file still belongs to whoever owned it (the
                # app that reads it); a user who cannot give it away keeps it.
                with contextlib.suppress(OSError):
                    os.fchown(fd, *owner)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(directory)


def _me() -> tuple[int, int]:
    return os.geteuid(), os.getegid()


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not every platform opens directories
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def write_plan(
    plan: EditPlan, *, on_written: Callable[[Path, FileStamp], None] | None = None
) -> WriteResult:
    """Write `plan` if its file is unchanged since it was planned; never raises for I/O."""
    stamp, data = current_stamp(plan.file)
    if stamp is None or data is None:
        return WriteResult(plan, False, problem=_problem(plan, f"{plan.display} is gone"))
    if (stamp.size, stamp.mtime_ns, stamp.sha256) != (
        plan.stamp.size,
        plan.stamp.mtime_ns,
        plan.stamp.sha256,
    ):
        return WriteResult(
            plan,
            False,
            problem=_problem(
                plan,
                f"{plan.display} changed on disk since the edit was planned; nothing was"
                " written (reload and edit again)",
            ),
        )
    if not plan.changed:
        return WriteResult(plan, False, stamp)
    try:
        atomic_write(plan.file, plan.after, plan.mode)
    except OSError as error:
        reason = error.strerror or str(error)
        return WriteResult(
            plan,
            False,
            problem=_problem(plan, f"cannot write {plan.display}: {reason}; it is unchanged"),
        )
    written, back = current_stamp(plan.file)
    if back != plan.after:
        try:
            atomic_write(plan.file, plan.before, plan.mode)
        except OSError as error:
            message = (
                f"{plan.display} did not read back as written, and restoring it failed:"
                f" {error.strerror or error}"
            )
        else:
            message = f"{plan.display} did not read back as written; the old bytes were restored"
        return WriteResult(plan, False, problem=_problem(plan, message))
    if on_written is not None and written is not None:
        on_written(plan.file, written)
    return WriteResult(plan, True, written)


def undo_plan(result: WriteResult) -> EditPlan | None:
    """The plan that puts back what `result` replaced (None if nothing was written).

    Its identity is the written file's, so an undo after someone else changed the
    file is refused like any other stale edit.
    """
    if not result.written or result.stamp is None:
        return None
    plan = result.plan
    return EditPlan(
        plan.action,
        plan.path,
        plan.layer,
        plan.file,
        plan.display,
        result.stamp,
        plan.after,
        plan.before,
        plan.mode,
        plan.splice,
        plan.line,
        f"undo: {plan.description}",
    )
