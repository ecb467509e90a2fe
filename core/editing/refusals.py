"""Values that other keys share: reached through an alias, a `<<` merge, or anchored.

Editing one of those would change keys the user did not name, so the edit is
refused with the line that defines the value and the keys that share it.
"""

from __future__ import annotations

from core.editing.source import Source
from core.editing.spans import ALIAS, MERGE_KEY, Located, locate
from core.loading import parse_bytes
from core.model import MAPPING, KeyPath, Node, Problem, format_path


def refusal(
    message: str, path: KeyPath, file: str | None = None, line: int | None = None
) -> Problem:
    """An edit refused: one error for `path`, at `file`:`line` (column 1) when known."""
    return Problem(
        severity="error",
        message=message,
        path=format_path(path),
        file=file,
        line=line,
        column=1 if line else None,
        code="edit",
    )


def _user(path: KeyPath) -> str:
    """An alias site as a key: a merge (`a.<<[0]`) is shown as the mapping it merges into."""
    if MERGE_KEY in path:
        path = path[: path.index(MERGE_KEY)]
    return format_path(path) or "the top level"


def _sharers(found: Located, name: str, anchor_path: KeyPath | None) -> str:
    users: list[str] = []
    if anchor_path is not None:
        users.append(_user(anchor_path))
    for alias, path, _span in found.aliases:
        if alias == name and _user(path) not in users:
            users.append(_user(path))
    return ", ".join(users)


def _needs_full_walk(found: Located, path: KeyPath) -> bool:
    chain = found.chain
    for depth, key in enumerate(path):
        if depth >= len(chain):
            return False
        collection = chain[depth]
        if depth and collection.span.anchor is not None:
            return True
        if depth + 1 < len(chain):
            continue  # the path goes on through a collection written here: no alias
        entry = collection.entry(key)
        if entry is None:
            return collection.is_map and collection.entry(MERGE_KEY) is not None
        if entry.value.kind == ALIAS or entry.value.anchor is not None:
            return True
    return False


def shared_value(source: Source, quick: Located, path: KeyPath) -> tuple[str, int] | None:
    """Why `path` may not be edited in this file (a sentence and its line), or None."""
    if not _needs_full_walk(quick, path):
        return None
    found = locate(source.text, path, everything=True, document=quick.document)
    for depth, key in enumerate(path):
        if depth >= len(found.chain):
            return None
        collection = found.chain[depth]
        entry = collection.entry(key)
        dotted = format_path(path[: depth + 1])
        if entry is None:
            if collection.is_map and collection.entry(MERGE_KEY) is not None:
                return _merged(source, found, collection.path, path, depth)
            return None
        span = entry.value
        if span.kind == ALIAS:
            name = span.value or ""
            anchor = found.anchors.get(name)
            where = f"line {anchor[1].line}" if anchor else "an anchor"
            shared = _sharers(found, name, anchor[0] if anchor else None)
            return (
                f"{dotted} is the alias *{name} at line {entry.line}; its value is defined at"
                f" {where} (&{name}) and shared by {shared}; edit it there, by hand",
                anchor[1].line if anchor else entry.line,
            )
        if span.anchor is not None:
            users = [p for alias, p, _s in found.aliases if alias == span.anchor]
            if users:
                shared = _sharers(found, span.anchor, None)
                return (
                    f"{dotted} is anchored as &{span.anchor} at line {span.line} and shared"
                    f" through aliases by {shared}; changing it would change them too, so"
                    " edit it by hand",
                    span.line,
                )
    return None


def _merged(
    source: Source, found: Located, holder: KeyPath, path: KeyPath, depth: int
) -> tuple[str, int] | None:
    """`path[depth]` is missing from the mapping at `holder`: does a `<<` merge give it?"""
    parsed = parse_bytes(source.data, source.display)
    roots = [d.root for d in parsed.documents if d.index == found.document]
    names = [
        (name, span.line)
        for name, at, span in found.aliases
        if at[: len(holder) + 1] == (*holder, MERGE_KEY)
    ]
    for name, merge_line in names:
        anchor = found.anchors.get(name)
        if anchor is None:
            continue
        node: Node | None = roots[0] if roots else None
        for step in anchor[0]:
            if node is None or node.kind != MAPPING:
                node = None
                break
            node = node.value.get(step)
        key = path[depth]
        if node is not None and node.kind == MAPPING and key in node.value:
            defined = node.value[key].line
            shared = _sharers(found, name, anchor[0])
            return (
                f"{format_path(path[: depth + 1])} comes from the '<<' merge of *{name} at"
                f" line {merge_line}; it is defined at line {defined} (&{name}) and shared by"
                f" {shared}; edit it there, or add the key to this mapping by hand",
                defined,
            )
    return None


def removed_anchor(source: Source, document: int, start: int, end: int) -> tuple[str, int] | None:
    """Why an edit may not take characters [start, end) out of the text: they define an
    anchor that an alias outside them uses (the file would no longer read); else None."""
    if "&" not in source.text[start:end]:
        return None
    found = locate(source.text, (), everything=True, document=document)
    for name, (anchor_path, span) in found.anchors.items():
        if not start <= span.start < end:
            continue
        users = [
            _user(path)
            for alias, path, used in found.aliases
            if alias == name and not start <= used.start < end
        ]
        if users:
            return (
                f"{format_path(anchor_path)} is anchored as &{name} at line {span.line} and"
                f" used through *{name} by {', '.join(dict.fromkeys(users))}; the edit would"
                " take the anchor away from them, so edit it by hand",
                span.line,
            )
    return None
