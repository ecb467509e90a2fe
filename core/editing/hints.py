"""The loaded tree as a map: which lines of a file hold one top-level entry.

A resolution already parsed every layer and knows the line of each top-level key.
When the file is still the version it parsed, the editor walks only the lines of the
top-level entry that holds the key being edited, instead of every line before it.
"""

from __future__ import annotations

import re

from core.editing.source import Source, same_version
from core.model import MAPPING, Key, LayerFile

# A document marker: at column 0 it can be nothing else (block content is indented,
# and libyaml refuses one inside a quoted scalar).
_MARKER = re.compile(r"^(?:---|\.\.\.)(?:[ \t\r]|$)", re.MULTILINE)


def _line_offsets(text: str, wanted: set[int]) -> dict[int, int]:
    """The character offset where each wanted 1-based line starts."""
    found: dict[int, int] = {}
    last = max(wanted)
    line, at = 1, 0
    while line <= last:
        if line in wanted:
            found[line] = at
        nxt = text.find("\n", at)
        if nxt == -1:
            break
        at, line = nxt + 1, line + 1
    return found


def _only_preamble(text: str) -> bool:
    """Whether `text` (before the first top-level key) holds no YAML content."""
    for raw in text.lstrip("\ufeff").splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", "%")) and line.split("#")[0].strip() != "---":
            return False
    return True


def entry_window(source: Source, loaded: LayerFile | None, key: Key) -> tuple[int, int] | None:
    """The characters of the top-level entry `key`, if the loaded tree can say so."""
    if loaded is None or not isinstance(key, str):
        return None
    root = loaded.root
    if root is None or root.kind != MAPPING or key not in root.value:
        return None
    if not same_version(loaded.identity, source.stamp, source.data):
        return None
    # Entries written at column 1 of their own line (not merged in, not reached by alias).
    lines = sorted(
        node.line
        for node in root.value.values()
        if node.column == 1 and getattr(node, "via", None) is None
    )
    node = root.value[key]
    if node.column != 1 or getattr(node, "via", None) is not None or not lines:
        return None
    later = [line for line in lines if line > node.line]
    opening = loaded.line if loaded.document else 1  # where this document starts
    wanted = {opening, lines[0], node.line, *later[:1]}
    offsets = _line_offsets(source.text, wanted)
    if len(offsets) != len(wanted) or lines[0] < opening:
        return None
    if not _only_preamble(source.text[offsets[opening] : offsets[lines[0]]]):
        return None
    start = offsets[node.line]
    if later:
        end = offsets[later[0]]
    else:  # the last entry: up to the next document, if another follows
        marker = _MARKER.search(source.text, start)
        end = marker.start() if marker else len(source.text)
    if source.text[start : start + 1] in ("", " ", "\t", "-", "{", "[", "\n", "\r"):
        return None
    return start, end
