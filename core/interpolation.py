"""Environment-variable interpolation in YAML string scalars.

Supports exactly this subset of POSIX-sh parameter expansion:

* ``${VAR}`` -- the value; an error when VAR is unset (set-but-empty is fine).
* ``${VAR:-default}`` / ``${VAR-default}`` -- the default when VAR is unset or
  empty / only when VAR is unset.
* ``${VAR:?message}`` / ``${VAR?message}`` -- an error carrying the message when
  VAR is unset or empty / only when VAR is unset.
* ``$$`` -- a literal ``$`` (unlike sh, where it is the process id).

Defaults and messages may contain text, ``$$`` and further ``${...}``; they are
evaluated lazily, as in sh, so variables inside an unused default are never read.
``$VAR`` without braces, and a ``$`` not followed by ``{`` or ``$``, stay literal.

A scalar that is exactly one ``${...}`` is typed from its result by the YAML 1.2
core schema (``${PORT:-5432}`` gives the int 5432), except that an empty result
stays ``""``; anything else stays a string.

:func:`expand` never raises: problems, including malformed expressions, come back
as :attr:`Expansion.error`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from core.scalars import oversized_int, resolve_plain

__all__ = ["Expansion", "VarRead", "expand", "needs_expansion"]


@dataclass(frozen=True, slots=True)
class VarRead:
    """One read of an environment variable during an expansion."""

    name: str
    value: str | None
    """The variable's value, None when unset."""
    used_default: bool
    """True when this expansion fell back to its default."""


@dataclass(frozen=True, slots=True)
class Expansion:
    """The outcome of expanding one string scalar."""

    value: object
    """The result (typed, see the module docs); the original text when ``error`` is set."""
    trace: tuple[VarRead, ...]
    """Every variable read, in evaluation order, including those in evaluated defaults."""
    error: str | None = None
    """A one-sentence description of what went wrong, or None."""
    malformed: bool = False
    """True when the error is a ``${...}`` this syntax cannot read (another tool's, often)."""


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Inside a default or message only these two characters change the scan state.
_WORD_STOP = re.compile(r"[$}]")
# Bounds recursion so that pathological input yields an error, not RecursionError.
_MAX_DEPTH = 50
_FORMS = "${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message} and ${VAR?message}"


