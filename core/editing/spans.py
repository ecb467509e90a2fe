"""Where the values along one key path stand in a YAML file, in characters of its text.

The editor's own reader, separate from the loader: it walks libyaml's event stream
(`core.events`) over the one file being edited and records, for every collection on
the path to the key being edited, the exact span of each of its entries. Nothing is
round-tripped; the editor replaces spans of the text and leaves every other byte.

Events carry character indices that do not count a leading BOM; every index here is
an index into the text as read (BOM included).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent, DocumentEndEvent

from core.editing.located import (
    ALIAS,
    MERGE_KEY,
    Collection,
    Entry,
    Located,
    Span,
    parent_of,
    target_of,
)
from core.events import EventKinds, event_stream
from core.model import MAPPING, SCALAR, SEQUENCE, Key, KeyPath

# What the walk finds lives in core.editing.located; importable from here as before.
__all__ = [
    "ALIAS",
    "MERGE_KEY",
    "SCALAR",
    "Collection",
    "Entry",
    "Located",
    "Span",
    "dash_before",
    "line_start",
    "locate",
    "parent_of",
    "target_of",
    "trim_blank_tail",
]


class _Frame:
    __slots__ = (
        "coll",
        "is_map",
        "path",
        "on_path",
        "key",
        "key_start",
        "key_end",
        "key_line",
        "key_column",
        "count",
        "last_end",
        "span",
    )

    def __init__(self, span: Span, path: KeyPath, on_path: bool) -> None:
        self.span = span
        self.is_map = span.kind == MAPPING
        self.path = path
        self.on_path = on_path
        self.coll: Collection | None = Collection(path, span) if on_path else None
        self.key: Key | None = None
        self.key_start = 0
        self.key_end = 0
        self.key_line = 0
        self.key_column = 0
        self.count = 0
        self.last_end = span.end


def _body(text: str, start: int, event: Any) -> int:
    """The first character after a node's anchor and tag (`&a !!str value`)."""
    if event.anchor is None and event.tag is None:
        return start
    at = start
    n = len(text)
    for _ in range((event.anchor is not None) + (event.tag is not None)):
        while at < n and text[at] not in " \t\r\n":
            at += 1
        while at < n and text[at] in " \t":
            at += 1
    return at


def _span(text: str, offset: int, lines: int, event: Any, kind: int) -> Span:
    start = event.start_mark.index + offset
    mark = event.start_mark
    if kind == SCALAR:
        style = event.style or ""
        value = event.value
    elif kind == ALIAS:
        style, value = "", event.anchor
    else:
        style, value = ("flow" if event.flow_style else "block"), None
    anchor = None if kind == ALIAS else event.anchor
    tag = None if kind == ALIAS else event.tag
    span = Span(
        kind,
        start,
        event.end_mark.index + offset,
        start,
        mark.line + lines + 1,
        mark.column,
        style,
        anchor,
        tag,
        value,
    )
    if kind != ALIAS:
        span.body = _body(text, start, event)
    if kind == SCALAR:
        span.end = _block_end(text, span.body, span.end, style)
    if kind in (MAPPING, SEQUENCE):
        span.end = span.body + (1 if style == "flow" else 0)
    return span


def trim_blank_tail(text: str, lower: int, end: int) -> int:
    """`end` moved back over whole blank lines, not before `lower`.

    libyaml ends a block scalar after the blank lines that follow it; those lines
    belong to the file, not to the value (unless it keeps them with `+`).
    """
    while end > lower and text[end - 1] == "\n":
        previous = text.rfind("\n", lower, end - 1) + 1
        if previous <= lower or text[previous:end].strip():
            break
        end = previous
    return end


def _block_end(text: str, start: int, end: int, style: str) -> int:
    """Where a block scalar's own text ends; other nodes end where libyaml says."""
    if style not in ("|", ">"):
        return end
    header_end = text.find("\n", start)
    if header_end != -1 and "+" in text[start:header_end].split("#")[0]:
        return end  # kept trailing lines are part of the value
    return trim_blank_tail(text, header_end if header_end != -1 else start, end)


