"""Merging active layers into one tree that remembers why each value won.

Layers apply from lowest to highest priority. Mappings merge key by key; scalars and
sequences replace. Directives are tags on the overriding value: `!replace` (a mapping
replaces whole), `!unset` (the key goes), `!append`/`!prepend` (extend a sequence).
Every replaced definition is kept, in order, on the node that beat it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from core.model import (
    MAPPING,
    SCALAR,
    SEQUENCE,
    Definition,
    KeyPath,
    LayerFile,
    Merged,
    Node,
    Origin,
    Problem,
    format_path,
)

METADATA_KEY = "_metadata"
_KIND_NAMES = {SCALAR: "a value", MAPPING: "a mapping", SEQUENCE: "a list"}


@dataclass(frozen=True, slots=True)
class Removal:
    """A key that an `!unset` took out, so `why` can still say where it went."""

    layer: str
    origin: Origin
    removed: Definition


@dataclass(slots=True)
class MergeResult:
    root: Merged
    problems: list[Problem] = field(default_factory=list)
    removals: dict[KeyPath, Removal] = field(default_factory=dict)


def empty_root() -> Merged:
    return Merged(MAPPING, {}, "", "", Node(MAPPING, {}, 1, 1))


def merge_layers(layers: Iterable[LayerFile]) -> MergeResult:
    """Merge `layers` (lowest priority first) into a fresh tree; the layers stay untouched."""
    result = MergeResult(empty_root())
    for layer in layers:
        if layer.root is not None:
            merge_layer(result, layer)
    return result


def merge_layer(result: MergeResult, layer: LayerFile) -> None:
    assert layer.root is not None
    root = result.root
    if not root.layer:
        root.layer, root.file = layer.name, layer.display
    _Merger(layer, result).mapping(root, layer.root, (), top=True)


def wrap(node: Node, layer: str, file: str) -> Merged:
    """A parsed node as a merged node that this one layer won entirely."""
    kind = node.kind
    if kind == SCALAR:
        return Merged(SCALAR, node.value, layer, file, node, node.tag)
    if kind == MAPPING:
        return Merged(
            MAPPING,
            {k: wrap(v, layer, file) for k, v in node.value.items() if v.tag != "!unset"},
            layer,
            file,
            node,
            node.tag,
        )
    return Merged(SEQUENCE, [wrap(v, layer, file) for v in node.value], layer, file, node, node.tag)


def definition(merged: Merged) -> Definition:
    return Definition(merged.layer, merged.origin, merged.node, merged.directive)


class _Merger:
    __slots__ = ("name", "file", "result")

    def __init__(self, layer: LayerFile, result: MergeResult) -> None:
        self.name = layer.name
        self.file = layer.display
        self.result = result

    def mapping(self, target: Merged, source: Node, path: KeyPath, top: bool = False) -> None:
        children: dict[str, Merged] = target.value
        name, file = self.name, self.file
        for key, node in source.value.items():
            if top and key == METADATA_KEY:
                continue
            tag = node.tag
            existing = children.get(key)
            if existing is None:
                if tag == "!unset":
                    continue  # nothing inherited to remove: harmless
                children[key] = wrap(node, name, file)
                continue
            if tag is None and node.kind == MAPPING and existing.kind == MAPPING:
                shadowed = existing.shadowed
                before = definition(existing)
                if shadowed is None:
                    existing.shadowed = [before]
                else:
                    shadowed.append(before)
                existing.layer, existing.file, existing.node = name, file, node
                existing.line, existing.column, existing.directive = node.line, node.column, None
                self.mapping(existing, node, path + (key,))
                continue
            if tag is None or tag == "!replace":
                self.replace(children, key, existing, node, path)
            elif tag == "!unset":
                del children[key]
                self.result.removals[path + (key,)] = Removal(
                    name, Origin(file, node.line, node.column), definition(existing)
                )
            else:  # !append / !prepend
                self.extend(children, key, existing, node, path)

    def replace(
        self, children: dict[str, Merged], key: str, existing: Merged, node: Node, path: KeyPath
    ) -> None:
        winner = wrap(node, self.name, self.file)
        winner.shadowed = (existing.shadowed or []) + [definition(existing)]
        children[key] = winner
        if (
            existing.kind != node.kind
            and existing.value is not None
            and node.value is not None
            and node.tag is None
        ):
            self.result.problems.append(
                Problem(
                    "warning",
                    f"{_KIND_NAMES[node.kind]} here replaces {_KIND_NAMES[existing.kind]}"
                    f" from {existing.layer} ({existing.file}:{existing.line}); the kind"
                    " of this key changes",
                    format_path(path + (key,)),
                    self.file,
                    node.line,
                    node.column,
                    self.name,
                    "kind-change",
                )
            )

    def extend(
        self, children: dict[str, Merged], key: str, existing: Merged, node: Node, path: KeyPath
    ) -> None:
        tag = node.tag
        if node.kind != SEQUENCE or existing.kind != SEQUENCE:
            what = "its value is not a list" if node.kind != SEQUENCE else "the inherited value"
            if node.kind == SEQUENCE:
                what += f" from {existing.layer} ({existing.file}:{existing.line}) is not a list"
            self.result.problems.append(
                Problem(
                    "error",
                    f"{tag} needs a list over an inherited list, but {what}; the value"
                    " replaces it instead",
                    format_path(path + (key,)),
                    self.file,
                    node.line,
                    node.column,
                    self.name,
                    "directive",
                )
            )
            self.replace(children, key, existing, node, path)
            return
        added = [wrap(item, self.name, self.file) for item in node.value]
        items = existing.value + added if tag == "!append" else added + existing.value
        winner = Merged(SEQUENCE, items, self.name, self.file, node, tag)
        winner.shadowed = (existing.shadowed or []) + [definition(existing)]
        children[key] = winner
