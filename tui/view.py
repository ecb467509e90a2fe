"""What the screen shows, computed once per resolution, off the UI thread.

A `View` is a resolution plus the indexes the widgets need to answer quickly on a
tree of tens of thousands of values: the worst problem at or below each path, the
problems at each path, and every key path as text (for find and go-to).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from core.configset import ConfigSet, Resolution
from core.merging import Removal, removal_covering, removed_node
from core.metadata import condition_values, override_types
from core.model import (
    MAPPING,
    SCALAR,
    Key,
    KeyPath,
    Merged,
    Problem,
    Severity,
    format_path,
    parse_path,
)
from core.secrets.policy import Reveal
from core.trust import SchemaCode
from core.whatif import WhatIf
from tui.render import scalar_text

DEFAULT_ENVIRONMENTS = ("development", "staging", "production", "testing")


@dataclass(frozen=True, slots=True)
class SearchEntry:
    text: str
    """The key path as the user writes it: ``db.hosts[0].name``."""
    haystack: str
    """Path and (masked) scalar value, lower-cased: what a filter query is looked for in."""
    path: KeyPath
    removed: bool = False
    """The key is not in the config: an `!unset` took it (or an ancestor) out."""


@dataclass(frozen=True, slots=True)
class View:
    resolution: Resolution
    whatif: WhatIf
    root: Merged
    """The tree shown: the resolution's, or the last good one while a file is broken."""
    stale_because: Problem | None = None
    """The syntax error that made the app keep showing an earlier tree."""
    severity: dict[KeyPath, Severity] = field(default_factory=dict)
    problems_by_path: dict[KeyPath, list[Problem]] = field(default_factory=dict)
    index: list[SearchEntry] = field(default_factory=list)
    """Every key of `root`, in tree order, then every removed key: what find and go-to
    search."""
    trust_question: SchemaCode | None = None
    """The schema code that was not run because the set is not trusted (to ask about)."""
    trust_changed: bool = False
    """Whether that schema was trusted before in another version."""
    removed_under: dict[KeyPath, list[Key]] = field(default_factory=dict)
    """For a mapping, the keys of it that an `!unset` removed (and no layer put back)."""

    def node(self, path: KeyPath) -> Merged | None:
        """The node at `path`: in the config, or as it was before an `!unset` removed it."""
        found = self.root.get(path)
        if found is not None or not path:
            return found
        covering = self.removal_of(path)
        return removed_node(covering[1], covering[0], path) if covering else None

    def removal_of(self, path: KeyPath) -> tuple[KeyPath, Removal] | None:
        """(the removed path, its removal) when `path` is missing because of an `!unset`."""
        if not path or self.root.get(path) is not None:
            return None
        return removal_covering(self.resolution.removals, path)

    def children(self, path: KeyPath) -> list[tuple[Key, Merged]]:
        """The children of the node at `path`, the removed ones after the rest."""
        node = self.node(path)
        if node is None:
            return []
        if node.kind != MAPPING:
            return list(enumerate(node.value)) if isinstance(node.value, list) else []
        items: list[tuple[Key, Merged]] = list(node.value.items())
        for key in self.removed_under.get(path, ()):
            if key not in node.value:
                removed = self.node((*path, key))
                if removed is not None:
                    items.append((key, removed))
        return items

    @property
    def problems(self) -> list[Problem]:
        return self.resolution.problems

    @property
    def has_syntax_error(self) -> bool:
        return any(p.code == "syntax" and p.severity == "error" for p in self.problems)

    def watched_paths(self) -> list[Path]:
        """The set's directory and every layer file's, for the file watcher."""
        paths = [self.resolution.manifest.root]
        paths += [layer.path for layer in self.resolution.layers]
        return paths

    def file_path(self, display: str) -> Path:
        """The path of the layer file shown as `display`."""
        for layer in self.resolution.layers:
            if layer.display == display:
                return layer.path
        return self.resolution.manifest.root / display

    def source_of(self, path: KeyPath | None) -> tuple[Path, str, int, int] | None:
        """Where the value at `path` was written: (file, as shown, line, column)."""
        removal = self.removal_of(path) if path else None
        if removal is not None:  # where it was removed: the `!unset` line
            origin = removal[1].origin
            return self.file_path(origin.file), origin.file, origin.line, origin.column
        node = self.root.get(path) if path else None
        if node is None or not node.file:
            return None
        return self.file_path(node.file), node.file, node.line, node.column

    def override_types(self) -> list[str]:
        """Every override type some layer's conditions name, sorted, and the current one."""
        found = sorted(override_types(self.resolution.layers))
        current = self.resolution.context.override_type
        if current and current not in found:
            found.append(current)
        return found

    def environments(self) -> list[str]:
        """Environments some layer's conditions name, the usual ones, and the current one."""
        found = condition_values(self.resolution.layers, "environment")
        for name in DEFAULT_ENVIRONMENTS + (self.resolution.context.environment,):
            if name and name not in found:
                found.append(name)
        return found


