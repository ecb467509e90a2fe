"""Writing into a YAML file's text: span edits, and a value as a scalar both readers agree on.

A decrypted value is written so that confscope (YAML 1.2 core) and sops (go-yaml v3)
read back the same type: plain when both read the text as that value, double-quoted
otherwise.
"""

from __future__ import annotations

import math
import re

from core.scalars import resolve_plain, yaml11_reading
from core.secrets.document import Leaf
from core.secrets.values import Plain, go_plain

_SAFE_PLAIN = re.compile(
    r"[A-Za-z0-9_./+$(](?:[A-Za-z0-9_ ./@+=$~^%()-]*[A-Za-z0-9_./@+=$~^%()-])?\Z"
)


def splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    """`text` with each (start, end, new) span replaced; spans must not overlap."""
    out: list[str] = []
    at = 0
    for start, end, new in sorted(edits):
        out.append(text[at:start])
        out.append(new)
        at = end
    out.append(text[at:])
    return "".join(out)


def content_end(text: str, leaf: Leaf) -> int:
    """Where a scalar's own text ends: a block scalar's span runs on over line breaks."""
    if leaf.style in ("|", ">"):
        return leaf.start + len(text[leaf.start : leaf.end].rstrip())
    return leaf.end


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def yaml_scalar(plain: Plain | None, flow: bool = False) -> str:
    """A value as YAML scalar text that reads back as the same value and type."""
    if plain is None:
        return "null"
    value, kind = plain.value, plain.type
    if kind == "bool":
        return "true" if value else "false"
    if kind == "int":
        return str(value)
    if kind == "float":
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(float(value))
    if kind == "time":
        return str(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return quote(str(value))


def block_literal_at(text: str, leaf: Leaf, value: str, step: int) -> tuple[int, str] | None:
    """`value` as a `|` block in place of the block-context `leaf` of `text`, indented
    `step` past its key or dash, with the file's line ends: (where the replaced span
    ends, the block). The span takes the blanks after the value, which would otherwise
    end the block's last line; None when a block cannot hold the value, or when a
    comment follows the value on its line (the block would swallow it)."""
    end = content_end(text, leaf)
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_end - 1 : line_end] == "\r":
        line_end -= 1
    if text[end:line_end].strip(" \t"):
        return None
    line_start = text.rfind("\n", 0, leaf.start) + 1
    before = text[line_start : leaf.start]
    column = len(before) - len(before.lstrip(" -"))
    block = block_literal(value, column + step)
    return None if block is None else (line_end, block.replace("\n", newline_of(text)))


# Besides control characters, what is written escaped and never in a block: what YAML
# 1.1 readers (libyaml, go-yaml) take for a line break (a raw one inside quotes is
# folded, the blanks around it lost), a byte order mark, and the two non-characters.
_ESCAPED = frozenset("\u2028\u2029\ufeff\ufffe\uffff")


def block_literal(text: str, indent: int) -> str | None:
    """A multi-line string as a `|` block indented by `indent`, as sops writes one; None
    when a block cannot hold it exactly (a leading space, control characters)."""
    if "\n" not in text.rstrip("\n") or text[:1] in (" ", "\t", "\n"):
        return None
    if any(
        (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0 or c in _ESCAPED for c in text
    ):
        return None
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    pad = " " * indent
    lines = [pad + line if line else "" for line in body.split("\n")]
    extra = [""] * (trailing - 1) if trailing > 1 else []
    return "\n".join([f"|{chomp}", *lines, *extra])


def quote(text: str) -> str:
    """A string as a plain scalar when that is unambiguous, else double-quoted."""
    if (
        _SAFE_PLAIN.match(text)
        and resolve_plain(text) == text
        and yaml11_reading(text) is None
        and (typed := go_plain(text)) is not None
        and typed.type == "str"
    ):
        return text
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or 0x7F <= code < 0xA0 or char in _ESCAPED:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)
