"""The one span of text an edit replaces, and what it is replaced with.

Each function takes the file's text and what `spans.locate` found, and returns a
`Splice` (or a sentence saying why the edit cannot be made). Only the span changes:
a value is replaced where it stands, a new key goes after the last child of its
parent at the parent's indentation, a removed entry takes its own lines with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.editing.rendering import (
    block_content_end,
    block_safe,
    double_quoted,
    reads_back,
    render_block,
    render_inline,
    render_key,
)
from core.editing.spans import ALIAS, Collection, Entry, Located, Span, line_start
from core.model import DIRECTIVES, MAPPING, SCALAR, SEQUENCE, KeyPath, format_path
from core.scalars import resolve_plain

# (path, value, the text it would be written as) -> the text to write instead: the
# seam where a secrets layer encrypts a value before it reaches the file.
ValueHook = Callable[[KeyPath, Any, str], str]

_NULL_TEXTS = frozenset({"", "~", "null", "Null", "NULL"})


@dataclass(frozen=True, slots=True)
class Splice:
    """Replace characters [start, end) of the text with `text`."""

    start: int
    end: int
    text: str

    def apply(self, source: str) -> str:
        return source[: self.start] + self.text + source[self.end :]


def _kind_name(span: Span) -> str:
    return {MAPPING: "a mapping", SEQUENCE: "a list", ALIAS: "an alias"}.get(span.kind, "a value")


def replace_value(
    text: str,
    parent: Collection,
    entry: Entry,
    path: KeyPath,
    value: Any,
    eol: str,
    hook: ValueHook | None = None,
    spelling: str | None = None,
) -> Splice | str:
    """The value of `entry` becomes `value`, written in the style of the old one."""
    span = entry.value
    if span.kind != SCALAR:
        return (
            f"{format_path(path)} is {_kind_name(span)} at line {entry.line}; set changes one"
            " value (set the keys inside it one by one)"
        )
    refusal = _tag_refusal(span, value, path, entry.line)
    if refusal is not None:
        return refusal
    start, end = span.body, span.end
    style = span.style
    if span.tag in DIRECTIVES:
        start, style = span.start, ""  # `key: !unset` becomes `key: value`
    block = style in ("|", ">")
    if block:
        end = block_content_end(text, span)
    if block and isinstance(value, str) and block_safe(value) and hook is None:
        new = render_block(value, span, text, eol, entry.column)
    else:
        new = render_inline(value, old_style="" if block else style, flow=parent.flow)
        if spelling is not None and reads_back(spelling, value, parent.flow):
            new = spelling  # `0o640` as typed, not 416
        if not reads_back(new, value, parent.flow) and isinstance(value, str):
            new = double_quoted(value)  # libyaml reads `[0?]` as no list at all
        if not reads_back(new, value, parent.flow):
            return f"cannot write {value!r} so that YAML reads it back unchanged"
        if hook is not None:
            new = hook(path, value, new)
        if block:
            new += eol  # the block scalar's span ended with its line break
    if start == end and start > 0 and text[start - 1] in ":-":
        # `key:` or `-` with no value: after its space, or with one (`-5` is one scalar)
        if text[start : start + 1] == " ":
            start = end = start + 1
        else:
            new = " " + new
    return Splice(start, end, new)


_CORE_TAGS = {
    "tag:yaml.org,2002:str": ("!!str", (str,), "text"),
    "tag:yaml.org,2002:int": ("!!int", (int,), "an integer"),
    "tag:yaml.org,2002:float": ("!!float", (float, int), "a number"),
    "tag:yaml.org,2002:bool": ("!!bool", (bool,), "true or false"),
    "tag:yaml.org,2002:null": ("!!null", (type(None),), "null"),
}


def _tag_refusal(span: Span, value: Any, path: KeyPath, line: int) -> str | None:
    """The value's own tag (`!!str 123`) stays; a new value it cannot hold is refused."""
    known = _CORE_TAGS.get(span.tag or "")
    if known is None:
        return None
    shown, types, words = known
    fits = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if fits:
        return None
    hint = "; pass --string to set it as text" if str in types else ""
    return (
        f"{format_path(path)} is tagged {shown} at line {line}, so it holds {words}, and"
        f" {render_inline(value)} is not{hint} (or remove the tag by hand)"
    )