class _Failure(Exception):
    """Aborts a scan; carries the user-facing message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def needs_expansion(text: str) -> bool:
    """Whether ``text`` could contain anything :func:`expand` would change."""
    return "$" in text


def expand(text: str, env: Mapping[str, str], *, typed: bool = True) -> Expansion:
    """Expand the ``${...}`` and ``$$`` forms in ``text`` using ``env``.

    With ``typed=False`` the value is always the expanded string, never a
    YAML-typed value; this is what a shell would print.
    """
    if "$" not in text:
        return Expansion(text, ())
    trace: list[VarRead] = []
    try:
        result, single = _Scanner(text, env, trace).scan(live=True)
    except _Failure as failure:
        message = failure.message
        malformed = False
        try:
            # Evaluation stops at the first failure; a malformed expression
            # further on is the more fundamental problem, so it wins.
            _Scanner(text, env, []).scan(live=False)
        except _Failure as syntax:
            message = syntax.message
            malformed = True
        return Expansion(text, tuple(trace), message, malformed)
    if typed and single and result:
        digits = oversized_int(result) if len(result) > 640 else None
        if digits is not None:
            message = (
                f"this expands to an integer of {digits:,} digits, more than the"
                f" {sys.get_int_max_str_digits():,} Python converts; it is kept as a string"
            )
            return Expansion(text, tuple(trace), message)
        return Expansion(resolve_plain(result), tuple(trace))
    return Expansion(result, tuple(trace))


class _Scanner:
    """A recursive-descent scanner that evaluates while it parses.

    With ``live=False`` it only checks syntax: nothing is read or recorded. That
    mode scans defaults that are not used, so that a malformed expression is an
    error wherever it sits, while reads stay lazy.
    """

    __slots__ = ("env", "text", "trace")

    def __init__(self, text: str, env: Mapping[str, str], trace: list[VarRead]) -> None:
        self.text = text
        self.env = env
        self.trace = trace

    def scan(self, *, live: bool) -> tuple[str, bool]:
        """Expand the whole text; also say whether it is exactly one ``${...}``."""
        text = self.text
        parts: list[str] = []
        pos = 0
        single = False
        while True:
            i = text.find("$", pos)
            if i < 0:
                parts.append(text[pos:])
                return "".join(parts), single
            parts.append(text[pos:i])
            pos = self._dollar(i, parts, live, 0)
            if i == 0 and pos == len(text) and text.startswith("${"):
                single = True

    def _dollar(self, i: int, parts: list[str], live: bool, depth: int) -> int:
        """Handle the ``$`` at ``i``: append its expansion, return where to go on."""
        text = self.text
        following = text[i + 1 : i + 2]
        if following == "{":
            value, end = self._braced(i, live, depth)
            parts.append(value)
            return end
        parts.append("$")
        return i + 2 if following == "$" else i + 1

    def _braced(self, start: int, live: bool, depth: int) -> tuple[str, int]:
        """Expand the ``${...}`` starting at ``start``; return it and the end index."""
        if depth >= _MAX_DEPTH:
            raise _Failure(f"expansions are nested more than {_MAX_DEPTH} deep{_at(start)}")
        text = self.text
        name, pos = self._name(start)
        if text[pos] == "}":
            return self._variable(name, live), pos + 1
        colon, op, pos = self._operator(name, start, pos)
        word_start = pos + 1
        if not live:
            _, end = self._word(word_start, start, False, depth)
            return "", end + 1
        value = self.env.get(name)
        missing = value is None or (colon and not value)
        if op == "-":
            self.trace.append(VarRead(name, value, missing))
            word, end = self._word(word_start, start, missing, depth)
            return (word if missing or value is None else value), end + 1
        self.trace.append(VarRead(name, value, False))
        if missing and text.startswith("}", word_start):
            # Like sh, only an omitted message gets the stock wording, not one
            # that expands to nothing.
            reason = "parameter null or not set" if colon else "parameter not set"
            raise _Failure(f"{name}: {reason}")
        word, end = self._word(word_start, start, missing, depth)
        if missing or value is None:
            raise _Failure(f"{name}: {word}")
        return value, end + 1

    def _name(self, start: int) -> tuple[str, int]:
        """The variable name of the ``${`` at ``start``, and the index just after it."""
        text = self.text
        pos = start + 2
        match = _NAME.match(text, pos)
        if match is None:
            if pos >= len(text):
                raise _Failure(_unclosed(start))
            if text[pos] == "}":
                raise _Failure(f"empty variable name in '${{}}'{_at(start)}")
            raise _Failure(
                f"invalid variable name after '${{'{_at(start)}: names start with a letter"
                f" or '_' and continue with letters, digits or '_', found {text[pos]!r}"
            )
        pos = match.end()
        if pos >= len(text):
            raise _Failure(_unclosed(start))
        return match.group(), pos

    def _variable(self, name: str, live: bool) -> str:
        """The value of a plain ``${name}``, which must be set."""
        if not live:
            return ""
        value = self.env.get(name)
        self.trace.append(VarRead(name, value, False))
        if value is None:
            raise _Failure(f"variable {name} is not set")
        return value

    def _operator(self, name: str, start: int, pos: int) -> tuple[bool, str, int]:
        """The ``-``, ``:-``, ``?`` or ``:?`` at ``pos``: (colon, operator, its index)."""
        text = self.text
        op = text[pos]
        colon = op == ":"
        if colon:
            pos += 1
            if pos >= len(text):
                raise _Failure(_unclosed(start))
            op = text[pos]
        if op != "-" and op != "?":
            shown = (":" if colon else "") + ("" if colon and op == "}" else op)
            raise _Failure(
                f"unsupported operator {shown!r} in '${{{name}'{_at(start)};"
                f" the supported forms are {_FORMS}"
            )
        return colon, op, pos

    def _word(self, pos: int, opener: int, live: bool, depth: int) -> tuple[str, int]:
        """Expand a default or message from ``pos``; return it and its closing index."""
        text = self.text
        parts: list[str] = []
        while True:
            match = _WORD_STOP.search(text, pos)
            if match is None:
                raise _Failure(_unclosed(opener))
            i = match.start()
            parts.append(text[pos:i])
            if text[i] == "}":
                return "".join(parts), i
            pos = self._dollar(i, parts, live, depth + 1)


def _at(offset: int) -> str:
    """Where in the scalar, for messages (1-based, as editors count)."""
    return f" at character {offset + 1}"


def _unclosed(opener: int) -> str:
    return f"'${{' has no closing '}}'{_at(opener)}"
