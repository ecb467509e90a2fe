"""A sops YAML file read for rewriting: every leaf and comment with its span in the text.

Encrypting, decrypting and editing a sops file here replace spans of its text and keep
every other byte, so a changed secret changes its own line and nothing else. The reader
walks libyaml's event stream (whose marks carry character offsets) and finds comments
in the gaps between events, which is where YAML allows them.

A comment belongs to a collection, and sops uses that collection's key path as the
comment's AAD. Which one go-yaml v3 picks follows a layout rule this reader mirrors: a
comment on the line of a value belongs to that value's collection; a comment on its own
line belongs to the collection of what follows it, unless it is indented deeper than
that and a collection closed in between, in which case it is that collection's foot.
sops writes a comment inside a list as a list item (`- ENC[...,type:comment]`); those
are comments here too, never list items.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import _ruamel_yaml
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from core.secrets.records import Comment, Document, Leaf, aad
from core.secrets.values import go_plain, is_encrypted

if TYPE_CHECKING:
    from core.model import KeyPath

__all__ = ["META_KEY", "Comment", "Document", "DocumentError", "Leaf", "aad", "read"]
META_KEY = "sops"
_BOM = "\ufeff"
_TYPED_FIRST = frozenset("yYnNtTfFoO~.+-0123456789<")


class DocumentError(Exception):
    """The file cannot be handled as a sops YAML file; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class _Frame:
    __slots__ = (
        "column",
        "container",
        "flow",
        "index",
        "is_map",
        "key",
        "keys",
        "meta",
        "own_key",
        "path",
    )

    def __init__(
        self,
        is_map: bool,
        keys: tuple[str, ...],
        path: KeyPath,
        flow: bool,
        meta: bool,
        column: int,
    ) -> None:
        self.is_map = is_map
        self.keys = keys
        self.path = path
        self.flow = flow
        self.meta = meta
        self.column = column
        self.key: str | None = None  # a mapping's key waiting for its value
        self.own_key: str | None = None  # this collection's key in its parent mapping
        self.index = 0
        self.container: Any = ({} if is_map else []) if meta else None


