"""What a walk of a YAML file found (`core.editing.spans.locate`), in characters of its text.

A `Span` is one node as written; an `Entry` one child of a collection; a `Collection`
a mapping or list on the path with all its entries; `Located` everything one walk
found about one key path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.model import MAPPING, Key, KeyPath

ALIAS = 3
MERGE_KEY = "<<"


@dataclass(slots=True)
class Span:
    """One node as written: where it starts and ends, and how it is written."""

    kind: int  # SCALAR, MAPPING, SEQUENCE or ALIAS
    start: int  # first character, anchor and tag included
    end: int  # one past the last character (a block collection: of its last content)
    body: int  # first character after the anchor and the tag
    line: int  # 1-based line of `start`
    column: int  # 0-based column of `start`
    style: str  # scalar: "", "'", '"', "|", ">"; collection: "flow" or "block"
    anchor: str | None = None
    tag: str | None = None
    value: str | None = None  # a scalar's text; an alias's anchor name


@dataclass(slots=True)
class Entry:
    """One child of a collection: a `key: value` pair or a list item."""

    key: Key
    start: int  # the key's first character; a block list item: its '-'
    key_end: int  # one past the key (list items: == start)
    line: int
    column: int
    value: Span


@dataclass(slots=True)
class Collection:
    """A mapping or list on the path, with every one of its entries."""

    path: KeyPath
    span: Span
    entries: list[Entry] = field(default_factory=list)
    end_mark: int = -1  # where its end event stands (a flow collection: its bracket)

    @property
    def is_map(self) -> bool:
        return self.span.kind == MAPPING

    @property
    def flow(self) -> bool:
        return self.span.style == "flow"

    def entry(self, key: Key) -> Entry | None:
        found = None
        for entry in self.entries:
            if entry.key == key:
                found = entry  # the later of duplicate keys wins, as in the loader
        return found


@dataclass(slots=True)
class Located:
    """What one walk of a file found about one key path."""

    chain: list[Collection]  # every existing collection on the path, root first
    root_entries: list[tuple[int, int]]  # (start, end) of root entries seen, line-aligned
    error: str | None = None  # a syntax error, located
    anchors: dict[str, tuple[KeyPath, Span]] = field(default_factory=dict)
    aliases: list[tuple[str, KeyPath, Span]] = field(default_factory=list)
    block_root: bool = False  # the root is a block mapping at column 0
    document: int = 1  # which YAML document of the file (1-based) was walked


def parent_of(found: Located, path: KeyPath) -> Collection | None:
    """The collection that holds (or would hold) `path`'s last key, if the file has it."""
    depth = len(path) - 1
    if 0 <= depth < len(found.chain):
        return found.chain[depth]
    return None


def target_of(found: Located, path: KeyPath) -> Entry | None:
    parent = parent_of(found, path)
    return parent.entry(path[-1]) if parent is not None and path else None
