"""New values as YAML text, written the way the file already writes its values.

Typed values (numbers, booleans, null) are written plain. A string keeps the quoting
of the value it replaces when that quoting can hold it, is written plain when a
YAML 1.2 reader (and a YAML 1.1 one) reads the plain text back as the same string,
and is double-quoted otherwise. A block scalar (`|`, `>`) stays a block scalar when
the new value is text. Every rendering is read back by libyaml before it is used.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import _ruamel_yaml
from ruamel.yaml.error import YAMLError

from core.scalars import resolve_plain, yaml11_reading

if TYPE_CHECKING:  # `secrets set` reads its VALUE here without the span walker
    from core.editing.located import Span

_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_UNSAFE = frozenset(",[]{}")


class InputError(ValueError):
    """The text a user typed is not one YAML value."""


def parse_input(text: str, as_string: bool = False) -> Any:
    """The value a user typed, read as one YAML 1.2 scalar (or as text, `as_string`).

    A quoted input (`'"8080"'`) is the string inside the quotes; a `${VAR:-x}`
    template stays the text it is. Text of several lines (a certificate, say) is taken
    as it is, line breaks included: YAML would fold it into one line. Raises
    `InputError` for anything that is not one scalar (`a: b`, `[1, 2]`).
    """
    if as_string:
        return text
    stripped = text.strip()
    if any(char in _BREAKS for char in stripped):
        return text
    if stripped.startswith("#"):
        return stripped  # `#ff0000`: YAML would read a comment and no value at all
    if not stripped:
        return text if text else None
    if stripped[0] not in "'\"" and resolve_plain(stripped) != stripped:
        return resolve_plain(stripped)
    try:
        parser = _ruamel_yaml.CParser(stripped)
        events = []
        while (event := parser.get_event()) is not None:
            events.append(event)
    except YAMLError:
        events = []
    scalars = [e for e in events if type(e).__name__.endswith("ScalarEvent")]
    others = [
        e
        for e in events
        if type(e).__name__.endswith(("MappingStartEvent", "SequenceStartEvent", "AliasEvent"))
    ]
    if len(scalars) != 1 or others or scalars[0].tag is not None:
        kind = type(others[0]).__name__ if others else ""
        what = {"MappingStartEvent": "a mapping", "SequenceStartEvent": "a list"}.get(kind)
        if what is not None:  # set changes one value; a collection is set key by key
            raise InputError(
                f"{text!r} is {what}, not one value: set its entries one by one,"
                " or pass --string to store this text"
            )
        raise InputError(f"{text!r} is not one YAML value; pass --string to set it as text")
    event = scalars[0]
    if stripped[event.end_mark.index :].strip():
        return stripped  # `x #y`: the text as typed, not a value and a comment
    if event.style:
        return event.value
    return resolve_plain(event.value)


def plain_text(value: Any) -> str | None:
    """How a non-string value is written (`true`, `8080`, `null`); None for a string."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        return text if resolve_plain(text) == value else None
    return None


_YAML11_KEYS = frozenset(
    form for word in ("yes", "no", "on", "off") for form in (word, word.capitalize(), word.upper())
)


def plain_safe(text: str, flow: bool, *, key: bool = False) -> bool:
    """Whether `text` can be written unquoted and read back as the same string.

    A key is held to what the loader warns about in keys (`on:`, `yes:`), not to
    every YAML 1.1 reading (`y:` and `n:` are common, harmless keys).
    """
    if not text or text != text.strip() or not all(map(_printable, text)):
        return False
    if "\t" in text:
        return False
    if text[0] in _INDICATORS and not _plain_lead(text, flow):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and (_FLOW_UNSAFE & set(text) or ":" in text):
        return False
    if key:
        return resolve_plain(text) == text and text not in _YAML11_KEYS
    return resolve_plain(text) == text and yaml11_reading(text) is None


def _plain_lead(text: str, flow: bool) -> bool:
    """Whether `-`, `?` or `:` may start this plain scalar: when a character that is
    neither a space nor (in a flow collection) a flow indicator follows (`--verbose`,
    `-ra`); YAML 1.2 allows it, and the sample set writes command-line flags so."""
    if text[0] not in "-?:" or len(text) < 2 or text[1] in " \t":
        return False
    return not (flow and (text[0] == "?" or text[1] in ",[]{}"))  # libyaml: `[?q]` fails


