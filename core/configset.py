"""A config set on disk and its resolution for one context.

Data flows one way: files → parsed layers → activation verdicts → merged tree with
provenance → interpolation → validation problems. `ConfigSet` keeps the parsed files
(by identity) between resolutions, so a reload re-reads only what changed.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.activation import Context, evaluate, layer_file, merge_order
from core.caching import CacheStats, ParseCache, with_layer
from core.interpolation import expand
from core.manifest import Manifest, display_path, layer_files, load_manifest, locate_key
from core.merging import MergeResult, Removal, changed_keys, merge_layers, remerge
from core.model import (
    MAPPING,
    SCALAR,
    Encrypted,
    KeyPath,
    LayerFile,
    Merged,
    Problem,
    Verdict,
    format_path,
    parse_path,
)
from core.schema import load_schema
from core.secretlint import SecretKeys, secret_problem
from core.validation import validate_schema


@dataclass(slots=True)
class Resolution:
    """Everything known about the config set under one context."""

    manifest: Manifest
    context: Context
    layers: list[LayerFile]
    verdicts: list[Verdict]
    root: Merged
    problems: list[Problem]
    removals: dict[KeyPath, Removal] = field(default_factory=dict)

    @property
    def active_layers(self) -> list[LayerFile]:
        active = {v.layer for v in self.verdicts if v.active}
        return [layer for layer in self.layers if layer.name in active]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def get(self, path: str | KeyPath) -> Merged | None:
        keys = parse_path(path) if isinstance(path, str) else path
        return self.root.get(keys)

    def verdict(self, layer: str) -> Verdict | None:
        return next((v for v in self.verdicts if v.layer == layer), None)

    def layer(self, name: str) -> LayerFile | None:
        return next((layer for layer in self.layers if layer.name == name), None)

    def problems_at(self, path: KeyPath, below: bool = False) -> list[Problem]:
        text = format_path(path)
        if not below:
            return [p for p in self.problems if p.path == text]
        return [
            p
            for p in self.problems
            if p.path == text or (text == "" or p.path.startswith((text + ".", text + "[")))
        ]

    def plain(self, reveal: bool = False) -> dict[str, Any]:
        """The merged config as plain data; secrets as ``<encrypted:TYPE>`` unless revealed."""
        data = self.root.plain()
        return data if reveal else _mask(data)  # type: ignore[no-any-return]


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    if isinstance(value, Encrypted):
        return str(value)
    return value


@dataclass(frozen=True, slots=True)
class _Tree:
    """What the last resolve built, kept so the next one can reuse what did not change."""

    manifest: Manifest
    context: Context
    verdicts: list[Verdict]
    active: list[LayerFile]
    merged: MergeResult
    interpolation_problems: list[Problem]
    lint_problems: list[Problem]


def _section(path: str) -> str:
    """The top-level key of a dotted problem path."""
    return parse_path(path)[0] if path else ""  # type: ignore[return-value]


class ConfigSet:
    """One config set directory, resolved on demand for any context."""

    def __init__(self, root: str | Path, *, cache: ParseCache | None = None) -> None:
        self.root = Path(root).resolve()
        self.cache = cache or ParseCache()
        self._schema_key: tuple[Any, ...] | None = None
        self._schema: tuple[type[BaseModel] | None, list[Problem]] = (None, [])
        self._last: _Tree | None = None
        # One resolve at a time: the parse cache and the last tree are shared state,
        # and a TUI resolves from worker threads.
        self._lock = threading.RLock()

    @property
    def cache_stats(self) -> CacheStats:
        return self.cache.stats()

    def load_layers(self) -> tuple[Manifest, list[LayerFile], list[Problem], list[Problem]]:
        """Every candidate layer, parsed; with set-level and per-file problems apart."""
        manifest, set_problems = load_manifest(self.root)
        files, file_problems = layer_files(manifest)
        set_problems = set_problems + file_problems
        layers: list[LayerFile] = []
        layer_problems: list[Problem] = []
        for order, (path, is_base) in enumerate(files):
            display = display_path(path, manifest.root)
            parsed, _identity = self.cache.parse(path, display)
            layer, meta_problems = layer_file(
                path, display, parsed.root, is_base=is_base, order=order
            )
            layers.append(layer)
            layer_problems.extend(with_layer(parsed.problems + meta_problems, layer.name))
        return manifest, layers, set_problems, layer_problems

    def override_types(self) -> list[str]:
        """Every override type some layer's conditions name, in file order."""
        with self._lock:
            _manifest, layers, _set, _layer = self.load_layers()
        return override_types(layers)

    def context(self, **what_if: Any) -> Context:
        manifest, _ = load_manifest(self.root)
        return Context.build(manifest_context=manifest.context, **what_if)

    def resolve(self, context: Context | None = None, *, schema: bool = True) -> Resolution:
        with self._lock, gc_paused():
            return self._resolve(context, schema)

    def _resolve(self, context: Context | None, schema: bool) -> Resolution:
        manifest, layers, set_problems, layer_problems = self.load_layers()
        if context is None:
            context = Context.build(manifest_context=manifest.context)
        verdicts, activation_problems = evaluate(layers, context)
        # merge_order renames a duplicate layer name exactly as its verdict does.
        ordered = merge_order(layers)
        active_names = {v.layer for v in verdicts if v.active}
        active = [layer for layer, v in zip(ordered, verdicts, strict=True) if v.active]
        secret_keys = manifest.secret_pattern
        tree = self._tree(manifest, context, verdicts, active, secret_keys)
        self._last = tree
        problems = list(set_problems)
        problems += [p for p in layer_problems if p.layer in active_names or p.layer is None]
        problems += activation_problems
        problems += tree.merged.problems + tree.interpolation_problems + tree.lint_problems
        if schema and manifest.schema:
            model, schema_problems = self.schema(manifest)
            problems += schema_problems
            if model is not None:
                problems += validate_schema(
                    tree.merged.root, model, active, secret_keys=secret_keys
                )
        return Resolution(
            manifest,
            context,
            ordered,
            verdicts,
            tree.merged.root,
            _ordered(problems),
            tree.merged.removals,
        )

    def _tree(
        self,
        manifest: Manifest,
        context: Context,
        verdicts: list[Verdict],
        active: list[LayerFile],
        secret_keys: re.Pattern[str] | None,
    ) -> _Tree:
        """The merged, interpolated, linted tree: incrementally when only files changed.

        If the last resolution had the same manifest, context and verdicts, only the
        top-level sections whose definitions differ are merged again.
        """
        last = self._last
        keys: set[str] | None = None
        if (
            last is not None
            and last.manifest == manifest
            and last.context == context
            and last.verdicts == verdicts
            and [layer.path for layer in last.active] == [layer.path for layer in active]
        ):
            keys = set()
            for before, after in zip(last.active, active, strict=True):
                if before.root is not after.root:
                    changed = changed_keys(before.root, after.root)
                    if changed is None:
                        keys = None
                        break
                    keys |= changed
        tree = partial(_Tree, manifest, context, verdicts, active)
        if last is None or keys is None:
            merged = merge_layers(active)
            return tree(merged, *expand_and_lint(merged.root, context.env, secret_keys))
        if not keys:
            return tree(last.merged, last.interpolation_problems, last.lint_problems)
        merged = remerge(last.merged, active, keys)
        sections = Merged(
            MAPPING,
            {k: v for k, v in merged.root.value.items() if k in keys},
            "",
            "",
            merged.root.node,
        )

        def outside(problems: list[Problem]) -> list[Problem]:
            return [p for p in problems if _section(p.path) not in keys]

        expansion_problems, lint_problems = expand_and_lint(sections, context.env, secret_keys)
        return tree(
            merged,
            outside(last.interpolation_problems) + expansion_problems,
            outside(last.lint_problems) + lint_problems,
        )

    def schema(self, manifest: Manifest) -> tuple[type[BaseModel] | None, list[Problem]]:
        """The pydantic model named by the manifest, loaded again only when its file changes."""
        assert manifest.schema is not None
        source = manifest.root / manifest.schema.split(":", 1)[0]
        try:
            stamp: Any = source.stat().st_mtime_ns
        except OSError:
            stamp = None
        key = (manifest.schema, stamp)
        if key != self._schema_key:
            model, problems = load_schema(manifest.schema, manifest.root)
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