def indent_step(text: str) -> int:
    """How far the file indents a nested mapping (2 when it never does)."""
    previous_indent = -1
    previous_opens = False
    for count, line in enumerate(text.splitlines()):
        if count > 2000:
            break
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if previous_opens and indent > previous_indent and not stripped.startswith("- "):
            return indent - previous_indent
        content = stripped.split(" #", 1)[0].rstrip()
        previous_opens = content.endswith(":") and not content.startswith("- ")
        previous_indent = indent
    return 2


def _block_lines(
    keys: KeyPath, value_text: str, indent: int, step: int, eol: str, first: str | None = None
) -> str:
    lines = []
    for depth, key in enumerate(keys):
        pad = " " * (indent + depth * step)
        last = depth == len(keys) - 1
        written = first if depth == 0 and first is not None else render_key(str(key))
        lines.append(f"{pad}{written}:" + (f" {value_text}" if last else ""))
    return eol.join(lines)


def _flow_text(keys: KeyPath, value_text: str, first: str | None = None) -> str:
    out = value_text
    for key in reversed(keys[1:]):
        out = f"{{{render_key(str(key), flow=True)}: {out}}}"
    return f"{first or render_key(str(keys[0]), flow=True)}: {out}"


def _like_siblings(text: str, parent: Collection, key: str) -> str | None:
    """`key` written plain when its siblings are plain keys of the same kind (`500:`
    beside `200:` and `404:`), as the file writes them; None to quote it as usual."""
    typed = resolve_plain(key)
    if isinstance(typed, (str, bool)) or typed is None or key != key.strip():
        return None
    for entry in parent.entries:
        raw = text[entry.start : entry.key_end]
        if raw and raw[0] not in "'\"" and type(resolve_plain(raw)) is type(typed):
            return key
    return None


def after_line(text: str, index: int) -> int:
    """The index just past the line break of the line holding `index` (or the end)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    at = text.find("\n", index)
    return len(text) if at == -1 else at + 1


def _line_end(text: str, index: int) -> int:
    """The index of the line break (CR of a CRLF) ending the line holding `index`;
    an `index` just past a line break means the line that break ends."""
    if index > 0 and text[index - 1] == "\n":
        index -= 1
    at = text.find("\n", index)
    at = len(text) if at == -1 else at
    return at - 1 if at > 0 and text[at - 1] == "\r" else at


def entry_end(text: str, entry: Entry) -> int:
    span = entry.value
    if span.kind == SCALAR and span.style in ("|", ">"):
        return block_content_end(text, span)
    return span.end


def insert_path(
    text: str, found: Located, path: KeyPath, value_text: str, eol: str
) -> Splice | str:
    """Create the missing part of `path`, holding `value_text`, where the file would have it."""
    chain = found.chain
    if not chain and found.document > 1:
        return f"document {found.document} of the file holds no mapping to add {path[0]} to"
    if not chain:
        if any(_holds_content(line) for line in text.lstrip("\ufeff").splitlines()):
            return "the file's top level is not a mapping; cannot add a key to it"
        lead = eol if text and not text.endswith("\n") else ""
        return Splice(len(text), len(text), lead + _block_lines(path, value_text, 0, 2, eol) + eol)
    depth = len(chain) - 1
    parent = chain[depth]
    holder = parent.entry(path[depth]) if depth < len(path) else None
    if holder is not None:
        return _into_null(text, parent, holder, path, depth, value_text, eol)
    rest = path[depth:]
    where = f"{format_path(path[:depth]) or 'the top level'}"
    if not parent.is_map:
        return f"{where} is a list; confscope does not add list items (set the list's items)"
    if any(not isinstance(key, str) for key in rest):
        return f"cannot create {format_path(path)}: list items are not created by set"
    first = _like_siblings(text, parent, str(rest[0]))
    if parent.flow:
        entries = parent.entries
        if entries:
            return Splice(
                entries[-1].value.end,
                entries[-1].value.end,
                ", " + _flow_text(rest, value_text, first),
            )
        return Splice(parent.end_mark, parent.end_mark, _flow_text(rest, value_text, first))
    step = indent_step(text)
    if parent.entries:
        last = parent.entries[-1]
        indent = last.column
        at = after_line(text, entry_end(text, last))
        lead = eol if at == len(text) and not text.endswith("\n") else ""
        tail = "" if lead else eol
        lines = _block_lines(rest, value_text, indent, step, eol, first)
        return Splice(at, at, lead + lines + tail)
    at = len(text)
    lead = eol if text and not text.endswith("\n") else ""
    return Splice(at, at, lead + _block_lines(rest, value_text, 0, step, eol) + eol)


def _holds_content(line: str) -> bool:
    """Whether a line of a file with no mapping is more than a comment, a blank, a
    `---` that opens its one document, or a `%YAML` directive (`---` then keys is how
    Ansible and many others start a file)."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#") or line.startswith("%"):
        return False
    return not (line.startswith("---") and not line[3:].split("#", 1)[0].strip())


