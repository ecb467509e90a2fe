"""Values and suggestions put into words, the same way in every message."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

# Longer strings are cut in messages: a message is a sentence, not a dump.
_LONGEST = 60


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


MAX_SHOWN = 60


def describe(
    value: Any, written: str | None = None, mapping: str = "a mapping", *, terse: bool = False
) -> str:
    """What a value is, for 'must be X, not …': ``the number 3``, ``a list``.

    `written` is the text as the user typed it, shown for numbers (``0x1F``);
    `mapping` names a mapping in the file's own terms (TOML calls it a table).
    `terse` words a scalar as YAML shows it (``null``, ``true``, ``'text'``), cut to
    `MAX_SHOWN` characters, for 'got …' after a schema's own message.
    """
    if terse and not isinstance(value, dict | list):
        return _terse(value)
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {written or value}"
    if isinstance(value, str):
        shown = value if len(value) <= _LONGEST else value[: _LONGEST - 1] + "…"
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return mapping
    return f"a {type(value).__name__} value"


def _terse(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value.replace("\n", "\\n")
        if len(text) > MAX_SHOWN:
            text = text[: MAX_SHOWN - 1] + "…"
        return f"'{text}'"
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