def condition_values(layers: Iterable[LayerFile], condition: str) -> list[str]:
    """Every value some layer's `condition` names (``environment``, ``override_type``),
    in file order."""
    found: list[str] = []
    for layer in layers:
        wanted = layer.conditions.get(condition) if layer.conditions else None
        for name in [wanted] if isinstance(wanted, str) else wanted or []:
            if isinstance(name, str) and name not in found:
                found.append(name)
    return found


def override_types(layers: Iterable[LayerFile]) -> list[str]:
    return condition_values(layers, "override_type")


def interpolate(root: Merged, env: Any) -> list[Problem]:
    """Expand ``${...}`` in every string of the tree in place; collect the errors."""
    return expand_and_lint(root, env, None)[0]


def expand_and_lint(
    root: Merged, env: Any, secret_keys: re.Pattern[str] | None
) -> tuple[list[Problem], list[Problem]]:
    """Interpolation and the plaintext-secret lint, in one walk over the tree.

    Every string with a ``$`` is expanded in place (the lint then sees what the
    value became); every scalar under a secret-named key is checked. Paths are
    built only where a problem may be reported. On a large tree each full walk is
    mostly cache misses, so the two share one.
    """
    expansion_problems: list[Problem] = []
    lint_problems: list[Problem] = []
    is_secret = SecretKeys(secret_keys) if secret_keys is not None else None

    def expand_node(path: KeyPath, node: Merged) -> None:
        result = expand(node.value, env)
        if result.trace:
            node.trace = result.trace
        if result.error is None:
            node.value = result.value
            return
        expansion_problems.append(
            Problem(
                "error",
                result.error,
                format_path(path),
                node.file,
                node.line,
                node.column,
                node.layer,
                "interpolation",
            )
        )

    def lint_node(path: KeyPath, node: Merged) -> None:
        problem = secret_problem(path, node)
        if problem is not None:
            lint_problems.append(problem)

    # (path, node, the nearest key: list items are as secret as their list's key)
    stack: list[tuple[KeyPath, Merged, str | None]] = [((), root, None)]
    while stack:
        path, node, nearest = stack.pop()
        if node.kind == MAPPING:
            for key, child in node.value.items():
                if child.kind != SCALAR:
                    stack.append(((*path, key), child, key))
                    continue
                value = child.value
                if value.__class__ is str and "$" in value:
                    expand_node((*path, key), child)
                if is_secret is not None and is_secret(key):
                    lint_node((*path, key), child)
        else:
            secret = is_secret is not None and is_secret(nearest)
            for index, child in enumerate(node.value):
                if child.kind != SCALAR:
                    stack.append(((*path, index), child, nearest))
                    continue
                value = child.value
                if value.__class__ is str and "$" in value:
                    expand_node((*path, index), child)
                if secret:
                    lint_node((*path, index), child)
    return expansion_problems, lint_problems


def _ordered(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    unique = [p for p in problems if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]
    return sorted(
        unique,
        key=lambda p: (p.file is None, p.file or "", p.line or 0, p.column or 0, p.message),
    )