def read(text: str) -> Document:
    """Parse `text` (one YAML document whose top level is a mapping)."""
    offset = 1 if text.startswith(_BOM) else 0
    doc = Document(text)
    parser = _ruamel_yaml.CParser(text)
    stack: list[_Frame] = []
    closed: list[_Frame] = []
    scan = offset  # how far the text has been searched for comments
    prev_keys: tuple[str, ...] | None = None  # the owner of the last content seen
    prev_end = -1  # where the last scalar ended
    prev_empty = False  # the last scalar was an empty value
    documents = 0
    meta_start = -1
    indents: list[int] = []

    def comments_before(
        end: int,
        next_keys: tuple[str, ...],
        next_column: int,
        next_line: int,
        at_end: bool = False,
    ) -> None:
        """Record the comments between the last token read and `end` (the next one)."""
        nonlocal scan
        gap_start = scan
        scan = end
        if stack and stack[-1].meta:
            return  # inside `sops:`, whose comments are not data
        prev_line_end = -1
        if prev_end >= 0:
            prev_line_end = text.find("\n", prev_end)
            prev_line_end = len(text) if prev_line_end < 0 else prev_line_end
        for start, stop in _comment_spans(text, gap_start, end):
            line_start = text.rfind("\n", 0, start) + 1
            column = start - line_start
            inline = (
                prev_line_end >= 0
                and prev_end <= start
                and line_start <= prev_line_end
                and prev_keys is not None
            )
            foot = closed[0].keys if closed else None
            if inline and prev_keys is not None:
                owner = prev_keys
            elif prev_empty and at_end:
                # go-yaml gives no comment to an empty value; at the end, the innermost
                # mapping the comment lines up with takes it.
                owner = next((f.keys for f in closed if f.is_map and f.column <= column), ())
            elif prev_empty:
                owner = next_keys  # and otherwise the next node
            elif foot is not None and at_end:
                # After the last value: the innermost block the comment lines up with.
                owner = next((f.keys for f in closed if f.column <= column), next_keys)
            elif foot is not None and column > next_column:
                owner = foot
            else:
                owner = next_keys
            candidates = tuple(
                dict.fromkeys(k for k in (owner, next_keys, prev_keys, foot) if k is not None)
            )
            doc.comments.append(
                Comment(
                    owner,
                    start + 1,
                    stop,
                    text[start + 1 : stop],
                    False,
                    next_line - text.count("\n", start, end),
                    candidates,
                )
            )

    try:
        while True:
            event = parser.get_event()
            if event is None:
                break
            kind = type(event)
            if kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise DocumentError(
                        "the file holds more than one YAML document; confscope reads sops"
                        " files of one document",
                        event.start_mark.line + 1,
                    )
                continue
            if kind is StreamEndEvent:
                if scan < len(text) and text.find("#", scan) != -1:
                    comments_before(len(text), (), 0, text.count("\n") + 1, at_end=True)
                break
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                closed.append(frame)
                if frame.flow and scan < event.start_mark.index + offset:
                    scan = event.start_mark.index + offset
                if frame.meta:
                    _store_meta(stack, frame)
                    if stack and not stack[-1].meta and meta_start >= 0:
                        doc.metadata = frame.container
                        doc.meta_span = (meta_start, -1)
                continue
            if kind not in (ScalarEvent, MappingStartEvent, SequenceStartEvent, AliasEvent):
                continue
            mark = event.start_mark
            start = mark.index + offset
            line = mark.line + 1
            if kind is AliasEvent or getattr(event, "anchor", None) is not None:
                raise DocumentError(
                    "anchors and aliases are not supported in a sops file (sops expands"
                    " them when it writes); write the values out",
                    line,
                )
            parent = stack[-1] if stack else None
            if parent is None and kind is not MappingStartEvent:
                raise DocumentError("the top level must be a mapping of keys", line)
            # Where this content goes, for the comments before it.
            if parent is None:
                owner: tuple[str, ...] = ()
            elif kind is not ScalarEvent and not event.flow_style and parent.key is not None:
                owner = (*parent.keys, parent.key)  # a block collection starts at its first item
            else:
                owner = parent.keys
            is_key = parent is not None and parent.is_map and parent.key is None
            is_comment_item = (
                kind is ScalarEvent
                and parent is not None
                and not parent.is_map
                and not event.style
                and event.ctag is None
                and event.value.endswith(",type:comment]")
                and is_encrypted(event.value)
            )
            end = event.end_mark.index + offset
            # An empty value (`- ` or `key:` with nothing after) takes no comments:
            # go-yaml hands the ones before it to the next node that has text.
            # So does a block list whose first item is such an empty value.
            empty = (kind is ScalarEvent and end == start and not is_key) or (
                kind is SequenceStartEvent and not event.flow_style and _empty_next(parser)
            )
            if scan < start and not empty:
                if text.find("#", scan, start) != -1:
                    comments_before(start, owner, mark.column, line)
                scan = start
            if closed and not empty:
                closed.clear()
            if meta_start >= 0 and doc.meta_span is not None and doc.meta_span[1] == -1:
                doc.meta_span = (meta_start, _line_start(text, start))
            if kind is ScalarEvent:
                prev_empty = empty
                if not empty:  # an empty value's marks stand at the next token
                    scan = end
                    prev_keys = owner
                    prev_end = end
                if parent is None:
                    raise DocumentError("the top level must be a mapping of keys", line)
                if is_key:
                    key = _key_text(event, line)
                    if key in parent.container if parent.meta else False:
                        raise DocumentError(f"duplicate key {key!r}", line)
                    parent.key = key
                    if len(stack) == 1 and key == META_KEY:
                        meta_start = _line_start(text, start)
                    elif len(stack) == 2 and not stack[0].meta and not parent.meta:
                        indents.append(mark.column)
                    continue
                if is_comment_item:
                    dash = text.rfind("-", 0, start)
                    doc.comments.append(
                        Comment(owner, dash, end, event.value, True, line, (owner,))
                    )
                    continue
                style = event.style or ""
                path: KeyPath
                keys: tuple[str, ...]
                if parent.is_map:
                    parent_key = parent.key or ""
                    path = (*parent.path, parent_key)
                    keys = (*parent.keys, parent_key)
                    parent.key = None
                else:
                    path = (*parent.path, parent.index)
                    keys = parent.keys
                    parent_key = None
                    parent.index += 1
                leaf = Leaf(
                    path,
                    keys,
                    start,
                    end,
                    event.value,
                    style,
                    None if event.ctag is None else event.tag,
                    parent.flow,
                    line,
                )
                if parent.meta:
                    meta_path = path[1:]
                    doc.meta_leaves[meta_path] = leaf
                    plain = leaf.plain()
                    value = None if plain is None else plain.value
                    if parent.is_map:
                        parent.container[parent_key] = value
                    else:
                        parent.container.append(value)
                else:
                    doc.leaves.append(leaf)
                continue
            # A collection starts.
            flow = bool(event.flow_style)
            if parent is None:
                stack.append(_Frame(True, (), (), flow, False, mark.column))
                doc.root_flow = flow
                continue
            if is_key:
                raise DocumentError("a mapping or list as a key is not supported", line)
            meta = parent.meta or (len(stack) == 1 and parent.key == META_KEY)
            own_key = parent.key
            child_path: KeyPath
            if parent.is_map:
                own = own_key or ""
                child_keys = (*parent.keys, own)
                child_path = (*parent.path, own)
                parent.key = None
            else:
                child_keys = parent.keys
                child_path = (*parent.path, parent.index)
                parent.index += 1
                if not flow and not meta and not empty:
                    doc.item_blocks.add(_line_start(text, start))
            child = _Frame(
                kind is MappingStartEvent,
                child_keys,
                child_path,
                flow or parent.flow,
                meta,
                mark.column,
            )
            child.own_key = own_key
            stack.append(child)
            if not empty:
                prev_keys = owner if flow else None
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line_no = mark.line + 1 if mark is not None else None
        raise DocumentError(f"not valid YAML: {error.problem or error}", line_no) from None
    except YAMLError as error:
        raise DocumentError(f"not valid YAML: {error}") from None
    if doc.meta_span is not None and doc.meta_span[1] == -1:
        doc.meta_span = (doc.meta_span[0], len(text))
    if indents:
        doc.indent = min(indents)
    return doc


