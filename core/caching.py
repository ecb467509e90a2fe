"""Parsed files keyed by file identity, so an unchanged file is never parsed twice.

Identity is (path, size, mtime, content hash). A matching size and mtime is trusted
unless the mtime is so recent that a second write in the same clock tick could hide
behind it (git's "racy" rule); then the content hash decides.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.loading import ParsedFile, parse_bytes, read_source
from core.model import FileIdentity, Problem

_RACY_SECONDS = 2.0


@dataclass(slots=True)
class _Entry:
    identity: FileIdentity
    parsed: ParsedFile
    stored_at: float


@dataclass(frozen=True, slots=True)
class CacheStats:
    hits: int
    misses: int
    parses: int
    entries: int
    enabled: bool
    ttl: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "hits": self.hits,
            "misses": self.misses,
            "parses": self.parses,
            "entries": self.entries,
            "enabled": self.enabled,
            "ttl": self.ttl,
        }


class ParseCache:
    """Parses files through `core.loading`, remembering each result by identity."""

    def __init__(self, enabled: bool = True, ttl: float | None = None) -> None:
        self.enabled = enabled
        self.ttl = ttl
        self._entries: dict[Path, _Entry] = {}
        self.hits = 0
        self.misses = 0
        self.parses = 0
        # Several ConfigSets may share one cache (the TUI's main and matrix screens
        # resolve from worker threads).
        self._lock = threading.RLock()

    def clear(self) -> None:
        self._entries.clear()

    def stats(self) -> CacheStats:
        return CacheStats(
            self.hits, self.misses, self.parses, len(self._entries), self.enabled, self.ttl
        )

    def parse(self, path: Path, display: str) -> tuple[ParsedFile, FileIdentity | None]:
        """The parsed file, from the cache when its identity is unchanged."""
        with self._lock:
            return self._parse(path, display)

    def _parse(self, path: Path, display: str) -> tuple[ParsedFile, FileIdentity | None]:
        now = time.monotonic()
        cached = self._entries.get(path) if self.enabled else None
        if cached is not None and self.ttl is not None and now - cached.stored_at > self.ttl:
            del self._entries[path]
            cached = None
        try:
            st = os.stat(path)
        except OSError:
            st = None
        if (
            cached is not None
            and st is not None
            and cached.identity.size == st.st_size
            and cached.identity.mtime_ns == st.st_mtime_ns
            and time.time() - st.st_mtime_ns / 1e9 > _RACY_SECONDS
        ):
            self.hits += 1
            return cached.parsed, cached.identity
        data, problem = read_source(path, display)
        if data is None or st is None:
            self.misses += 1
            self._entries.pop(path, None)
            return ParsedFile(None, [problem] if problem else []), None
        identity = FileIdentity(
            path, len(data), st.st_mtime_ns, hashlib.blake2b(data, digest_size=16).hexdigest()
        )
        if cached is not None and cached.identity.digest == identity.digest:
            # Touched but not changed: keep the parse, note the new stat.
            self.hits += 1
            self._entries[path] = _Entry(identity, cached.parsed, cached.stored_at)
            return cached.parsed, identity
        self.misses += 1
        self.parses += 1
        parsed = parse_bytes(data, display)
        if self.enabled:
            self._entries[path] = _Entry(identity, parsed, now)
        return parsed, identity


def with_layer(problems: list[Problem], layer: str) -> list[Problem]:
    return [p if p.layer == layer else replace(p, layer=layer) for p in problems]