def resolve_view(config_set: ConfigSet, whatif: WhatIf, last_good: View | None) -> View:
    """Resolve the set for `whatif` and index the result. Runs in a worker thread.

    When a file has a syntax error and the last good view was made for the same
    what-if, keep showing that view's tree (with the new problems): a half-typed
    edit should not collapse the tree the user is looking at.
    """
    context = config_set.context(**whatif.kwargs())
    resolution = config_set.resolve(context)
    syntax = next(
        (p for p in resolution.problems if p.code == "syntax" and p.severity == "error"), None
    )
    root = resolution.root
    if syntax is not None and last_good is not None and last_good.whatif == whatif:
        root = last_good.root
    else:
        syntax = None
    view = index_view(resolution, whatif, root, syntax)
    if any(p.code == "untrusted-schema" for p in resolution.problems):
        code = config_set.schema_code(resolution.manifest)
        if code is not None and code.source is not None:
            changed = config_set.schema_trust(code) == "changed"
            view = replace(view, trust_question=code, trust_changed=changed)
    return view


def index_view(
    resolution: Resolution, whatif: WhatIf, root: Merged, stale_because: Problem | None = None
) -> View:
    severity: dict[KeyPath, Severity] = {}
    by_path: dict[KeyPath, list[Problem]] = {}
    for problem in resolution.problems:
        path = parse_path(problem.path) if problem.path else ()
        by_path.setdefault(path, []).append(problem)
        for depth in range(len(path) + 1):
            prefix = path[:depth]
            if severity.get(prefix) != "error":
                severity[prefix] = problem.severity
    index: list[SearchEntry] = []
    for path, node in root.walk():
        index.append(_entry(path, node))
    removed_under: dict[KeyPath, list[Key]] = {}
    names = resolution.secret_keys
    for path, removal in resolution.removals.items():
        if root.get(path) is not None or removal.subtree is None:
            continue  # a higher layer put it back
        removed_under.setdefault(path[:-1], []).append(path[-1])
        for at, node in ((path, removal.subtree), *removal.subtree.walk(path)):
            index.append(_entry(at, node, removed=True, secret=names.on_path(at)))
    return View(
        resolution,
        whatif,
        root,
        stale_because,
        severity,
        by_path,
        index,
        removed_under=removed_under,
    )


def _entry(path: KeyPath, node: Merged, removed: bool = False, secret: bool = False) -> SearchEntry:
    text = format_path(path)
    # Secrets are not searchable by value: a hit would tell what they are.
    value = scalar_text(Reveal().scalar(node)) if node.kind == SCALAR and not secret else ""
    return SearchEntry(text, f"{text}\t{value}".lower(), path, removed)


def filter_paths(view: View, query: str) -> tuple[set[KeyPath], list[KeyPath]]:
    """The keys whose path or value contains `query` (any case), and their ancestors.

    Returns (every path to show, the matching paths in tree order).
    """
    needle = query.lower()
    matches = [entry.path for entry in view.index if needle in entry.haystack]
    visible: set[KeyPath] = set()
    for path in matches:
        for depth in range(len(path), 0, -1):
            prefix = path[:depth]
            if prefix in visible:
                break
            visible.add(prefix)
    return visible, matches