def single_quoted(text: str) -> str | None:
    if not all(map(_printable, text)):
        return None
    return "'" + text.replace("'", "''") + "'"


_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
# Line breaks to a YAML reader: never written raw, and never part of one typed line.
_BREAKS = frozenset("\n\r\x85\u2028\u2029")


def _printable(char: str) -> bool:
    """Whether YAML lets `char` stand as itself in a double-quoted scalar."""
    code = ord(char)
    if char in _BREAKS:
        return False
    return (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    )


def double_quoted(text: str) -> str:
    out = ['"']
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _printable(char):
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def render_key(key: str, flow: bool = False) -> str:
    return key if plain_safe(key, flow, key=True) and key != "<<" else double_quoted(key)


def render_inline(value: Any, *, old_style: str = "", flow: bool = False) -> str:
    """A value on one line: plain, or quoted as the old value was, or double-quoted."""
    typed = plain_text(value)
    if typed is not None:
        return typed
    text = str(value)
    if old_style == "'":
        quoted = single_quoted(text)
        if quoted is not None:
            return quoted
    if old_style == '"':
        return double_quoted(text)
    if plain_safe(text, flow):
        return text
    return double_quoted(text)


def block_safe(value: str) -> bool:
    """Whether a block scalar can hold `value` exactly (no escapes exist there)."""
    if not value.strip() or "\r" in value or value.strip(" \n\t") != value.strip():
        return False
    lines = value.rstrip("\n").split("\n")
    if any(line.strip() == "" and line for line in lines) or lines[-1].endswith((" ", "\t")):
        return False
    return all(char in "\n\t" or _printable(char) for char in value)


def render_block(value: str, old: Span, source: str, eol: str, parent_indent: int) -> str:
    """A text value as a block scalar in the old one's style and indentation."""
    header_end = source.find("\n", old.body)
    header = source[old.body : header_end if header_end != -1 else len(source)].rstrip("\r")
    indicator = header[0]
    first_content = _first_content_line(source, header_end + 1, old.end)
    indent = first_content if first_content is not None else parent_indent + 2
    if value.endswith("\n\n"):
        chomp = "+"
    elif value.endswith("\n"):
        chomp = ""
    else:
        chomp = "-"
    body = value[:-1] if value.endswith("\n") else value
    lines = body.split("\n")
    first = next((line for line in lines if line), "")
    hint = str(indent - parent_indent) if first.startswith((" ", "\t")) else ""
    if indicator == ">" and "\n" in body:
        indicator = "|"  # folding would join the lines; a literal keeps them
    comment = header[header.find(" #") :] if " #" in header else ""
    pad = " " * indent
    out = [f"{indicator}{hint}{chomp}{comment}"]
    out += [pad + line if line else "" for line in lines]
    return eol.join(out) + eol


def _first_content_line(source: str, start: int, end: int) -> int | None:
    """The indentation of a block scalar's first non-blank line."""
    at = start
    while 0 <= at < end:
        stop = source.find("\n", at, end)
        line = source[at : stop if stop != -1 else end]
        if line.strip():
            return len(line) - len(line.lstrip(" "))
        if stop == -1:
            break
        at = stop + 1
    return None


def block_content_end(source: str, span: Span) -> int:
    """Where a block scalar's own text ends (the walk already left its blank tail out)."""
    return span.end


def reads_back(rendered: str, value: Any, flow: bool) -> bool:
    """Whether libyaml reads `rendered`, in its context, as exactly `value`."""
    document = f"[{rendered}]" if flow else f"k: {rendered}"
    try:
        parser = _ruamel_yaml.CParser(document)
        events = []
        while (event := parser.get_event()) is not None:
            events.append(event)
    except YAMLError:
        return False
    scalars = [e for e in events if type(e).__name__.endswith("ScalarEvent")]
    if len(scalars) != (1 if flow else 2):
        return False
    event = scalars[-1]
    read = event.value if event.style else resolve_plain(event.value)
    if isinstance(value, float) and isinstance(read, float) and math.isnan(value):
        return math.isnan(read)
    return type(read) is type(value) and read == value