def dash_before(text: str, index: int) -> int:
    """Where the '-' of the block list item whose value starts at `index` stands."""
    at = index - 1
    while at >= 0 and text[at] in " \t\r\n":
        at -= 1
    return at if at >= 0 and text[at] == "-" else index


def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def locate(
    text: str,
    path: KeyPath,
    *,
    everything: bool = False,
    until_target: bool = False,
    window: tuple[int, int] | None = None,
    document: int = 1,
) -> Located:
    """Walk `text`'s first document and find `path`.

    Stops once the root entry holding the path has ended, unless `everything` is set
    (then anchors and aliases of the whole document are collected too, with paths);
    with `until_target`, as soon as the entry at `path` itself has been read (its
    parents' entry lists are then incomplete). `window` (start, end) walks only those
    characters, which must be whole top-level entries of a block mapping at column 0;
    every index and line found is still one of the whole text. `document` is which
    YAML document of the text (1-based) holds the path.
    """
    walk = _Walk(text, path, everything, until_target, window)
    walk.document = walk.found.document = document
    try:
        walk.run()
    except _Stop:
        pass
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f"line {mark.line + walk.lines + 1}" if mark is not None else "the file"
        what = getattr(error, "problem", None) or str(error).splitlines()[0]
        walk.found.error = f"YAML syntax error at {where}: {what}"
    return walk.found


class _Stop(Exception):
    """The entry asked for has been read: the rest of the file is not needed."""


