"""Stepping through a list of choices, as the what-if keys do."""

from __future__ import annotations


def cycle(choices: list[str], current: str | None, step: int = 1) -> str | None:
    """The choice after `current` (wrapping); the first when `current` is not a choice."""
    if not choices:
        return current
    if current not in choices:
        return choices[0]
    return choices[(choices.index(current) + step) % len(choices)]
