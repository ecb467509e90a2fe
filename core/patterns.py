"""Regular expressions that come from a config set, compiled for RE2.

A set's `secret_keys` and its `{regex: ...}` conditions are written by whoever wrote
the set. Python's backtracking engine can take exponential time on a pattern like
``^(a+)+$``; RE2 matches in time linear in the input, so no pattern can hang the
tool. RE2 lacks backreferences and lookaround: those get a clear message instead.
"""

from __future__ import annotations

import functools
import re
from typing import Protocol

import re2

__all__ = ["UserPattern", "compile_user_regex"]

# Constructs RE2 leaves out (they need backtracking), as people write them.
_LACKING = (
    (re.compile(r"\(\?<?[=!]"), "lookahead or lookbehind"),
    (re.compile(r"\\[1-9]|\(\?P="), "a backreference"),
    (re.compile(r"\(\?>"), "an atomic group"),
    (re.compile(r"\(\?\("), "a conditional group"),
    (re.compile(r"[*+?}]\+"), "a possessive quantifier"),
)
# Python's `\Z` (end of text) is RE2's `\z`; an even run of backslashes before it
# means the backslashes are literal and the Z is just a letter.
_END_OF_TEXT = re.compile(r"(?<!\\)((?:\\\\)*)\\Z")


class UserPattern(Protocol):
    """What a compiled set pattern offers: the text it came from and a search."""

    @property
    def pattern(self) -> str: ...

    def search(self, text: str, /) -> object | None: ...


class _Re2Pattern:
    """An RE2 pattern that also takes text Python's own codecs would not encode.

    RE2 matches UTF-8; a string from the process environment may hold lone
    surrogates (`os.environ` keeps undecodable bytes that way). Such text is searched
    with each of those replaced by U+FFFD instead of raising.
    """

    __slots__ = ("_compiled", "pattern")

    def __init__(self, compiled: re2._Regexp[str], pattern: str) -> None:
        self._compiled = compiled
        self.pattern = pattern

    def search(self, text: str, /) -> object | None:
        try:
            return self._compiled.search(text)
        except UnicodeEncodeError:
            cleaned = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            return self._compiled.search(cleaned)


def _options() -> re2.Options:
    options = re2.Options()
    # RE2 would print its own parse errors to stderr; they come back as messages here.
    options.log_errors = False
    return options


@functools.lru_cache(maxsize=512)
def compile_user_regex(text: str) -> tuple[UserPattern | None, str | None]:
    """`text` compiled for RE2, or None and one sentence saying why it cannot be.

    The sentence reads after "the regular expression ... ": e.g. "uses lookahead or
    lookbehind, which RE2 lacks". Never raises.
    """
    try:
        compiled = re2.compile(_END_OF_TEXT.sub(r"\1\\z", text), _options())
    except re2.error as error:
        return None, _reason(text, error)
    except (TypeError, ValueError) as error:  # a lone surrogate, say
        return None, f"cannot be compiled: {error}"
    return _Re2Pattern(compiled, text), None


def _reason(text: str, error: re2.error) -> str:
    detail = error.args[0] if error.args else ""
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    try:
        re.compile(text)
    except re.error as python_error:
        # Python's message says where the mistake is.
        return f"is not a valid regular expression ({python_error})"
    except (ValueError, RecursionError, OverflowError):
        return f"is not a valid regular expression ({detail})"
    for construct, name in _LACKING:
        if construct.search(text):
            return (
                f"uses {name}, which RE2 lacks (confscope runs a set's patterns with RE2"
                " so that no pattern can hang it); write it without"
            )
    return f"cannot be run by RE2 ({detail}); write it with simpler constructs"
