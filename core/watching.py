"""Watching a config set's directories for saved files.

Directories, not single files: editors save by writing a temporary file and renaming
it over the original, which a watch on the original file's inode would miss. Changes
arrive debounced (the burst of events one save makes becomes one set of paths) and
filtered to the files a config set is made of: YAML, TOML (the manifest) and Python
(the schema).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

from watchfiles import DefaultFilter, awatch

WATCHED_SUFFIXES = (".yaml", ".yml", ".toml", ".py")

# Milliseconds. One save is a burst of events within a few ms; wait `STEP_MS` of quiet
# before yielding, and never sit on changes longer than `DEBOUNCE_MS`.
DEBOUNCE_MS = 100
STEP_MS = 30


class ConfigFileFilter(DefaultFilter):
    """Lets through changes to config-set files; ignores caches, VCS and swap files."""

    def __init__(self, suffixes: Iterable[str] = WATCHED_SUFFIXES) -> None:
        super().__init__()
        self.suffixes = tuple(suffixes)

    def __call__(self, change: Any, path: str) -> bool:
        return path.endswith(self.suffixes) and bool(super().__call__(change, path))


def watch_roots(paths: Iterable[Path]) -> list[Path]:
    """The fewest directories that cover `paths` (existing files or directories).

    A file stands for its directory; a directory inside another one in the list is
    dropped, since the watch is recursive. A path that does not exist is dropped
    rather than replaced by its parent: a mistyped set directory must not turn into
    a recursive watch of, say, /tmp.
    """
    dirs: set[Path] = set()
    for path in paths:
        try:
            if path.is_dir():
                dirs.add(path.resolve())
            elif path.exists():
                dirs.add(path.resolve().parent)
        except OSError:
            continue
    ordered = sorted(dirs, key=lambda d: (len(d.parts), str(d)))
    roots: list[Path] = []
    for candidate in ordered:
        if not any(candidate.is_relative_to(root) for root in roots):
            roots.append(candidate)
    return roots


async def watch_changes(
    paths: Iterable[Path],
    *,
    debounce_ms: int = DEBOUNCE_MS,
    step_ms: int = STEP_MS,
    suffixes: Iterable[str] = WATCHED_SUFFIXES,
) -> AsyncIterator[set[Path]]:
    """Yield the set of changed config files after each (debounced) burst of saves.

    `paths` are the files and directories of a config set; their directories are
    watched recursively. Yields nothing, and returns, if none of them exists.
    Cancel the consuming task to stop: the watcher thread is told to stop at once.
    """
    roots = watch_roots(paths)
    if not roots:
        return
    async for changes in awatch(
        *roots,
        watch_filter=ConfigFileFilter(suffixes),
        debounce=debounce_ms,
        step=step_ms,
        recursive=True,
    ):
        changed = {Path(path) for _change, path in changes}
        if changed:
            yield changed
