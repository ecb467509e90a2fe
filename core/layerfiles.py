"""The layer files of a config set: its base files, then what its override patterns match.

Matching a pattern is done here rather than by `glob.glob`, without its surprises.

`glob.glob` follows symbolic links into directories, so ``overrides/**/*.yml`` with
``ln -s . overrides/a; ln -s . overrides/b`` walks an endless tree, and ``/**/*.yml``
walks the whole disk. This walker visits each directory at most once per pattern
segment (symlinks included, by device and inode), never follows a directory link out
of the set, stops after `MAX_ENTRIES` directory entries, and does not search a
recursive pattern that leaves the set at all. It keeps glob's rules otherwise:
``*``, ``?`` and ``[...]`` within a name, ``**`` for any depth, and names starting
with a dot only matched by a pattern segment that starts with a dot.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from core.manifest import DEFAULT_OVERRIDES, MANIFEST_NAME, Manifest, display_path, locate_key
from core.model import Problem, Severity

__all__ = ["MAX_ENTRIES", "PatternMatch", "layer_files", "match_pattern"]

# Directory entries one pattern may look at: far above any config set, far below a disk.
MAX_ENTRIES = 100_000
_MAGIC = frozenset("*?[")


@dataclass(slots=True)
class PatternMatch:
    """What one pattern found: layer files, matches that cannot be layers, and notes."""

    files: list[Path] = field(default_factory=list)
    unusable: list[tuple[Path, str, bool]] = field(default_factory=list)
    """(path, why it cannot be a layer, whether that is only a warning)."""
    warnings: list[str] = field(default_factory=list)
    """Sentences about the pattern itself (it leaves the set, it was cut short)."""
    errors: list[str] = field(default_factory=list)
    """Directories that could not be read."""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _not_a_layer(path: Path) -> tuple[str, bool] | None:
    """Why a matched name cannot be read as a layer (and whether only a warning)."""
    try:
        info = os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "is a symbolic link that loops", False
        if error.errno == errno.ENOENT:
            return "is a broken symbolic link", False
        return f"cannot be read: {error.strerror or error}", False
    if stat.S_ISDIR(info.st_mode):
        return "is a directory, not a layer file", True
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file", False
    return None


class _Walker:
    def __init__(self, root: str, segments: list[str], stay_inside: str | None) -> None:
        self.root = root
        self.segments = segments
        self.stay_inside = stay_inside  # the set's real path, when the walk starts inside it
        self.visited: set[tuple[int, int, int]] = set()
        self.entries = 0
        self.cut_short = False
        self.errors: list[str] = []
        self.found: list[str] = []

    def listing(self, directory: str) -> list[os.DirEntry[str]]:
        if self.cut_short:
            return []
        try:
            with os.scandir(directory or ".") as scan:
                entries = []
                for entry in scan:
                    self.entries += 1
                    if self.entries > MAX_ENTRIES:
                        self.cut_short = True
                        break
                    entries.append(entry)
                return entries
        except NotADirectoryError:
            return []
        except FileNotFoundError:
            return []
        except OSError as error:
            self.errors.append(f"{directory} cannot be read: {error.strerror or error}")
            return []

    def may_enter(self, directory: str) -> bool:
        """Not through a directory link out of the set, when the walk began inside it."""
        if self.stay_inside is None or not os.path.islink(directory.rstrip(os.sep)):
            return True
        return _inside(os.path.realpath(directory), self.stay_inside)

    def first_visit(self, directory: str, index: int) -> bool:
        """Whether `**` at `index` has not been in this directory yet (cycles end here)."""
        try:
            info = os.stat(directory)
        except (OSError, ValueError):
            return False
        if not stat.S_ISDIR(info.st_mode) or not self.may_enter(directory):
            return False
        key = (info.st_dev, info.st_ino, index)
        if key in self.visited:
            return False
        self.visited.add(key)
        return True

    def walk(self, directory: str, index: int) -> None:
        if index == len(self.segments):
            self.found.append(directory)
            return
        segment = self.segments[index]
        last = index == len(self.segments) - 1
        if segment == "**":
            if not self.first_visit(directory, index):
                return
            self.walk(directory, index + 1)  # zero directories
            for entry in self.listing(directory):
                if entry.name.startswith("."):
                    continue
                child = os.path.join(directory, entry.name)
                if _is_dir(entry):
                    self.walk(child, index)
            return
        if not _MAGIC.isdisjoint(segment):
            hidden_ok = segment.startswith(".")
            for entry in self.listing(directory):
                name = entry.name
                if name.startswith(".") and not hidden_ok:
                    continue
                if not fnmatch.fnmatchcase(name, segment):
                    continue
                child = os.path.join(directory, name)
                if last:
                    self.found.append(child)
                elif _is_dir(entry) and self.may_enter(child):
                    self.walk(child, index + 1)
            return
        child = os.path.join(directory, segment)
        if last:
            if os.path.lexists(child):
                self.found.append(child)
        elif os.path.isdir(child) and self.may_enter(child):
            self.walk(child, index + 1)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows a symlink; a loop or a dangling one is no directory
    except OSError:
        return False


def match_pattern(root: Path, pattern: str) -> PatternMatch:
    """The files `pattern` (relative to the set `root`, or absolute) matches.

    Never raises for what a manifest can hold.
    """
    result = PatternMatch()
    if "\x00" in pattern:
        result.errors.append(f"override pattern {pattern!r} contains a NUL byte")
        return result
    base = str(root)
    absolute = os.path.isabs(pattern)
    segments = [part for part in pattern.replace("\\", "/").split("/") if part not in ("", ".")]
    literal: list[str] = []
    for part in segments:
        if part == "**" or not _MAGIC.isdisjoint(part):
            break
        literal.append(part)
    start = os.sep if absolute else base
    reach = os.path.normpath(os.path.join(start, *literal))
    real_root = os.path.realpath(base)
    inside = _inside(reach, base) and _inside(os.path.realpath(reach), real_root)
    if not inside:
        if "**" in segments:
            result.warnings.append(
                f"override pattern '{pattern}' reaches outside the config set and uses '**';"
                " it is not searched, so it cannot walk the whole disk"
            )
            return result
        result.warnings.append(f"override pattern '{pattern}' reaches outside the config set")
    walker = _Walker(start, segments, real_root if inside else None)
    try:
        walker.walk(start, 0)
    except RecursionError:
        walker.cut_short = True
    if walker.cut_short:
        result.warnings.append(
            f"override pattern '{pattern}' was stopped after {MAX_ENTRIES:,} directory"
            " entries; some files it names may be missing"
        )
    result.errors.extend(walker.errors)
    seen: set[str] = set()
    for found in walker.found:
        path = os.path.normpath(found)
        if path in seen:
            continue
        seen.add(path)
        why = _not_a_layer(Path(path))
        if why is None:
            result.files.append(Path(path))
        else:
            result.unusable.append((Path(path), *why))
    return result


def layer_files(manifest: Manifest) -> tuple[list[tuple[Path, bool]], list[Problem]]:
    """The set's layer files as ``(path, is_base)``, in file order.

    Base files come first in the order listed, then the files of each override glob
    in the order the manifest lists the globs (each glob's files sorted by path): a
    later file wins a priority tie. A file is listed once: the first mention wins, so
    a base file that an override glob also matches stays a base. Globs are relative to the
    set root and may use ``**``. The default globs never warn when they match nothing;
    globs from the manifest do.
    """
    problems = _ManifestProblems(manifest)
    try:
        if not manifest.root.is_dir():
            return [], problems.found
    except OSError:
        return [], problems.found
    seen: set[Path] = set()  # resolved paths already listed
    files = _base_files(manifest, seen, problems)
    files += _override_files(manifest, seen, problems)
    return files, problems.found


class _ManifestProblems:
    """Problems found listing the files; one about a manifest key is at its line."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.display = MANIFEST_NAME if manifest.file is not None else None
        self.found: list[Problem] = []

    def at_key(self, severity: Severity, message: str, key: str) -> None:
        where = locate_key(self.manifest, key) if self.display is not None else None
        line = where[1] if where is not None else None
        self.found.append(
            Problem(
                severity=severity,
                message=message,
                path=key,
                file=self.display,
                line=line,
                column=1 if line else None,
                code="manifest",
            )
        )


def _base_files(
    manifest: Manifest, seen: set[Path], problems: _ManifestProblems
) -> list[tuple[Path, bool]]:
    """The base files that exist, each once, in the order the manifest lists them."""
    root = manifest.root
    files: list[tuple[Path, bool]] = []
    for name in manifest.base:
        path = Path(os.path.normpath(root / name))
        shown = display_path(path, root)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            problems.at_key("error", f"base file {shown} does not exist", "base")
            continue
        except OSError as error:
            reason = error.strerror or error
            problems.at_key("error", f"base file {shown} cannot be read: {reason}", "base")
            continue
        if not stat.S_ISREG(info.st_mode):
            problems.at_key("error", f"base file {shown} is not a file", "base")
            continue
        key = path.resolve()
        if key in seen:
            problems.at_key("warning", f"base file {shown} is listed more than once", "base")
            continue
        seen.add(key)
        files.append((path, True))
    return files


def _override_files(
    manifest: Manifest, seen: set[Path], problems: _ManifestProblems
) -> list[tuple[Path, bool]]:
    """What the override patterns match and is not listed yet, group by group.

    The manifest's order decides ties, as `helm -f a -f b` does: each entry of
    `overrides` in turn, the files one glob matches in path order. The default globs
    are one entry, so `x.yml` and `x.yaml` files keep a single path order.
    """
    root = manifest.root
    default = manifest.overrides == DEFAULT_OVERRIDES
    groups = [manifest.overrides] if default else [(pattern,) for pattern in manifest.overrides]
    unusable: set[Path] = set()
    files: list[tuple[Path, bool]] = []
    for group in groups:
        matched: dict[Path, Path] = {}
        for pattern in group:
            found = match_pattern(root, pattern)
            _report_match(found, pattern, default, unusable, problems)
            for hit in found.files:
                key = hit.resolve()
                if key not in seen:
                    matched.setdefault(key, hit)
        for key, path in sorted(matched.items(), key=lambda item: display_path(item[1], root)):
            seen.add(key)
            files.append((path, False))
    return files


def _report_match(
    found: PatternMatch,
    pattern: str,
    default: bool,
    unusable: set[Path],
    problems: _ManifestProblems,
) -> None:
    """What one override pattern's match has to say; a file that cannot be a layer once."""
    for message in found.warnings:
        problems.at_key("warning", message, "overrides")
    for message in found.errors:
        problems.at_key("error", f"{message}; override files in it are missing", "overrides")
    for path, why, minor in found.unusable:
        if path in unusable:
            continue
        unusable.add(path)
        shown = display_path(path, problems.manifest.root)
        problems.found.append(
            Problem(
                severity="warning" if minor else "error",
                message=f"{shown} {why}; the override pattern '{pattern}' matches it,"
                " but it is not read as a layer",
                file=shown,
                code="io",
            )
        )
    if not found.files and not (default or found.unusable or found.warnings):
        problems.at_key("warning", f"override pattern '{pattern}' matches no file", "overrides")
