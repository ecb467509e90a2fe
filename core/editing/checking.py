"""Proof that an edit changed exactly what it meant to: re-parse and compare.

The new text is parsed by the loader (`core.loading.parse_bytes`) and compared, as
plain data, with the old text's parse with the intended change applied; nothing
else may differ and no new error may appear. When the file's top level is a block
mapping, only the top-level entry that holds the edit is parsed on each side: a
top-level key at column 0 closes everything before it, so that entry reads the same
alone as in its file, and a one-value edit of a large file costs a fraction of a
full parse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from core.loading import parse_bytes
from core.model import Key, KeyPath, format_path

ANY = object()  # the expected value when a hook rewrote it (an encrypted value, say)
REMOVED = object()


@dataclass(frozen=True, slots=True)
class Expectation:
    """What an edit should do to the parsed file: `path` holds `value` or is REMOVED."""

    path: KeyPath
    value: Any


@dataclass(frozen=True, slots=True)
class Window:
    """Characters [start, old_end) of the old text became [start, new_end) of the new."""

    start: int
    old_end: int
    new_end: int
    depth: int = 0  # how many keys of the path lie outside the window
    dedent: int = 0  # the columns every line of the window gives up

    def cut(self, text: str, end: int) -> str | None:
        """The window's text, dedented; None if a line sits left of the window's column."""
        part = text[self.start : end]
        if not self.dedent:
            return part
        lines = part.split("\n")
        pad = " " * self.dedent
        for index, line in enumerate(lines):
            if line.startswith(pad):
                lines[index] = line[self.dedent :]
            elif line.strip():
                return None
        return "\n".join(lines)


def _documents(text: str, display: str) -> tuple[dict[int, Any], int, str | None]:
    """Each document's plain data by its 1-based index, the errors, the first error."""
    parsed = parse_bytes(text.encode("utf-8"), display)
    errors = [p for p in parsed.problems if p.severity == "error"]
    first = str(errors[0]) if errors else None
    documents = {document.index: document.root.plain() for document in parsed.documents}
    return documents, len(errors), first


def same(a: Any, b: Any) -> bool:
    """Equal as plain data, with types and key order: 1 is not True, nor 1.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _apply(data: Any, expectation: Expectation) -> Any:
    """`data` with the expected change made (a copy along the path only)."""
    path = expectation.path
    if not path:
        return data

    def step(node: Any, depth: int) -> Any:
        key: Key = path[depth]
        last = depth == len(path) - 1
        if isinstance(node, dict):
            out = dict(node)
            if last:
                if expectation.value is REMOVED:
                    out.pop(key, None)
                else:
                    out[key] = expectation.value
            else:
                out[key] = step(out.get(key) or {}, depth + 1)
            return out
        if isinstance(node, list) and isinstance(key, int) and -len(node) <= key < len(node):
            items = list(node)
            if last:
                if expectation.value is REMOVED:
                    del items[key]
                else:
                    items[key] = expectation.value
            else:
                items[key] = step(items[key], depth + 1)
            return items
        return {key: expectation.value} if last else {key: step({}, depth + 1)}

    return step(data, 0)


def _masked(data: Any, path: KeyPath) -> Any:
    """`data` with the value at `path` replaced by a marker (for a hook's new value)."""
    return _apply(data, Expectation(path, "<changed>")) if path else data


def check(
    old_text: str,
    new_text: str,
    expectation: Expectation,
    window: Window | None,
    display: str,
    document: int = 1,
) -> str | None:
    """None if `new_text` is `old_text` with exactly the expected change to the
    `document`-th YAML document (1-based); else why not."""
    old_part: str | None = old_text
    new_part: str | None = new_text
    if window is not None:
        old_part = window.cut(old_text, window.old_end)
        new_part = window.cut(new_text, window.new_end)
        if old_part is None or new_part is None:
            old_part, new_part = old_text, new_text  # cannot cut it out: the whole file
        else:
            expectation = Expectation(expectation.path[window.depth :], expectation.value)
            document = 1  # a window is one document's entry, read alone
    assert old_part is not None and new_part is not None
    before, old_errors, _ = _documents(old_part, display)
    after, new_errors, first_error = _documents(new_part, display)
    if new_errors > old_errors:
        return f"the edit would leave {display} unreadable ({first_error})"
    wanted = dict(before)
    wanted[document] = _apply(before.get(document, {}), expectation)
    if wanted[document] == {} and document not in after:
        del wanted[document]  # a document emptied by a removal is no longer listed
    if expectation.value is ANY:
        wanted[document] = _masked(wanted[document], expectation.path)
        after = {**after, document: _masked(after.get(document, {}), expectation.path)}
    if list(wanted) == list(after) and all(same(wanted[i], after[i]) for i in wanted):
        return None
    return (
        f"re-reading {display} after the edit shows changes beyond"
        f" {format_path(expectation.path)}; the edit was not kept"
    )
