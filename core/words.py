"""Values and suggestions put into words, the same way in every message."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or nothing."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe(value: Any, written: str | None = None, mapping: str = "a mapping") -> str:
    """What a value is, for 'must be X, not …': ``the number 3``, ``a list``.

    `written` is the text as the user typed it, shown for numbers (``0x1F``);
    `mapping` names a mapping in the file's own terms (TOML calls it a table).
    """
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {written or value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return mapping
    return f"a {type(value).__name__} value"
