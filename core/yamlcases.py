"""The rare cases of reading YAML: aliases and anchors, merge keys, tags, complex
keys, oversized numbers and YAML 1.1 ambiguities. `Builder` (core/building.py) hands
each of them here so its hot loop stays small.
"""

from __future__ import annotations

import sys
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError

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
from core.scalars import oversized_int, resolve_plain, yaml11_reading

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
YAML11_FIRST = frozenset("yYnNoO0123456789+-")
# As keys, y and n are too common (coordinates) to warn about; these bite for real
# (GitHub Actions' `on:` is the famous case).
YAML11_KEYS = frozenset(
    variant
    for word in ("yes", "no", "on", "off")
    for variant in (word, word.capitalize(), word.upper())
)


class Frame:
    """An open mapping or sequence, saved while a nested one streams past."""

    __slots__ = ("node", "key", "key_line", "key_column", "anchor", "merge_keys")

    def __init__(self, node: Node, anchor: str | None) -> None:
        self.node = node
        self.key: str | None = None  # pending mapping key (None: the next scalar is a key)
        self.key_line = 0
        self.key_column = 0
        self.anchor = anchor
        self.merge_keys: list[Node] | None = None


class RareCases:
    """The builder's state and everything it does outside its hot loop (`Builder` in
    core/building.py adds the loop)."""

    def __init__(self, display: str, layer: str | None, problems: list[Problem]) -> None:
        self.display = display
        self.layer = layer
        self.problems = problems
        self.anchors: dict[str, tuple[Node, int]] = {}
        self.stack: list[Frame] = []
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

    def position(self, mark: Any) -> tuple[int, int]:
        """Where a new node is shown: at its key inside a mapping, else where it starts."""
        if self.stack:
            top = self.stack[-1]
            if top.key is not None and top.node.kind == MAPPING:
                return top.key_line, top.key_column
        return mark.line + 1, mark.column + 1

    def too_deep(self, event: Any) -> None:
        """A collection opened past `MAX_DEPTH`: the builder skips it."""
        mark = event.start_mark
        self.problem(
            "error",
            f"nesting deeper than {MAX_DEPTH} levels; the rest of this value is ignored",
            mark.line + 1,
            mark.column + 1,
            "syntax",
            self.current_path(),
        )

    def alias_bomb(self, node: Node) -> None:
        """Aliases have expanded past `MAX_EXPANDED_NODES`: the builder stops at `node`."""
        self.problem(
            "error",
            f"aliases expand this document past {MAX_EXPANDED_NODES:,} nodes"
            " (an alias bomb?); the rest of the file is ignored",
            node.line,
            node.column,
            "syntax",
            self.current_path(),
        )

    def syntax_error(self, error: YAMLError | ValueError) -> None:
        """What libyaml refused, where it marks it (else at the file's start)."""
        if not isinstance(error, MarkedYAMLError):
            self.problem("error", f"YAML syntax error: {error}", 1, 1, "syntax")
            return
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

    def close_open_collections(self) -> Node:
        """After an error, what was read before it: every open collection closed, and
        the document's root returned."""
        for frame in self.stack:
            if frame.merge_keys:
                self.apply_merge_keys(frame.node, frame.merge_keys)
        root = self.stack[0].node
        self.stack.clear()
        return root

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

    def complex_key(self, top: Frame, node: Node) -> None:
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

    def special_entry(self, top: Frame, key: str, node: Node) -> None:
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


def expanded_size(node: Node) -> int:
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