class _Walk:
    def __init__(
        self,
        text: str,
        path: KeyPath,
        everything: bool,
        until_target: bool,
        window: tuple[int, int] | None,
    ) -> None:
        self.until_target = until_target and not everything and bool(path)
        self.text = text
        self.path = path
        self.everything = everything
        start, self.end = window if window is not None else (0, len(text))
        # Event indices count from the walked text's start, without a BOM.
        self.offset = start + (1 if text.startswith("\ufeff", start) else 0)
        self.lines = text.count("\n", 0, start)
        self.document = 1
        self.found = Located([], [])
        self.root_entry_done = False  # the root entry holding the path has been read
        self.stack: list[_Frame] = []  # the collections open at the current event
        self.root_open = -1  # where the current root entry's line starts

    def run(self) -> None:
        """Read the wanted document's events until what was asked for has been read."""
        text, offset = self.text, self.offset
        walked = text if offset == 0 and self.end == len(text) else text[offset : self.end]
        with event_stream(walked) as (get_event, kinds):
            scalar_kind, map_start, seq_start, map_end, seq_end = kinds
            for _ in range(self.document - 1):  # the documents before the one wanted
                while (event := get_event()) is not None and type(event) is not DocumentEndEvent:
                    pass
            while (event := get_event()) is not None:
                kind = type(event)
                if kind is scalar_kind or kind is AliasEvent:
                    if self._scalar(event, kind is AliasEvent):
                        return
                elif kind is map_start or kind is seq_start:
                    read = self._opened(event, MAPPING if kind is map_start else SEQUENCE)
                    if not read and not self._skipped(get_event, kinds):
                        return  # the stream ended inside it
                elif kind is map_end or kind is seq_end:
                    if self._closed(event):
                        return
                elif kind is DocumentEndEvent:
                    return

    def _scalar(self, event: Any, is_alias: bool) -> bool:
        """A scalar or an alias, as a key or a value; True when the walk is done."""
        if not self.stack:
            return False  # a document that is one scalar: nothing to edit
        top = self.stack[-1]
        if top.is_map and top.key is None:
            return self._key(top, event, is_alias)
        span = _span(self.text, self.offset, self.lines, event, ALIAS if is_alias else SCALAR)
        if self.everything:
            child_path = (*top.path, self._child_key(top))
            if is_alias:
                self.found.aliases.append((span.value or "", child_path, span))
            elif span.anchor is not None:
                self.found.anchors[span.anchor] = (child_path, span)
        self._child_done(span)
        return False

    def _key(self, top: _Frame, event: Any, is_alias: bool) -> bool:
        """A mapping's key (a root key starts a root entry); True when the walk is done:
        the root entry holding the path has ended."""
        start_index = event.start_mark.index + self.offset
        if len(self.stack) == 1:
            start = line_start(self.text, start_index)
            if self.root_open >= 0:
                self.found.root_entries.append((self.root_open, start))
                if self.root_entry_done and not self.everything:
                    return True
            self.root_open = start
        top.key = "" if is_alias else str(event.value)
        top.key_start = start_index
        top.key_end = event.end_mark.index + self.offset
        top.key_line = event.start_mark.line + self.lines + 1
        top.key_column = event.start_mark.column
        return False

    def _opened(self, event: Any, kind: int) -> bool:
        """A mapping or list starts; False when it is off the path, to be skipped."""
        span = _span(self.text, self.offset, self.lines, event, kind)
        if not self.stack:
            frame = _Frame(span, (), True)
            self.found.block_root = span.style == "block" and event.start_mark.column == 0
            self.stack.append(frame)
            assert frame.coll is not None
            self.found.chain.append(frame.coll)
            return True
        top = self.stack[-1]
        child_path = (*top.path, self._child_key(top))
        depth = len(top.path)
        on_path = top.on_path and depth < len(self.path) and child_path[-1] == self.path[depth]
        frame = _Frame(span, child_path, on_path)
        self.stack.append(frame)
        if self.everything and span.anchor is not None:
            self.found.anchors[span.anchor] = (child_path, span)
        if frame.coll is not None:
            self.found.chain.append(frame.coll)
            return True
        return self.everything

    def _skipped(self, get_event: Callable[[], Any], kinds: EventKinds) -> bool:
        """Read past the collection just opened, off the path; False if the stream ended.

        Only nesting and its last content event matter: they say where it ends.
        """
        _scalar_kind, map_start, seq_start, map_end, seq_end = kinds
        depth = 1
        last: Any = None
        while depth:
            event = get_event()
            if event is None:
                return False
            kind = type(event)
            if kind is map_start or kind is seq_start:
                depth += 1
            elif kind is map_end or kind is seq_end:
                depth -= 1
                if event.start_mark.index != event.end_mark.index:  # a flow bracket
                    last = event
            else:
                last = event
        frame = self.stack.pop()
        if last is not None:
            end = last.end_mark.index + self.offset
            style = getattr(last, "style", None)
            if style in ("|", ">"):
                end = _block_end(self.text, last.start_mark.index + self.offset, end, style)
            frame.span.end = end
        self._child_done(frame.span)
        return True

    def _closed(self, event: Any) -> bool:
        """A mapping or list ends; True when it is the root: the document is done."""
        frame = self.stack.pop()
        if event.start_mark.index != event.end_mark.index:  # a flow bracket
            frame.last_end = event.end_mark.index + self.offset
        frame.span.end = frame.last_end
        if frame.coll is not None:
            frame.coll.end_mark = event.start_mark.index + self.offset
        if not self.stack:
            if self.root_open >= 0:
                end = event.start_mark.index + self.offset
                self.found.root_entries.append((self.root_open, end))
            return True
        self._child_done(frame.span)
        return False

    def _child_key(self, top: _Frame) -> Key:
        if top.is_map:
            return "" if top.key is None else top.key
        return top.count

    def _child_done(self, span: Span) -> None:
        """A child of the innermost open collection has been read whole."""
        top = self.stack[-1]
        if span.end > top.last_end:
            top.last_end = span.end
        if top.is_map:
            key = top.key
            top.key = None
            if key is None:
                return
            if top.coll is not None:
                top.coll.entries.append(
                    Entry(key, top.key_start, top.key_end, top.key_line, top.key_column, span)
                )
                if self.until_target and top.path == self.path[:-1] and key == self.path[-1]:
                    raise _Stop
            if len(self.stack) == 1 and self.path and key == self.path[0]:
                self.root_entry_done = True
            return
        if top.coll is not None:
            start = span.start
            if top.span.style == "block":
                start = dash_before(self.text, span.start)
            line = self.text.count("\n", 0, start) + 1
            column = start - line_start(self.text, start)
            top.coll.entries.append(Entry(top.count, start, start, line, column, span))
            if self.until_target and top.path == self.path[:-1] and top.count == self.path[-1]:
                raise _Stop
        top.count += 1