def _into_null(
    text: str,
    parent: Collection,
    holder: Entry,
    path: KeyPath,
    depth: int,
    value_text: str,
    eol: str,
) -> Splice | str:
    """`key:` (empty, null or `!unset`) becomes a mapping holding the rest of the path."""
    span = holder.value
    dotted = format_path(path[: depth + 1])
    is_null = span.kind == SCALAR and span.style == "" and span.value in _NULL_TEXTS
    if not is_null:
        return (
            f"cannot create {format_path(path)}: {dotted} is {_kind_name(span)} at line"
            f" {holder.line}, not a mapping"
        )
    rest = path[depth + 1 :]
    if any(not isinstance(key, str) for key in rest):
        return f"cannot create {format_path(path)}: list items are not created by set"
    if parent.flow:
        return Splice(span.start, span.end, "{" + _flow_text(rest, value_text) + "}")
    colon = text.find(":", holder.key_end)
    line_end = _line_end(text, span.end)
    comment = text[span.end : line_end] if span.end < line_end else ""
    if comment.strip() and not comment.strip().startswith("#"):
        return f"cannot create {format_path(path)} under line {holder.line}"
    step = indent_step(text)
    lines = _block_lines(rest, value_text, holder.column + step, step, eol)
    return Splice(colon + 1, line_end, comment + eol + lines)


def removal_target(found: Located, path: KeyPath) -> tuple[Collection, Entry, KeyPath]:
    """The entry to take out for removing `path`: a mapping or list left empty goes too."""
    depth = len(path) - 1
    while depth > 0 and len(found.chain[depth].entries) == 1:
        depth -= 1
    parent = found.chain[depth]
    entry = parent.entry(path[depth])
    assert entry is not None
    return parent, entry, path[: depth + 1]


def remove_entry(text: str, parent: Collection, entry: Entry) -> Splice | str:
    """Take `entry` out of `parent`: its lines in a block, its item in a flow collection."""
    entries = parent.entries
    index = next(i for i, e in enumerate(entries) if e is entry)
    if parent.flow:
        if index + 1 < len(entries):
            return Splice(entry.start, entries[index + 1].start, "")
        if index > 0:
            return Splice(entries[index - 1].value.end, entry.value.end, "")
        return Splice(entry.start, entry.value.end, "")
    start = line_start(text, entry.start)
    if text[start : entry.start].strip():
        # The first key of a list item (`- name: x`): the next key moves up after the
        # dash, and the comment lines above that key move above the item with it.
        if index + 1 < len(entries) and parent.is_map:
            following = entries[index + 1].start
            between = text[after_line(text, entry_end(text, entry)) : line_start(text, following)]
            if not between.strip():
                return Splice(entry.start, following, "")
            prefix = text[start : entry.start]
            pad = prefix[: len(prefix) - len(prefix.lstrip(" "))]
            moved = "".join(
                pad + line.lstrip(" \t") if line.strip() else line
                for line in between.splitlines(keepends=True)
            )
            return Splice(start, following, moved + prefix)
        return f"cannot remove the entry at line {entry.line}: it shares its line"
    return Splice(start, after_line(text, entry_end(text, entry)), "")


def unset_directive(text: str, entry: Entry, eol: str) -> Splice:
    """`key: !unset` in place of the entry's value."""
    span = entry.value
    if span.kind == SCALAR and span.style in ("|", ">"):
        return Splice(span.start, block_content_end(text, span), "!unset" + eol)
    if span.kind in (MAPPING, SEQUENCE) and span.style == "block":
        colon = text.find(":", entry.key_end)
        return Splice(colon + 1, _line_end(text, span.end), " !unset")
    if span.start == span.end:
        return Splice(span.start, span.end, " !unset")
    return Splice(span.start, span.end, "!unset")
