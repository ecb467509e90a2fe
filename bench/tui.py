"""The TUI rows: time to the first frame with a tree, from a saved file to the new tree,
and from an edit saved in the app to the new tree.

Everything here runs the real app headless (`App.run_test`). The only things this
module knows about the app are in `_app`, `_main_screen` and `_tree` (and the tree's
`view`, `cursor_path` and `shown_label`): if the app's API moves, those are what to
change. `unavailable()` says, in words, why the
rows cannot run, and the table prints that instead of a time.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

SIZE = (120, 40)
TIMEOUT = 20.0  # seconds before a wait is given up as a failure
POLL = 0.002
WATCH_SETTLE = 0.3  # the watcher thread needs a moment after its worker starts
_INT_LINE = r"^(\s*{key}:\s*)(-?\d+)(\s*(#.*)?)$"


class TuiError(RuntimeError):
    """The app did not reach the state a row waits for."""


def unavailable() -> str | None:
    """Why the TUI rows cannot run here, or None when they can."""
    try:
        _app_class()
        from tui.screens.main import MainScreen  # noqa: F401
        from tui.widgets.config_tree import ConfigTree  # noqa: F401
    except ImportError as error:
        return f"tui not importable: {error}"
    return None


def _app_class() -> Any:
    from tui.app import ConfscopeApp

    return ConfscopeApp


def _app(root: Path, *, trusted: bool = False) -> Any:
    """A fresh app on `root` in the real context, as `confscope -C root` starts it
    (`trusted`: as `--trust` does, so no question covers the screen)."""
    return _app_class()(root, trust_schema=trusted)


def _edit_dialog(app: Any) -> Any | None:
    from tui.screens.edit import EditScreen

    return app.screen if isinstance(app.screen, EditScreen) else None


def _main_screen(app: Any) -> Any | None:
    from tui.screens.main import MainScreen

    return next((s for s in app.screen_stack if isinstance(s, MainScreen)), None)


def _tree(app: Any) -> Any | None:
    from tui.widgets.config_tree import ConfigTree

    screen = _main_screen(app)
    return None if screen is None else screen.query_one(ConfigTree)


def _has_content(app: Any) -> bool:
    tree = _tree(app)
    return tree is not None and tree.view is not None and bool(tree.root.children)


async def _until(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.perf_counter() + TIMEOUT
    while not predicate():
        if time.perf_counter() > deadline:
            raise TuiError(f"timed out after {TIMEOUT:.0f} s waiting for {what}")
        await asyncio.sleep(POLL)


async def _first_frame(root: Path) -> float:
    """Seconds from constructing the app to the first painted frame whose tree has nodes."""
    start = time.perf_counter()
    app = _app(root)
    async with app.run_test(size=SIZE) as pilot:
        await _until(lambda: _has_content(app), "the tree's first nodes")
        await pilot.pause()  # let the frame with those nodes be laid out and painted
        elapsed = time.perf_counter() - start
    return elapsed


def first_frame(root: Path, runs: int) -> list[float]:
    """Seconds to the first frame, one fresh app (and event loop) per run."""
    return [asyncio.run(_first_frame(root)) for _ in range(runs)]


def _edit_target(app: Any, root: Path) -> tuple[tuple[Any, ...], Path, int, int]:
    """A plain int in base.yml that wins in the merged tree: (path, file, line, value)."""
    tree = _tree(app)
    assert tree is not None and tree.view is not None
    base = root / "base.yml"
    lines = base.read_text().splitlines()
    for path, node in tree.view.root.walk():
        value = node.value
        if node.file != "base.yml" or type(value) is not int or not isinstance(path[-1], str):
            continue
        pattern = _INT_LINE.format(key=re.escape(path[-1]))
        found = re.match(pattern, lines[node.line - 1])
        if found and int(found.group(2)) == value:
            return path, base, node.line, value
    raise TuiError("no plain int from base.yml wins in the merged tree")


def _rewrite(file: Path, line: int, value: int) -> None:
    lines = file.read_text().splitlines(keepends=True)
    old = lines[line - 1]
    lines[line - 1] = re.sub(r"(:\s*)-?\d+", rf"\g<1>{value}", old, count=1)
    file.write_text("".join(lines))


def _watching(app: Any) -> bool:
    """The main screen's watch worker runs (the watcher thread starts soon after)."""
    screen = _main_screen(app)
    return screen is not None and any(
        worker.group == "watch" and worker.is_running for worker in screen.workers
    )


