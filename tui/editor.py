"""Handing a file over to the user's editor, at a line, with the app suspended."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

from textual.app import App, SuspendNotSupported


def editor_command(path: Path, line: int) -> list[str] | None:
    """`$VISUAL` (else `$EDITOR`) opening `path` at `line`; None when neither is set.

    ``+LINE`` is understood by vi, vim, nvim, nano, emacs, micro, kak and helix.
    """
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor or not editor.strip():
        return None
    return [*shlex.split(editor), f"+{max(line, 1)}", str(path)]


def run_editor(app: App[Any], command: list[str]) -> str | None:
    """Run `command` in the terminal the app gives up meanwhile; an error message or None."""
    try:
        with app.suspend():
            subprocess.call(command)
    except SuspendNotSupported:
        return "This terminal cannot hand over to an editor."
    except OSError as error:
        return f"cannot run {command[0]}: {error.strerror}"
    return None
