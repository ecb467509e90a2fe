"""Reading one YAML file into a tree of positioned nodes, fast and without surprises.

The reader walks libyaml's event stream (through `ruamel.yaml.clib`) and builds
`Node`s itself: that is an order of magnitude faster than a round-trip load and keeps
the line and column of every key and value. Round-trip loading stays for writing
files back. Whatever is wrong with a file becomes a `Problem`; as much of the tree as
could be read is kept, so a layer with a syntax error low down still shows its
metadata and its good keys.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, DocumentStartEvent

from core.events import EventKinds, event_stream
from core.model import (
    DIRECTIVES,
    MAPPING,
    SCALAR,
    SEQUENCE,
    AliasNode,
    Encrypted,
    Node,
    Problem,
    Severity,
    format_path,
)
from core.scalars import MAYBE_TYPED as _MAYBE_TYPED
from core.scalars import oversized_int, resolve_plain, yaml11_reading
from core.secrets.policy import encrypted_value

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 256
# Aliases are shared, not copied, but every later step walks them as if expanded:
# past this many expanded nodes a document is an alias bomb, not a config.
MAX_EXPANDED_NODES = 2_000_000

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:map": "map",
    "tag:yaml.org,2002:seq": "seq",
    "tag:yaml.org,2002:binary": "str",
    "tag:yaml.org,2002:timestamp": "str",
    "tag:yaml.org,2002:omap": "seq",
    "tag:yaml.org,2002:set": "map",
}
_YAML11_FIRST = frozenset("yYnNoO0123456789+-")
# As keys, y and n are too common (coordinates) to warn about; these bite for real
# (GitHub Actions' `on:` is the famous case).
_YAML11_KEYS = frozenset(
    variant
    for word in ("yes", "no", "on", "off")
    for variant in (word, word.capitalize(), word.upper())
)


@dataclass(frozen=True, slots=True)
class Document:
    """One usable YAML document of a file: its root mapping, its place and first line."""

    root: Node
    index: int  # 1-based position among the file's documents
    line: int


@dataclass(slots=True)
class ParsedFile:
    """One file read: its documents, the first one's root mapping (None when nothing
    usable), what went wrong, and a sops file's own `sops:` block, taken out of the
    data so it is never merged."""

    root: Node | None
    problems: list[Problem] = field(default_factory=list)
    sops: Node | None = None
    # Every document whose top level is a mapping, in file order (a multi-document
    # file is a stack of layers).
    documents: list[Document] = field(default_factory=list)


# Keys only sops's metadata block has: a top-level `sops:` holding one of these is
# that block, not a setting that happens to be called so.
_SOPS_MARKERS = frozenset({"mac", "lastmodified", "version", "age", "pgp", "kms"})


def _take_sops_block(root: Node) -> Node | None:
    block: Node | None = root.value.get("sops")
    if block is None or block.kind != MAPPING or not _SOPS_MARKERS & block.value.keys():
        return None
    del root.value["sops"]
    return block


def read_file(path: Path, display: str, layer: str | None = None) -> ParsedFile:
    """Read and parse one layer file; never raises for anything a file can contain."""
    data, problem = read_source(path, display)
    if data is None:
        return ParsedFile(None, [problem] if problem else [])
    return parse_bytes(data, display, layer)


def read_source(path: Path, display: str) -> tuple[bytes | None, Problem | None]:
    """The bytes of a layer file, or the reason it cannot be read as one."""

    def refuse(message: str) -> tuple[None, Problem]:
        return None, Problem(severity="error", message=message, path="", file=display, code="io")

    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return refuse(f"{display} is a directory, not a YAML file")
        if not stat.S_ISREG(info.st_mode):
            # A FIFO or a device would block the read forever.
            return refuse(f"{display} is not a regular file; refusing to read it")
        size = info.st_size
        if size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            return refuse(
                f"{display} is {size / 1e6:.1f} MB, over the {limit} MiB limit for a config"
                " file; refusing to read it"
            )
        return path.read_bytes(), None
    except FileNotFoundError:
        return refuse(f"{display} does not exist")
    except PermissionError:
        return refuse(f"{display} cannot be read: permission denied")
    except OSError as error:
        return refuse(f"{display} cannot be read: {error.strerror or error}")


def parse_bytes(data: bytes, display: str, layer: str | None = None) -> ParsedFile:
    """Parse YAML bytes (UTF-8, or UTF-16 with a BOM) into a positioned tree."""
    problems: list[Problem] = []
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        problems.append(
            Problem(
                severity="error",
                message=f"the file is not valid {encoding.upper()}: byte 0x{data[error.start]:02x}"
                " cannot be decoded",
                path="",
                file=display,
                line=line,
                column=column,
                layer=layer,
                code="syntax",
            )
        )
        return ParsedFile(None, problems)
    builder = _Builder(display, layer, problems)
    documents: list[Document] = []
    for index, (root, line) in enumerate(builder.build(text), 1):
        if root is None or (root.kind == SCALAR and root.value is None):
            continue  # a bare '---' document: as empty as an empty file
        if root.kind != MAPPING:
            kind = "a list" if root.kind == SEQUENCE else "a single value"
            problems.append(
                Problem(
                    severity="error",
                    message=f"the top level must be a mapping of keys, not {kind}",
                    file=display,
                    line=root.line,
                    column=root.column,
                    layer=layer,
                    code="syntax",
                )
            )
            continue
        documents.append(Document(root, index, line))
    if not documents and not problems:
        problems.append(
            Problem(
                severity="warning",
                message="the file is empty",
                file=display,
                line=1,
                column=1,
                layer=layer,
                code="empty",
            )
        )
    # sops keeps its metadata in the file's (only) document; a block in any
    # document is taken out so it never reaches the config.
    blocks = [_take_sops_block(document.root) for document in documents]
    sops = next((block for block in blocks if block is not None), None)
    return ParsedFile(documents[0].root if documents else None, problems, sops, documents)


class _Frame:
    """An open mapping or sequence, saved while a nested one streams past."""

    __slots__ = ("node", "key", "key_line", "key_column", "anchor", "merge_keys")

    def __init__(self, node: Node, anchor: str | None) -> None:
        self.node = node
        self.key: str | None = None  # pending mapping key (None: the next scalar is a key)
        self.key_line = 0
        self.key_column = 0
        self.anchor = anchor
        self.merge_keys: list[Node] | None = None


class _Builder:
    """Builds a `Node` tree from the event stream.

    The loop is written for speed: it runs once per event on every file, so the
    common cases (plain scalars as keys and values in block mappings) stay inline and
    everything rare (tags, anchors, errors) goes through methods.
    """

    def __init__(self, display: str, layer: str | None, problems: list[Problem]) -> None:
        self.display = display
        self.layer = layer
        self.problems = problems
        self.anchors: dict[str, tuple[Node, int]] = {}
        self.stack: list[_Frame] = []
        # How many nodes aliases have added, counting each alias as fully expanded.
        self.expanded = 0

    def problem(
        self, severity: Severity, message: str, line: int, column: int, code: str, path: str = ""
    ) -> None:
        self.problems.append(
            Problem(
                severity=severity,
                message=message,
                path=path,
                file=self.display,
                line=line,
                column=column,
                layer=self.layer,
                code=code,
            )
        )

    def current_path(self, extra: Any = None) -> str:
        keys: list[Any] = []
        for frame in self.stack:
            if frame.node.kind == MAPPING:
                if frame.key is not None:
                    keys.append(frame.key)
            else:
                keys.append(len(frame.node.value))
        if extra is not None:
            keys.append(extra)
        return format_path(tuple(keys))

    def build(self, text: str) -> list[tuple[Node | None, int]]:
        """Each document's root (None when it holds nothing) and its first line."""
        roots: list[Node | None] = []
        starts: list[int] = []
        with event_stream(text) as (get_event, kinds):
            self._build(get_event, kinds, roots, starts)
        return list(zip(roots, starts or [1], strict=False))

    def _build(
        self,
        get_event: Callable[[], Any],
        kinds: EventKinds,
        roots: list[Node | None],
        starts: list[int],
    ) -> None:
        # Local names for the event classes in effect: stock or light (core.events).
        (
            ScalarEvent,
            MappingStartEvent,
            SequenceStartEvent,
            MappingEndEvent,
            SequenceEndEvent,
        ) = kinds
        stack = self.stack
        top: _Frame | None = None
        top_is_map = False
        root: Node | None = None
        skip_depth = 0  # > 0 while discarding a subtree nested too deep
        pending: Any = None  # an event read ahead and not yet handled
        node: Node
        try:
            while True:
                if pending is None:
                    event = get_event()
                    if event is None:
                        break
                else:
                    event, pending = pending, None
                kind = type(event)
                if kind is ScalarEvent:
                    if skip_depth:
                        continue
                    text_value: str = event.value
                    # `ctag` is the slot behind the `tag` property: one call less per event.
                    untagged = event.ctag is None
                    plain = untagged and event.style == ""
                    if top_is_map and top.key is None and untagged:  # type: ignore[union-attr]
                        # A mapping key: the common case needs no node at all.
                        mark = event.start_mark
                        if plain and text_value in _YAML11_KEYS:
                            self.lint_yaml11(text_value, text_value, mark)
                        key_line = mark.line + 1
                        key_column = mark.column + 1
                        if event.anchor is not None:  # `&a key: …`: *a is the key's text
                            self.anchor_key(event, plain, key_line, key_column)
                        # Most entries are `key: plain value`: take the value right here,
                        # with locals only, and hand anything else to the loop.
                        pending = get_event()
                        if (
                            type(pending) is not ScalarEvent
                            or pending.ctag is not None
                            or pending.anchor is not None
                            or text_value in top.node.value  # type: ignore[union-attr]
                            or text_value == "<<"
                        ):
                            top.key = text_value  # type: ignore[union-attr]
                            top.key_line = key_line  # type: ignore[union-attr]
                            top.key_column = key_column  # type: ignore[union-attr]
                            continue
                        value_event, pending = pending, None
                        value_text: str = value_event.value
                        quoted = value_event.style != ""
                        if quoted or (value_text and value_text[0] not in _MAYBE_TYPED):
                            value: Any = value_text
                        else:
                            value = resolve_plain(value_text)
                        if value.__class__ is str and value_text[:4] == "ENC[":
                            value = encrypted_value(value_text) or value
                        if (
                            not quoted
                            and value_text
                            and value_text[0] in _YAML11_FIRST
                            and (
                                value.__class__ is str
                                or (value.__class__ is int and value_text[0] in "0+-")
                            )
                        ):
                            top.key = text_value  # type: ignore[union-attr]
                            self.lint_yaml11(value_text, value, value_event.start_mark)
                            top.key = None  # type: ignore[union-attr]
                        top.node.value[text_value] = Node(  # type: ignore[union-attr]
                            SCALAR,
                            value,
                            key_line,
                            key_column,
                            None,
                            None if quoted else value_text,
                        )
                        continue
                    if plain:
                        value = resolve_plain(text_value)
                        if value.__class__ is str and text_value[:4] == "ENC[":
                            value = encrypted_value(text_value) or value
                        if top is not None and text_value and text_value[0] in _YAML11_FIRST:
                            self.lint_yaml11(text_value, value, event.start_mark)
                        if top_is_map:
                            node = Node(
                                SCALAR,
                                value,
                                top.key_line,  # type: ignore[union-attr]
                                top.key_column,  # type: ignore[union-attr]
                                None,
                                text_value,
                            )
                        else:
                            mark = event.start_mark
                            node = Node(
                                SCALAR, value, mark.line + 1, mark.column + 1, None, text_value
                            )
                    elif untagged:
                        value = text_value
                        if text_value[:4] == "ENC[":
                            value = encrypted_value(text_value) or value
                        if top_is_map:
                            node = Node(SCALAR, value, top.key_line, top.key_column)  # type: ignore[union-attr]
                        else:
                            mark = event.start_mark
                            node = Node(SCALAR, value, mark.line + 1, mark.column + 1)
                    else:
                        node = self.tagged_scalar(event)
                    if event.anchor is not None:
                        self.anchors[event.anchor] = (node, 1)
                elif kind is MappingStartEvent or kind is SequenceStartEvent:
                    if skip_depth:
                        skip_depth += 1
                        continue
                    if len(stack) >= MAX_DEPTH:
                        mark = event.start_mark
                        self.problem(
                            "error",
                            f"nesting deeper than {MAX_DEPTH} levels; the rest of this"
                            " value is ignored",
                            mark.line + 1,
                            mark.column + 1,
                            "syntax",
                            self.current_path(),
                        )
                        skip_depth = 1
                        continue
                    is_map = kind is MappingStartEvent
                    if top_is_map and top.key is not None:  # type: ignore[union-attr]
                        line, column = top.key_line, top.key_column  # type: ignore[union-attr]
                    else:
                        mark = event.start_mark
                        line, column = mark.line + 1, mark.column + 1
                    tag = None if event.ctag is None else self.tag(event)
                    top = _Frame(
                        Node(
                            MAPPING if is_map else SEQUENCE, {} if is_map else [], line, column, tag
                        ),
                        event.anchor,
                    )
                    stack.append(top)
                    top_is_map = is_map
                    continue
                elif kind is MappingEndEvent or kind is SequenceEndEvent:
                    if skip_depth:
                        skip_depth -= 1
                        if skip_depth:
                            continue
                        node = Node(SCALAR, None, *self.position(event.start_mark))
                    else:
                        frame = stack.pop()
                        top = stack[-1] if stack else None
                        top_is_map = top is not None and top.node.kind == MAPPING
                        node = frame.node
                        if frame.merge_keys:
                            self.apply_merge_keys(node, frame.merge_keys)
                        if frame.anchor is not None:
                            self.anchors[frame.anchor] = (node, _expanded_size(node))
                elif kind is AliasEvent:
                    if skip_depth:
                        continue
                    node, size = self.alias(event)
                    self.expanded += size
                    if self.expanded > MAX_EXPANDED_NODES:
                        self.problem(
                            "error",
                            f"aliases expand this document past {MAX_EXPANDED_NODES:,} nodes"
                            " (an alias bomb?); the rest of the file is ignored",
                            node.line,
                            node.column,
                            "syntax",
                            self.current_path(),
                        )
                        break
                else:
                    if kind is DocumentStartEvent:
                        if starts:  # the previous document is complete
                            roots.append(root)
                            root = None
                            self.anchors = {}  # anchors belong to their document
                        starts.append(event.start_mark.line + 1)
                    continue

                if top is None:
                    root = node
                    continue
                if not top_is_map:
                    top.node.value.append(node)
                    continue
                container = top.node.value
                key = top.key
                if key is None:
                    self.complex_key(top, node)
                    continue
                top.key = None
                if key in container or key == "<<":
                    self.special_entry(top, key, node)
                    continue
                container[key] = node
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            what = error.problem or "invalid YAML"
            if error.context:
                what = f"{what} {error.context}"
            self.problem(
                "error",
                f"YAML syntax error: {what}",
                mark.line + 1 if mark else 1,
                mark.column + 1 if mark else 1,
                "syntax",
                self.current_path(),
            )
        except (YAMLError, ValueError) as error:
            self.problem("error", f"YAML syntax error: {error}", 1, 1, "syntax")
        if stack:
            # Keep what was read before the error: close every open collection.
            for frame in stack:
                if frame.merge_keys:
                    self.apply_merge_keys(frame.node, frame.merge_keys)
            root = stack[0].node
            stack.clear()
        roots.append(root)

    def position(self, mark: Any) -> tuple[int, int]:
        """Where a new node is shown: at its key inside a mapping, else where it starts."""
        if self.stack:
            top = self.stack[-1]
            if top.key is not None and top.node.kind == MAPPING:
                return top.key_line, top.key_column
        return mark.line + 1, mark.column + 1

    def alias(self, event: Any) -> tuple[Node, int]:
        found = self.anchors.get(event.anchor)
        mark = event.start_mark
        line, column = self.position(mark)
        if found is None:
            self.problem(
                "error",
                f"alias *{event.anchor} refers to no anchor defined before it",
                mark.line + 1,
                mark.column + 1,
                "syntax",
                self.current_path(),
            )
            return Node(SCALAR, None, line, column), 1
        shared, size = found
        # Aliased nodes are shared, not copied: re-position a shallow copy only.
        return AliasNode(shared, line, column), size

    def anchor_key(self, event: Any, plain: bool, line: int, column: int) -> None:
        text: str = event.value
        value = resolve_plain(text) if plain else text
        self.anchors[event.anchor] = (Node(SCALAR, value, line, column, None, text), 1)

    def complex_key(self, top: _Frame, node: Node) -> None:
        if node.kind != SCALAR:
            self.problem(
                "error",
                "a mapping or list cannot be used as a key",
                node.line,
                node.column,
                "syntax",
                self.current_path(),
            )
            top.key = "<complex key>"
        elif isinstance(node.value, Encrypted):  # an ENC[...] text as a key
            top.key = node.value.raw
        else:
            top.key = "" if node.value is None else str(node.value)
        top.key_line = node.line
        top.key_column = node.column

    def special_entry(self, top: _Frame, key: str, node: Node) -> None:
        mapping = top.node.value
        if key == "<<" and node.tag is None:
            # YAML 1.1 merge key, as docker-compose and Helm users write it.
            merged = node.value if node.kind == SEQUENCE else [node]
            top.merge_keys = (top.merge_keys or []) + list(merged)
            return
        if key in mapping:
            self.problem(
                "error",
                f"duplicate key '{key}' (first defined on line {mapping[key].line});"
                " the later value is used",
                top.key_line,
                top.key_column,
                "duplicate-key",
                self.current_path(key),
            )
        mapping[key] = node

    def apply_merge_keys(self, node: Node, sources: list[Node]) -> None:
        for source in sources:
            if source.kind != MAPPING:
                self.problem(
                    "error",
                    "a '<<' merge key must refer to a mapping",
                    source.line,
                    source.column,
                    "syntax",
                )
                continue
            entries = node.value
            for key, value in source.value.items():
                if key not in entries:
                    # Marked, so an edit is not written into the mapping it came from.
                    merged = Node(value.kind, value.value, value.line, value.column, value.tag)
                    merged.raw, merged.via = value.raw, "merge"
                    entries[key] = merged

    def tag(self, event: Any) -> str | None:
        tag = event.tag
        if tag is None or tag == "!":
            return None
        if tag in DIRECTIVES:
            return str(tag)
        if tag in _STANDARD_TAGS:
            return None
        mark = event.start_mark
        known = ", ".join(sorted(DIRECTIVES))
        self.problem(
            "error",
            f"unknown tag {tag}; the directives are {known}",
            mark.line + 1,
            mark.column + 1,
            "unknown-tag",
            self.current_path(),
        )
        return None

    def tagged_scalar(self, event: Any) -> Node:
        mark = event.start_mark
        text: str = event.value
        tag = event.tag
        line, column = self.position(mark)
        standard = _STANDARD_TAGS.get(tag)
        if standard is not None:
            return Node(SCALAR, self.coerce(text, standard, mark), line, column)
        if tag == "!":
            # The non-specific tag: a string, whatever it looks like (YAML 1.2, 6.9.1).
            return Node(SCALAR, text, line, column)
        directive = self.tag(event)
        value: Any = resolve_plain(text) if event.style == "" else text
        return Node(SCALAR, value, line, column, directive, text if event.style == "" else None)

    def oversized(self, text: str, mark: Any) -> bool:
        """Report an integer too long to convert (it stays a string); whether it was one."""
        digits = oversized_int(text)
        if digits is None:
            return False
        self.problem(
            "error",
            f"this integer has {digits:,} digits, more than the"
            f" {sys.get_int_max_str_digits():,} Python converts; it is kept as a string"
            " (quote it if text is meant)",
            mark.line + 1,
            mark.column + 1,
            "syntax",
            self.current_path(),
        )
        return True

    def coerce(self, text: str, kind: str, mark: Any) -> Any:
        if kind in ("str", "map", "seq"):
            return text
        if len(text) > 640 and self.oversized(text, mark):
            return text
        value = resolve_plain(text)
        wanted: dict[str, Any] = {
            "int": int,
            "float": (int, float),
            "bool": bool,
            "null": type(None),
        }
        if isinstance(value, wanted[kind]) and not (kind != "bool" and isinstance(value, bool)):
            return float(value) if kind == "float" else value
        self.problem(
            "error",
            f"'{text}' is not a valid {kind} for its !!{kind} tag",
            mark.line + 1,
            mark.column + 1,
            "syntax",
            self.current_path(),
        )
        return text

    def lint_yaml11(self, text: str, value: Any, mark: Any) -> None:
        if type(value) is str and len(text) > 640 and self.oversized(text, mark):
            return
        if type(value) is str or (type(value) is int and text[0] in "0+-" and len(text) > 1):
            reading = yaml11_reading(text)
            if reading is None:
                return
            if type(value) is str:
                shown = f"'{value}'"
            else:
                shown = f"the number {value}"
            top = self.stack[-1]
            is_key = top.node.kind == MAPPING and top.key is None
            self.problem(
                "warning",
                f"unquoted {text} is {shown} in YAML 1.2 but {reading} in YAML 1.1"
                " (PyYAML and others); quote it to say which you mean",
                mark.line + 1,
                mark.column + 1,
                "yaml11",
                self.current_path(text if is_key else None),
            )


def _expanded_size(node: Node) -> int:
    """How many nodes `node` stands for once every alias in it is expanded.

    Aliased subtrees are shared objects: each is counted once and remembered, so
    even a deep alias bomb is measured in time proportional to what was written.
    """
    memo: dict[int, int] = {}

    def size(item: Node) -> int:
        if item.kind == SCALAR:
            return 1
        known = memo.get(id(item.value))
        if known is not None:
            return known
        children = item.value.values() if item.kind == MAPPING else item.value
        total = 1 + sum(size(child) for child in children)
        memo[id(item.value)] = total
        return total

    return size(node)