def _shows(app: Any, path: tuple[Any, ...], value: int) -> bool:
    tree = _tree(app)
    if tree is None or tree.view is None:
        return False
    node = tree.view.root.get(path)
    return node is not None and node.value == value


async def _write_to_tree(root: Path, runs: int) -> list[float]:
    """Seconds from writing a changed value to the tree holding it, once per run."""
    app = _app(root)
    times: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await _until(lambda: _has_content(app), "the tree's first nodes")
        await _until(lambda: _watching(app), "the file watcher to start")
        await asyncio.sleep(WATCH_SETTLE)
        path, file, line, value = _edit_target(app, root)
        for run in range(runs):
            new = value + run + 1
            start = time.perf_counter()
            _rewrite(file, line, new)
            await _until(partial(_shows, app, path, new), "the tree to show the edit")
            await pilot.pause()
            times.append(time.perf_counter() - start)
            await asyncio.sleep(0.25)  # keep the next write out of this one's debounce
    return times


def write_to_tree(samples_dir: Path, runs: int) -> list[float]:
    """Seconds from a file write to the updated tree, on a scratch copy of `samples_dir`."""
    with tempfile.TemporaryDirectory(prefix="confscope-bench-tui-") as scratch:
        root = Path(scratch) / "set"
        shutil.copytree(samples_dir, root)
        return asyncio.run(_write_to_tree(root, runs))


def _cursor_at(tree: Any, path: tuple[Any, ...]) -> bool:
    return bool(tree.cursor_path == path)


def _cursor_on(app: Any, path: tuple[Any, ...], value: int) -> bool:
    """The tree holds `value` at `path`, its node's label reads it (the tree is updated
    in place: the data alone would not prove the label was redrawn), cursor on it."""
    tree = _tree(app)
    if not _shows(app, path, value) or tree is None or tree.cursor_path != path:
        return False
    label = tree.shown_label(path)
    return label is not None and label.startswith(f"{path[-1]}: {value} ")


async def _edit_to_tree(root: Path, runs: int) -> list[float]:
    """Seconds from Enter in the edit dialog to the tree showing the value, cursor on it."""
    from textual.widgets import Input

    app = _app(root, trusted=True)
    times: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await _until(lambda: _has_content(app), "the tree's first nodes")
        path, _file, _line, value = _edit_target(app, root)
        for run in range(runs):
            new = value + run + 1
            tree: Any = _tree(app)
            tree.reveal(path)
            await _until(partial(_cursor_at, tree, path), "the cursor on the key")
            await pilot.press("i")
            await _until(lambda: _edit_dialog(app) is not None, "the edit dialog")
            await pilot.pause()
            dialog: Any = _edit_dialog(app)
            dialog.query_one("#edit-value", Input).value = str(new)
            await pilot.pause()
            start = time.perf_counter()
            await pilot.press("enter")
            await _until(lambda: _edit_dialog(app) is None, "the dialog to close")
            await _until(partial(_cursor_on, app, path, new), "the tree to show the edit")
            await pilot.pause()
            times.append(time.perf_counter() - start)
            await asyncio.sleep(0.25)  # the watcher's event for this write passes
    return times


def edit_to_tree(samples_dir: Path, runs: int) -> list[float]:
    """Seconds from saving an edit in the TUI to the updated tree, on a scratch copy."""
    with tempfile.TemporaryDirectory(prefix="confscope-bench-tui-") as scratch:
        root = Path(scratch) / "set"
        shutil.copytree(samples_dir, root)
        return asyncio.run(_edit_to_tree(root, runs))
