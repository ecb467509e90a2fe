"""Handing a file over to the user's editor, at a line, with the app suspended.

The editor is chosen as git chooses it: `$VISUAL`, else `$EDITOR`, split like a shell
would (`code --wait`, `"/opt/My Editor/bin/edit" -n`). Whatever goes wrong, the app
comes back: a program that cannot be found is refused before the terminal is handed
over, and a failure while it is handed over is caught inside the suspension, so the
app always resumes and says what happened.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from textual.app import App, SuspendNotSupported

# Editors that open a file at a line given as `+LINE` before it (vi and its kin,
# emacs, nano, micro, kakoune, joe...), and those that take `FILE:LINE` instead.
_PLUS_LINE = frozenset(
    [
        "vi",
        "vim",
        "nvim",
        "gvim",
        "mvim",
        "view",
        "ex",
        "nano",
        "pico",
        "emacs",
        "emacsclient",
        "micro",
        "kak",
        "joe",
        "jed",
        "ne",
        "mg",
    ]
)
_COLON_LINE = frozenset(["subl", "sublime_text", "zed", "hx", "helix"])
_GOTO_LINE = frozenset(["code", "code-insiders", "codium", "cursor", "windsurf"])


class EditorError(Exception):
    """The editor setting cannot be used; the message is for the user."""


def editor_setting(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(variable, value) of the editor to use: `VISUAL` before `EDITOR`; None if unset."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "")
        if value.strip():
            return name, value
    return None


def editor_command(
    path: Path, line: int, environ: Mapping[str, str] | None = None
) -> list[str] | None:
    """The command opening `path` at `line` in the user's editor; None when none is set.

    Raises `EditorError` when the setting cannot be split into words (an unclosed quote).
    """
    setting = editor_setting(environ)
    if setting is None:
        return None
    name, value = setting
    try:
        words = shlex.split(value)
    except ValueError as error:
        raise EditorError(f"${name} cannot be read as a command ({error}): {value!r}") from None
    if not words:
        return None
    line = max(line, 1)
    program = Path(words[0]).name
    if program in _PLUS_LINE:
        return [*words, f"+{line}", str(path)]
    if program in _COLON_LINE:
        return [*words, f"{path}:{line}"]
    if program in _GOTO_LINE:
        return [*words, "--goto", f"{path}:{line}"]
    return [*words, str(path)]


def run_editor(app: App[Any], command: list[str]) -> str | None:
    """Run `command` in the terminal the app gives up meanwhile.

    Returns a message for the user when the editor could not be started or failed,
    None when it ran and exited cleanly. The app is resumed in every case.
    """
    program = command[0]
    if shutil.which(program) is None:
        return (
            f"The editor could not be started: {program!r} was not found (check $VISUAL / $EDITOR)."
        )
    failure: str | None = None
    try:
        with app.suspend():
            # Nothing may escape this block: an exception here would skip the resume
            # and leave the terminal blank with keys echoing raw.
            try:
                status = subprocess.call(command)
            except OSError as error:
                failure = f"The editor could not be started: {program}: {error.strerror}."
            else:
                if status != 0:
                    failure = f"The editor {program} exited with status {status}."
    except SuspendNotSupported:
        return "This terminal cannot hand over to an editor."
    return failure


def edit_at(app: App[Any], path: Path, line: int) -> str | None:
    """Open `path` at `line` in the user's editor; a message for the user when it could
    not be done (no editor set, a setting that cannot be read, a failed start)."""
    try:
        command = editor_command(path, line)
    except EditorError as error:
        return str(error)
    if command is None:
        return "Set $EDITOR (or $VISUAL) to edit files."
    return run_editor(app, command)
