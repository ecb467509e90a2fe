"""Building a tree of positioned `Node`s from libyaml's event stream.

The loop is the hot path of every load: it runs once per event on every file, so the
common cases stay inline and every rare one (aliases, tags, merge keys, errors) is a
method of `RareCases` (core/yamlcases.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent, DocumentStartEvent

from core.events import EventKinds, event_stream
from core.model import MAPPING, SCALAR, SEQUENCE, Node
from core.scalars import MAYBE_TYPED as _MAYBE_TYPED
from core.scalars import resolve_plain
from core.secrets.policy import encrypted_value
from core.yamlcases import (
    MAX_DEPTH,
    MAX_EXPANDED_NODES,
    YAML11_FIRST,
    YAML11_KEYS,
    Frame,
    RareCases,
    expanded_size,
)


class Builder(RareCases):
    """Builds a `Node` tree from the event stream.

    The loop is written for speed: it runs once per event on every file, so the
    common cases (plain scalars as keys and values in block mappings) stay inline and
    everything rare (tags, anchors, errors) goes through methods.
    """

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
        top: Frame | None = None
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
                        if plain and text_value in YAML11_KEYS:
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
                            and value_text[0] in YAML11_FIRST
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
                        if top is not None and text_value and text_value[0] in YAML11_FIRST:
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
                        self.too_deep(event)
                        skip_depth = 1
                        continue
                    is_map = kind is MappingStartEvent
                    if top_is_map and top.key is not None:  # type: ignore[union-attr]
                        line, column = top.key_line, top.key_column  # type: ignore[union-attr]
                    else:
                        mark = event.start_mark
                        line, column = mark.line + 1, mark.column + 1
                    tag = None if event.ctag is None else self.tag(event)
                    top = Frame(
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
                            self.anchors[frame.anchor] = (node, expanded_size(node))
                elif kind is AliasEvent:
                    if skip_depth:
                        continue
                    node, size = self.alias(event)
                    self.expanded += size
                    if self.expanded > MAX_EXPANDED_NODES:
                        self.alias_bomb(node)
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
        except (YAMLError, ValueError) as error:
            self.syntax_error(error)
        if stack:
            root = self.close_open_collections()
        roots.append(root)
