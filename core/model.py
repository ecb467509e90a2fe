"""The plain data every step of the engine hands to the next.

Results are collected, not raised: a step that meets something wrong records a
`Problem` and carries on, so the user sees every error at once. `Problem` lives in
`core.problems` and key paths in `core.keypaths`; both are importable from here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.keypaths import Key, KeyPath, format_path, parse_path
from core.problems import Problem, Severity, sort_problems

__all__ = [
    "BEATEN",
    "DIRECTIVES",
    "MAPPING",
    "MERGED_OVER",
    "METADATA_KEY",
    "NOTHING_BEATEN",
    "SCALAR",
    "SEQUENCE",
    "AliasNode",
    "Definition",
    "Encrypted",
    "FileIdentity",
    "Key",
    "KeyPath",
    "LayerFile",
    "Merged",
    "Node",
    "Origin",
    "Problem",
    "Severity",
    "Verdict",
    "format_path",
    "parse_path",
    "plain",
    "sort_problems",
    "written_at",
]


# Node kinds, as small ints: they are compared in the hot merge loop.
SCALAR = 0
MAPPING = 1
SEQUENCE = 2

DIRECTIVES = frozenset({"!replace", "!unset", "!append", "!prepend"})
# A layer's own settings: read by activation, never merged into the config.
METADATA_KEY = "_metadata"

# How a definition lost to the value above it, in the words every face shows.
BEATEN = "beat"
MERGED_OVER = "merged over"
NOTHING_BEATEN = "nothing: no other active layer defines it"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a definition stands: a file (as shown to the user) and a 1-based position."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Encrypted:
    """A sops `ENC[...]` value, kept opaque until someone with the key asks."""

    raw: str
    type: str

    def __str__(self) -> str:
        return f"<encrypted:{self.type}>"


class Node:
    """A parsed YAML node with its position, as one layer file defines it.

    `value` is a Python scalar, a ``dict[str, Node]`` or a ``list[Node]``.
    `line`/`column` are 1-based and, for a mapping entry, point at its key: that is
    the line a person looks for. `tag` is a merge directive (or None). `raw` is the
    source text of an unquoted scalar. `via` says how the node was reached when it
    is not written at its own place: ``"alias"`` (a ``*name``) or ``"merge"`` (a
    ``<<`` merge key) — an edit must not write there. `sealed` is the sops type of a
    value that was decrypted in memory: it stays a secret.
    """

    __slots__ = ("kind", "value", "line", "column", "tag", "raw", "via", "sealed")

    def __init__(
        self,
        kind: int,
        value: Any,
        line: int,
        column: int,
        tag: str | None = None,
        raw: str | None = None,
    ) -> None:
        self.kind = kind
        self.value = value
        self.line = line
        self.column = column
        self.tag = tag
        self.raw = raw
        self.via: str | None = None
        self.sealed: str | None = None

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.value!r}, {self.line}:{self.column}, {self.tag})"

    def plain(self) -> Any:
        """The node as plain Python data (dicts, lists, scalars)."""
        return plain(self)


def plain(node: Node | Merged) -> Any:
    """A parsed or merged node as plain data; secrets stay `Encrypted` objects."""
    if node.kind == MAPPING:
        return {k: plain(v) for k, v in node.value.items()}
    if node.kind == SEQUENCE:
        return [plain(v) for v in node.value]
    return node.value


class AliasNode(Node):
    """A node reached through an alias (``*name``): a re-positioned shallow copy.

    `alias_of` is the anchored node it stands for, where its value is written. (A
    subclass, so the millions of ordinary nodes pay nothing for the extra slot.)
    """

    __slots__ = ("alias_of",)

    def __init__(self, shared: Node, line: int, column: int) -> None:
        super().__init__(shared.kind, shared.value, line, column, shared.tag, shared.raw)
        self.via = "alias"
        self.alias_of: Node = shared.alias_of if isinstance(shared, AliasNode) else shared


def written_at(node: Node) -> Node:
    """The node where `node`'s value is written: the anchor for an alias, else itself."""
    return node.alias_of if isinstance(node, AliasNode) else node


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """The bytes a file was read from: a later write can tell if it changed since."""

    path: Path
    size: int
    mtime_ns: int
    digest: str


