"""A config set on disk, resolved on demand for any context.

`ConfigSet` only orchestrates: it reads the manifest and the layer files (through a
parse cache keyed by file identity, so a reload re-reads only what changed), loads
the schema when its file changes, and hands everything to `core.pipeline`.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.caching import CacheStats, ParseCache
from core.context import Context
from core.layerfiles import layer_files
from core.layering import SourceFile, build_layers
from core.loading import ParsedFile
from core.manifest import Manifest, display_path, load_manifest, locate_key
from core.metadata import override_types
from core.model import FileIdentity, LayerFile, Problem
from core.pipeline import LoadedSet, Tree, resolve_layers
from core.resolution import Resolution
from core.schema import load_schema
from core.secrets.layers import Identities, LayerSecrets, open_parsed
from core.trust import (
    SchemaCode,
    TrustState,
    TrustStore,
    schema_code,
    trust_state,
    untrusted_problem,
)

__all__ = ["ConfigSet", "Resolution"]


class ConfigSet:
    """One config set directory, resolved on demand for any context."""

    def __init__(
        self,
        root: str | Path,
        *,
        cache: ParseCache | None = None,
        trust_store: TrustStore | None = None,
        trust_schema: bool = False,
        identities: Identities | None = None,
    ) -> None:
        """`trust_store` is where trusted sets are recorded (default: the user's);
        `trust_schema` trusts the schema for this object's life (``--trust``);
        `identities` gives the age identities for a sops file's recipients (default:
        SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, then the OS keyring)."""
        self.identities = identities
        self.root = Path(root).resolve()
        self.cache = cache or ParseCache()
        self.trust_store = trust_store if trust_store is not None else TrustStore()
        self.trust_schema = trust_schema
        self._schema_key: tuple[Any, ...] | None = None
        self._schema: tuple[type[BaseModel] | None, list[Problem]] = (None, [])
        self._last: Tree | None = None
        # Decrypted sops files, by path: (the version opened, the file, what is known).
        self._secrets: dict[Path, tuple[Any, ParsedFile, LayerSecrets]] = {}
        # One resolve at a time: the parse cache and the last tree are shared state,
        # and a TUI resolves from worker threads.
        self._lock = threading.RLock()

    @property
    def cache_stats(self) -> CacheStats:
        return self.cache.stats()

    def load(self) -> LoadedSet:
        """The manifest and every candidate layer, parsed."""
        with self._lock:
            return self._load()

    def load_layers(self) -> tuple[Manifest, list[LayerFile], list[Problem], list[Problem]]:
        """Every candidate layer, parsed; with set-level and per-file problems apart."""
        loaded = self.load()
        return loaded.manifest, loaded.layers, loaded.set_problems, loaded.layer_problems

    def _load(self) -> LoadedSet:
        manifest, set_problems = load_manifest(self.root)
        files, file_problems = layer_files(manifest)
        sources: list[SourceFile] = []
        secrets: dict[str, LayerSecrets] = {}
        for path, is_base in files:
            display = display_path(path, manifest.root)
            parsed, identity = self.cache.parse(path, display)
            if parsed.sops is not None:
                parsed, secrets[display] = self._opened(path, display, parsed, identity)
            sources.append(SourceFile(path, display, parsed, is_base, identity))
        layers, layer_problems = build_layers(sources)
        return LoadedSet(manifest, layers, set_problems + file_problems, layer_problems, secrets)

    def _opened(
        self, path: Path, display: str, parsed: ParsedFile, identity: FileIdentity | None
    ) -> tuple[ParsedFile, LayerSecrets]:
        """A sops file with its values decrypted in memory: once per version of the file
        (its data key is unwrapped once, not once per value or per resolve)."""
        stamp = (display, identity.digest if identity is not None else None)
        known = self._secrets.get(path)
        if known is not None and known[0] == stamp:
            return known[1], known[2]
        opened, info, problems = open_parsed(parsed, display, self.identities)
        if problems:
            opened = replace(opened, problems=opened.problems + problems)
        self._secrets[path] = (stamp, opened, info)
        return opened, info

    def forget_locked(self) -> None:
        """Ask again for the keys of sops files that did not open: a key was created or
        imported, or the keyring unlocked, since. (A file that opened stays opened.)"""
        with self._lock:
            for path, (_stamp, _parsed, info) in list(self._secrets.items()):
                if not info.opened:
                    del self._secrets[path]

    def override_types(self) -> list[str]:
        """Every override type some layer's conditions name, in file order."""
        return override_types(self.load().layers)

    def context(self, **what_if: Any) -> Context:
        manifest, _ = load_manifest(self.root)
        return Context.build(manifest_context=manifest.context, **what_if)

    def resolve(
        self,
        context: Context | None = None,
        *,
        schema: bool = True,
        what_if: dict[str, Any] | None = None,
    ) -> Resolution:
        """The set under `context`, or under the manifest's context with `what_if`
        changes (the keywords of `Context.build`), reading the manifest once."""
        with self._lock, gc_paused():
            loaded = self._load()
            manifest = loaded.manifest
            if context is None:
                context = Context.build(manifest_context=manifest.context, **(what_if or {}))
            model, schema_problems = self.schema(manifest) if schema else (None, [])
            resolution, self._last = resolve_layers(
                loaded,
                context,
                model=model,
                schema_problems=schema_problems,
                previous=self._last,
            )
            return resolution

    def schema_code(self, manifest: Manifest | None = None) -> SchemaCode | None:
        """The code the manifest's schema would run, read now; None without a schema."""
        if manifest is None:
            manifest = load_manifest(self.root)[0]
        if manifest.schema is None:
            return None
        return schema_code(manifest.schema, manifest.root)

    def schema_trust(self, code: SchemaCode) -> TrustState:
        return trust_state(code, self.root, self.trust_store, forced=self.trust_schema)

    def trust(self, code: SchemaCode) -> None:
        """Trust exactly the schema bytes `code` read, for this set (raises OSError)."""
        self.trust_store.trust(self.root, code)

    def schema(self, manifest: Manifest) -> tuple[type[BaseModel] | None, list[Problem]]:
        """The pydantic model the manifest names (None, [] when it names none), if
        trusted; loaded again only when its file changes."""
        if manifest.schema is None:
            return None, []
        code = schema_code(manifest.schema, manifest.root)
        state = self.schema_trust(code)
        if state in ("untrusted", "changed", "unreadable"):
            return None, [untrusted_problem(manifest, code, state)]
        key = (manifest.schema, code.digest, code.installed)
        if key != self._schema_key:
            model, problems = load_schema(manifest.schema, manifest.root, code.source)
            # A schema that names no file of its own is told at the manifest's line.
            where = locate_key(manifest, "schema")
            if where is not None:
                problems = [
                    replace(p, file=where[0], line=where[1], column=1 if where[1] else None)
                    if p.file is None
                    else p
                    for p in problems
                ]
            self._schema = (model, problems)
            self._schema_key = key
        return self._schema


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic GC while a tree is built, and only then.

    A resolve allocates hundreds of thousands of small acyclic objects; each young
    generation that fills up would trigger a collection that walks the whole growing
    tree. The collector is switched back on as it was found when the resolve ends:
    the engine lives inside other programs, so it never freezes or keeps off their
    collector beyond its own work. (A short-lived process such as the CLI may choose
    to do more for itself.)
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