def _empty_next(parser: Any) -> bool:
    following = parser.peek_event()
    return type(following) is ScalarEvent and following.start_mark.index == following.end_mark.index


def _store_meta(stack: list[_Frame], frame: _Frame) -> None:
    if not stack or not stack[-1].meta:
        return
    parent = stack[-1]
    if parent.is_map:
        parent.container[frame.own_key] = frame.container
    else:
        parent.container.append(frame.container)


def _key_text(event: Any, line: int) -> str:
    value: str = event.value
    if value and value[0] not in _TYPED_FIRST:
        return value  # most keys: no type but str can start with this character
    if event.ctag is None and not event.style:
        plain = go_plain(value)
        if plain is None or plain.type != "str":
            raise DocumentError(
                f"the key {value!r} is not a string; sops supports string keys only", line
            )
        if value == "<<":
            raise DocumentError("merge keys (<<) are not supported in a sops file", line)
    return value


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _comment_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The `#...` comments in text[start:end], a stretch between YAML tokens."""
    spans = []
    at = text.find("#", start, end)
    while at != -1:
        if at == 0 or text[at - 1] in " \t\r\n" or at == start:
            stop = text.find("\n", at, end)
            stop = end if stop == -1 else stop
            if stop > at and text[stop - 1] == "\r":
                stop -= 1
            spans.append((at, stop))
            at = text.find("#", stop, end)
        else:
            at = text.find("#", at + 1, end)
    return spans