@dataclass(frozen=True, slots=True)
class LayerFile:
    """A layer as the user wrote it: the parsed tree of one file and its metadata."""

    name: str
    path: Path
    display: str
    is_base: bool
    order: int
    priority: int
    description: str
    conditions: dict[str, Any]
    metadata_origin: Origin | None
    root: Node | None
    # The bytes it was parsed from, and a sops file's own `sops:` block (never merged).
    identity: FileIdentity | None = None
    sops: Node | None = None
    # Which YAML document of its file this layer is (1-based) when the file holds
    # several, else 0; `line` is where that document starts.
    document: int = 0
    line: int = 1
    declared_name: bool = False  # the name comes from `_metadata.name`, not the file
    interpolation: bool | None = None  # `_metadata.interpolation`; None: the manifest's

    def origin(self, node: Node) -> Origin:
        return Origin(self.display, node.line, node.column)

    @property
    def source(self) -> str:
        """The file as shown, with ``#N`` for the Nth document of a multi-document file."""
        return f"{self.display}#{self.document}" if self.document else self.display

    @property
    def where(self) -> str:
        """`source`, and the line a document starts on: ``application.yml#2 (line 14)``."""
        return f"{self.source} (line {self.line})" if self.document else self.display


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a layer takes part, and why, in words a person reads."""

    layer: str
    file: str
    priority: int
    active: bool
    reasons: tuple[str, ...]
    is_base: bool = False
    forced: bool = False

    @property
    def summary(self) -> str:
        state = "active" if self.active else "inactive"
        if self.forced:
            state += " (forced)"
        return f"{state}: {'; '.join(self.reasons)}" if self.reasons else state

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "file": self.file,
            "priority": self.priority,
            "active": self.active,
            "forced": self.forced,
            "base": self.is_base,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class Definition:
    """One layer's definition of a key that a higher layer then beat or merged over.

    `relation` is `BEATEN` (the value above replaced it) or `MERGED_OVER` (a mapping
    that the one above merged into key by key: its keys may still win below).
    """

    layer: str
    origin: Origin
    node: Node
    directive: str | None = None
    relation: str = BEATEN

    @property
    def value(self) -> Any:
        return self.node.plain()


class Merged:
    """A node of the merged tree: the effective value and why it won.

    `value` is a scalar, ``dict[str, Merged]`` or ``list[Merged]``. `layer` and `file`
    name the winning layer; `node` is the winning definition as parsed (its position,
    its directive tag, its text before interpolation). `shadowed` lists the
    definitions below it, lowest priority first; `trace` is the interpolation trace of
    a string that read variables; `secret` is set on a value whose key names a secret.
    Position and directive are read from `node` rather than copied: a merge creates
    one of these per key, so every slot counts.
    """

    __slots__ = ("kind", "value", "layer", "file", "node", "shadowed", "trace", "secret")

    def __init__(self, kind: int, value: Any, layer: str, file: str, node: Node) -> None:
        self.kind = kind
        self.value = value
        self.layer = layer
        self.file = file
        self.node = node
        # (layer, file, node) of each beaten definition: tuples, because a merge makes
        # one per replaced key and `overridden` builds the Definitions only when asked.
        self.shadowed: list[tuple[str, str, Node]] | None = None
        self.trace: tuple[Any, ...] | None = None  # tuple[VarRead, ...] from interpolation
        # Named like a secret (the set's `secret_keys`): masked wherever it is shown.
        self.secret = False

    def __repr__(self) -> str:
        return f"Merged({self.plain()!r} from {self.layer} {self.file}:{self.line})"

    @property
    def line(self) -> int:
        return self.node.line

    @property
    def column(self) -> int:
        return self.node.column

    @property
    def directive(self) -> str | None:
        return self.node.tag

    @property
    def origin(self) -> Origin:
        return Origin(self.file, self.line, self.column)

    @property
    def overridden(self) -> list[Definition]:
        """Every definition below this one, lowest priority first, each saying whether
        it was beaten or merged over.

        A mapping merged key by key did not beat the mappings below it (their keys
        merged in); it beat only what was not a mapping (a kind change). Anything
        else, and a `!replace`, beat everything below.
        """
        merging = self.kind == MAPPING and self.node.tag != "!replace"
        return [
            Definition(
                layer,
                Origin(file, node.line, node.column),
                node,
                node.tag,
                MERGED_OVER if merging and node.kind == MAPPING else BEATEN,
            )
            for layer, file, node in self.shadowed or ()
        ]

    @property
    def beaten(self) -> list[Definition]:
        return [d for d in self.overridden if d.relation == BEATEN]

    @property
    def merged_over(self) -> list[Definition]:
        return [d for d in self.overridden if d.relation == MERGED_OVER]

    def plain(self) -> Any:
        """The effective value as plain data; secrets stay `Encrypted` objects."""
        return plain(self)

    def child(self, key: Key) -> Merged | None:
        if self.kind == MAPPING and isinstance(key, str):
            found: Merged | None = self.value.get(key)
            return found
        if (
            self.kind == SEQUENCE
            and isinstance(key, int)
            and -len(self.value) <= key < len(self.value)
        ):
            item: Merged = self.value[key]
            return item
        return None

    def get(self, path: KeyPath) -> Merged | None:
        node: Merged | None = self
        for key in path:
            if node is None:
                return None
            node = node.child(key)
        return node

    def walk(self, prefix: KeyPath = ()) -> Iterator[tuple[KeyPath, Merged]]:
        """Every node below this one (not itself), depth first, in key order."""
        stack: list[tuple[KeyPath, Merged]] = [(prefix, self)]
        while stack:
            path, node = stack.pop()
            if path != prefix or node is not self:
                yield path, node
            if node.kind == MAPPING:
                stack.extend((path + (k,), v) for k, v in reversed(node.value.items()))
            elif node.kind == SEQUENCE:
                stack.extend((path + (i,), v) for i, v in reversed(list(enumerate(node.value))))
