"""Key paths: the keys from the root to a value, and the text people read and type.

`("db", "hosts", 0, "name")` is written ``db.hosts[0].name``; a key that a dot would
split or a bracket confuse is quoted, so the text reads back as the same path.
"""

from __future__ import annotations

import json
import re

Key = str | int
KeyPath = tuple[Key, ...]

_PLAIN_KEY = re.compile(r"[^.\[\]\"\s]+\Z")


def format_path(path: KeyPath) -> str:
    """`("db", "hosts", 0, "name")` → ``db.hosts[0].name``.

    A key that a dot would split or a bracket confuse is quoted, so the text reads
    back as the same path: ``loggers["uvicorn.access"].level``.
    """
    out: list[str] = []
    for key in path:
        if isinstance(key, int):
            out.append(f"[{key}]")
        elif _PLAIN_KEY.match(key):
            out.append(f".{key}" if out else key)
        else:
            out.append(f"[{json.dumps(key, ensure_ascii=False)}]")
    return "".join(out)


def parse_path(text: str) -> KeyPath:
    """The inverse of `format_path`; lenient with what people type (``a.b[0]``)."""
    parts: list[Key] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == ".":
            i += 1
            continue
        if char == "[":
            if text.startswith('["', i):
                try:
                    key, end = json.JSONDecoder().raw_decode(text, i + 1)
                except ValueError:
                    key, end = text[i + 1 :], n
                parts.append(str(key))
                i = end + 1 if text.startswith("]", end) else end
                continue
            close = text.find("]", i)
            close = n if close == -1 else close
            inside = text[i + 1 : close]
            # isdigit() also takes '²' and other digits int() refuses: ASCII only.
            parts.append(int(inside) if inside.isascii() and inside.isdigit() else inside)
            i = close + 1
            continue
        end = i
        while end < n and text[end] not in ".[":
            end += 1
        parts.append(text[i:end])
        i = end
    return tuple(parts)
