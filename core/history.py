"""Who last changed a line: `git blame` for the definitions a `why` names.

git runs as a subprocess (no binding needed); outside a git work tree, or with no git
installed, every answer is None and nothing is said. A line that differs from the last
commit (or a file git does not track) is told as not committed yet. Answers are kept per
file per content hash, so asking again about an unchanged file runs no git at all.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.model import Merged, Origin
    from core.resolution import Resolution

# A git that hangs (a network file system, a lock) must not hang a `why`.
GIT_TIMEOUT = 10.0
_ZERO_COMMIT = "0" * 40
# What git says when the file (or the whole history) has no commit to blame.
_NEVER_COMMITTED = ("no such path", "no such ref", "does not have any commits")


@dataclass(frozen=True, slots=True)
class LineHistory:
    """The last commit that touched one line, or the mark that it is not committed yet."""

    commit: str | None  # the full hash; None when the line is not committed
    author: str
    date: str  # ISO 8601 with the author's offset; "" when not committed
    summary: str

    @property
    def committed(self) -> bool:
        return self.commit is not None

    @property
    def short(self) -> str:
        return self.commit[:8] if self.commit else "uncommitted"

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "author": self.author,
            "date": self.date,
            "summary": self.summary,
            "committed": self.committed,
        }

    def __str__(self) -> str:
        if not self.committed:
            return "not committed yet"
        summary = self.summary if len(self.summary) <= 72 else self.summary[:71] + "…"
        return f"{self.short} {self.author} {self.date[:10]}  {summary}"


NOT_COMMITTED = LineHistory(None, "", "", "not committed yet")


@dataclass(frozen=True, slots=True)
class NodeHistory:
    """The history of a value's winning line and of each definition it beat."""

    winner: LineHistory | None
    beaten: tuple[LineHistory | None, ...]  # in `Merged.overridden` order

    @property
    def known(self) -> bool:
        return self.winner is not None or any(h is not None for h in self.beaten)

    def by_origin(self, node: Merged) -> dict[Origin, LineHistory | None]:
        """Each beaten definition's history by where it stands (`node` is the one asked
        about): for faces that list the beaten and the merged-over apart."""
        return {d.origin: h for d, h in zip(node.overridden, self.beaten, strict=True)}


class GitHistory:
    """`git blame` answers, cached per file per content hash; safe across threads."""

    def __init__(self, git: str | None = None) -> None:
        self.git = git or shutil.which("git")
        self._lock = threading.Lock()
        self._cache: dict[tuple[Path, str], dict[int, LineHistory | None]] = {}
        self._outside: set[Path] = set()  # directories git said are in no work tree

    def line(self, path: Path, line: int) -> LineHistory | None:
        """The last commit that touched `line` (1-based) of `path`, or None if unknown."""
        if self.git is None or line < 1:
            return None
        try:
            path = path.resolve()
            digest = hashlib.sha1(path.read_bytes()).hexdigest()
        except OSError:
            return None
        with self._lock:
            lines = self._cache.setdefault((path, digest), {})
            if line in lines:
                return lines[line]
        found = self._blame(path, line)
        # A line not committed yet becomes committed without its file changing: ask again.
        if found is None or found.committed:
            with self._lock:
                lines[line] = found
        return found

    def lines(self, sites: Sequence[tuple[Path, int]]) -> list[LineHistory | None]:
        return [self.line(path, line) for path, line in sites]

    def log(self, path: Path, line: int) -> str | None:
        """`git log -L line,line:file`: every commit that changed the line, with its diff.

        None outside a git work tree; git's own one-line complaint if it refuses.
        """
        if self.git is None:
            return None
        done = self._run("log", "--no-color", f"-L{line},{line}:{path.name}", cwd=path.parent)
        if done is None:
            return None
        if done.returncode == 0:
            return done.stdout or "git log found no commit that touched this line.\n"
        error = done.stderr.strip().splitlines()
        message = error[-1] if error else f"git log exited with {done.returncode}"
        if "not a git repository" in message:
            return None
        if any(words in message for words in _NEVER_COMMITTED):
            return f"{path.name} has no commits yet: git has no history for this line.\n"
        return f"git log -L failed: {message.removeprefix('fatal: ')}\n"

    def _blame(self, path: Path, line: int) -> LineHistory | None:
        if path.parent in self._outside:
            return None  # asked once: no git process per edit outside a work tree
        done = self._run(
            "blame", "--porcelain", f"-L{line},{line}", "--", path.name, cwd=path.parent
        )
        if done is None:
            return None
        if done.returncode != 0:
            if any(words in done.stderr for words in _NEVER_COMMITTED):
                return NOT_COMMITTED
            if "not a git repository" in done.stderr:
                with self._lock:
                    self._outside.add(path.parent)
            return None  # not a work tree, a line past the end: nothing to say
        return parse_porcelain(done.stdout)

    def _run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str] | None:
        assert self.git is not None
        # The child's environment only: ours is never changed.
        env = {**os.environ, "LC_ALL": "C", "LANGUAGE": "C", "GIT_OPTIONAL_LOCKS": "0"}
        env["GIT_TERMINAL_PROMPT"] = "0"
        try:
            return subprocess.run(
                [self.git, "-C", str(cwd), *args],
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                stdin=subprocess.DEVNULL,
                env=env,
                timeout=GIT_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None


def parse_porcelain(text: str) -> LineHistory | None:
    """The commit of the first line in `git blame --porcelain` output."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return None
    commit = lines[0].split()[0]
    fields: dict[str, str] = {}
    for row in lines[1:]:
        if row.startswith("\t"):
            break
        name, _, value = row.partition(" ")
        fields[name] = value
    if commit == _ZERO_COMMIT:
        return NOT_COMMITTED
    return LineHistory(
        commit=commit,
        author=fields.get("author", ""),
        date=_iso_date(fields.get("author-time", ""), fields.get("author-tz", "")),
        summary=fields.get("summary", ""),
    )


def _iso_date(epoch: str, offset: str) -> str:
    try:
        seconds = int(epoch)
        sign = -1 if offset.startswith("-") else 1
        hours, minutes = int(offset[1:3]), int(offset[3:5])
    except ValueError:
        return ""
    zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return datetime.fromtimestamp(seconds, zone).isoformat()


def node_history(history: GitHistory, resolution: Resolution, node: Merged) -> NodeHistory:
    """The history of `node`'s winning definition and of each one it beat."""
    files = {layer.display: layer.path for layer in resolution.layers}

    def where(display: str) -> Path:
        return files.get(display) or resolution.manifest.root / display

    winner = history.line(where(node.file), node.line) if node.file else None
    beaten = tuple(history.line(where(d.origin.file), d.origin.line) for d in node.overridden)
    return NodeHistory(winner, beaten)
