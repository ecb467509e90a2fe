"""Ranking key paths for "go to key": the key typed first, then keys it starts, then guesses.

A user who types `database.port` wants `database.port`, not the longest path that
happens to hold those letters in order. Tiers, best first:

1. exact: the path is the query;
2. segment prefix from the top: the query's segments start the path's, the last one
   possibly cut short (`redis` finds `redis.host`; `database.po` finds `database.port`
   and `database.pool`, but `data.po` finds neither this way);
3. segment prefix further down (`pool.max` finds `database.pool.max_size`);
4. substring anywhere;
5. fuzzy (the query's characters in order), when the tree is small enough to afford it.

Within a tier, shorter paths come first, then tree order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from textual.content import Content

_SEGMENT = re.compile(r"\.|(?=\[)")

EXACT, TOP_PREFIX, INNER_PREFIX, SUBSTRING, FUZZY = 5, 4, 3, 2, 1


@dataclass(frozen=True, slots=True)
class Ranked:
    tier: int
    score: float
    """In (0, 1]: higher is better; a higher tier always outranks a lower one."""
    order: int
    """Tree order, to break ties."""


def segments(text: str) -> list[str]:
    """`db.hosts[0].name` → `db`, `hosts`, `[0]`, `name` (lower-cased)."""
    return [part for part in _SEGMENT.split(text.lower()) if part]


def _segment_prefix_at(needle: list[str], path: list[str]) -> int | None:
    """The first index where `needle`'s segments start a run of `path`'s (the last one may
    be a prefix of its segment), or None."""
    if not needle or len(needle) > len(path):
        return None
    *whole, last = needle
    for start in range(len(path) - len(needle) + 1):
        run = path[start : start + len(needle)]
        if run[:-1] == whole and run[-1].startswith(last):
            return start
    return None


def tier(needle: str, text: str, fuzzy: Callable[[str], float] | None = None) -> int:
    """The tier `text` falls in for the lower-cased `needle`; 0 when it does not match."""
    lowered = text.lower()
    if lowered == needle:
        return EXACT
    at = _segment_prefix_at(segments(needle), segments(lowered))
    if at == 0:
        return TOP_PREFIX
    if at is not None:
        return INNER_PREFIX
    if needle in lowered:
        return SUBSTRING
    if fuzzy is not None and fuzzy(text) > 0:
        return FUZZY
    return 0


def rank(
    needle: str,
    texts: Iterable[str],
    fuzzy: Callable[[str], float] | None = None,
    limit: int = 100,
) -> list[tuple[int, Ranked]]:
    """The best `limit` matches of `needle` among `texts`: (index into texts, rank),
    best first."""
    needle = needle.strip().lower()
    if not needle:
        return []
    found: list[tuple[int, Ranked]] = []
    for order, text in enumerate(texts):
        level = tier(needle, text, fuzzy)
        if level:
            found.append((order, Ranked(level, len(needle) / max(len(text), 1), order)))
    found.sort(key=lambda item: (-item[1].tier, -item[1].score, item[1].order))
    return found[:limit]


def palette_score(ranked: Ranked) -> float:
    """One number for the command palette, which sorts by it alone: tiers stay apart."""
    return ranked.tier + min(ranked.score, 1.0) * 0.99


def highlight(text: str, needle: str) -> Content:
    """`text` as plain content (key paths hold brackets, never markup), the match in bold.

    A substring match is highlighted whole; otherwise the needle's characters in order.
    """
    content = Content(text)
    lowered = text.lower()
    needle = needle.lower()
    at = lowered.find(needle)
    if at >= 0:
        return content.stylize("bold reverse", at, at + len(needle))
    position = 0
    for char in needle:
        position = lowered.find(char, position)
        if position < 0:
            break
        content = content.stylize("bold underline", position, position + 1)
        position += 1
    return content
