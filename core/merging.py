"""Merging active layers into one tree that remembers why each value won.

Layers apply from lowest to highest priority. Mappings merge key by key; scalars and
sequences replace. Directives are tags on the overriding value: `!replace` (a mapping
replaces whole), `!unset` (the key goes), `!append`/`!prepend` (extend a sequence).
Every replaced definition is kept, in order, on the node that beat it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from core.model import (
    MAPPING,
    METADATA_KEY,
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

_KIND_NAMES = {SCALAR: "a value", MAPPING: "a mapping", SEQUENCE: "a list"}


@dataclass(frozen=True, slots=True)
class Removal:
    """A key that an `!unset` took out, so `why` can still say where it went."""

    layer: str
    origin: Origin
    removed: Definition
    subtree: Merged | None = field(default=None, compare=False)
    """The key as merged just before the removal (every layer's part of a mapping, each
    value with its own layer and position; values as written, not interpolated)."""


def removal_covering(
    removals: Mapping[KeyPath, Removal], path: KeyPath
) -> tuple[KeyPath, Removal] | None:
    """The removal that took out `path` itself or one of its ancestors (the nearest),
    with the path it removed; None when nothing removed it."""
    for depth in range(len(path), 0, -1):
        found = removals.get(path[:depth])
        if found is not None:
            return path[:depth], found
    return None


def removed_node(removal: Removal, removed_at: KeyPath, path: KeyPath) -> Merged | None:
    """What stood at `path` (at or below `removed_at`) before `removal` took it out."""
    if removal.subtree is None or path[: len(removed_at)] != removed_at:
        return None
    return removal.subtree.get(path[len(removed_at) :])


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


def remerge(previous: MergeResult, layers: Sequence[LayerFile], keys: set[str]) -> MergeResult:
    """`previous` with the top-level `keys` merged again from `layers`; the rest reused.

    A one-line edit touches one top-level section: merging that section again costs
    a fraction of a full merge. `previous` is not modified; unchanged sections are
    shared with it (nothing changes a merged tree once a resolution is made).
    """

    def outside(path: str) -> bool:
        return not any(path == k or path.startswith((f"{k}.", f"{k}[")) for k in keys)

    old_root = previous.root
    root = Merged(MAPPING, dict(old_root.value), old_root.layer, old_root.file, old_root.node)
    root.shadowed = old_root.shadowed
    result = MergeResult(
        root,
        [p for p in previous.problems if outside(p.path)],
        {path: r for path, r in previous.removals.items() if path[0] not in keys},
    )
    children: dict[str, Merged] = root.value
    for key in keys:
        children.pop(key, None)
    order: dict[str, None] = {}
    for layer in layers:
        if layer.root is None:
            continue
        merger = _Merger(layer, result)
        for key, node in layer.root.value.items():
            if key == METADATA_KEY:
                continue
            if key in keys:
                merger.entry(children, key, node, ())
            # Replay the top-level insertions and removals to restore the key order.
            if node.tag == "!unset":
                order.pop(key, None)
            elif key not in order:
                order[key] = None
    root.value = {key: children[key] for key in order if key in children}
    return result


def changed_keys(old: Node | None, new: Node | None) -> set[str] | None:
    """The top-level keys whose definitions differ (values, tags or positions).

    None when the files differ beyond that (one side unreadable, metadata changed).
    """
    if old is None or new is None or old.kind != MAPPING or new.kind != MAPPING:
        return None
    before, after = old.value, new.value
    if not same(before.get(METADATA_KEY), after.get(METADATA_KEY)):
        return None
    changed = {k for k in before.keys() | after.keys() if not same(before.get(k), after.get(k))}
    changed.discard(METADATA_KEY)
    return changed


def same(a: Node | None, b: Node | None) -> bool:
    """Whether two parsed nodes are the same definition, down to every position."""
    if a is None or b is None:
        return a is b
    if (
        a.kind != b.kind
        or a.line != b.line
        or a.column != b.column
        or a.tag != b.tag
        or a.raw != b.raw
    ):
        return False
    if a.kind == SCALAR:
        return a.value.__class__ is b.value.__class__ and a.value == b.value
    if a.kind == MAPPING:
        return list(a.value) == list(b.value) and all(
            same(v, b.value[k]) for k, v in a.value.items()
        )
    return len(a.value) == len(b.value) and all(map(same, a.value, b.value))


def wrap(node: Node, layer: str, file: str) -> Merged:
    """A parsed node as a merged node that this one layer won entirely."""
    kind = node.kind
    if kind == SCALAR:
        return Merged(SCALAR, node.value, layer, file, node)
    if kind == MAPPING:
        children: dict[str, Merged] = {}
        for key, child in node.value.items():
            if child.kind != SCALAR:
                children[key] = wrap(child, layer, file)
            elif child.tag != "!unset":  # scalars inline: most of a tree, one call less each
                children[key] = Merged(SCALAR, child.value, layer, file, child)
        return Merged(MAPPING, children, layer, file, node)
    return Merged(SEQUENCE, [wrap(v, layer, file) for v in node.value], layer, file, node)


def overtake(existing: Merged, layer: str, file: str, node: Node) -> None:
    """`node` of `layer` now defines `existing`: remember the definition it beat.

    (The merge loop repeats this inline for a value over a value, its hot path.)
    """
    beaten = (existing.layer, existing.file, existing.node)
    if existing.shadowed is None:
        existing.shadowed = [beaten]
    else:
        existing.shadowed.append(beaten)
    existing.layer, existing.file, existing.node = layer, file, node


def definition(merged: Merged) -> tuple[str, str, Node]:
    """What `Merged.shadowed` keeps of a beaten definition."""
    return (merged.layer, merged.file, merged.node)


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
            existing = children.get(key)
            if (
                existing is not None
                and node.kind == SCALAR
                and existing.kind == SCALAR
                and node.tag is None
            ):
                # The most common override by far: a value over a value. Every
                # Merged in a merge was made by this merge, so it is updated in place.
                beaten = (existing.layer, existing.file, existing.node)
                shadowed = existing.shadowed
                if shadowed is None:
                    existing.shadowed = [beaten]
                else:
                    shadowed.append(beaten)
                existing.value, existing.layer, existing.file, existing.node = (
                    node.value,
                    name,
                    file,
                    node,
                )
            elif (
                existing is not None
                and node.kind == MAPPING
                and existing.kind == MAPPING
                and node.tag is None
            ):
                # A section merged key by key: note what it was, then go down.
                overtake(existing, name, file, node)
                self.mapping(existing, node, (*path, key))
            elif not (top and key == METADATA_KEY):
                self.entry(children, key, node, path)

    def entry(self, children: dict[str, Merged], key: str, node: Node, path: KeyPath) -> None:
        """Apply this layer's definition of one key to the merged mapping `children`."""
        tag = node.tag
        existing = children.get(key)
        if existing is None:
            if tag != "!unset":  # with nothing inherited to remove, an !unset is harmless
                children[key] = wrap(node, self.name, self.file)
            return
        if tag is None and node.kind == MAPPING and existing.kind == MAPPING:
            overtake(existing, self.name, self.file, node)
            self.mapping(existing, node, (*path, key))
            return
        if tag is None or tag == "!replace":
            self.replace(children, key, existing, node, path)
        elif tag == "!unset":
            del children[key]
            beaten = existing.node
            self.result.removals[(*path, key)] = Removal(
                self.name,
                Origin(self.file, node.line, node.column),
                Definition(
                    existing.layer,
                    Origin(existing.file, beaten.line, beaten.column),
                    beaten,
                    beaten.tag,
                ),
                existing,
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
                    severity="warning",
                    message=f"{_KIND_NAMES[node.kind]} here replaces {_KIND_NAMES[existing.kind]}"
                    f" from {existing.layer} ({existing.file}:{existing.line}); the kind"
                    " of this key changes",
                    path=format_path(path + (key,)),
                    file=self.file,
                    line=node.line,
                    column=node.column,
                    layer=self.name,
                    code="kind-change",
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
                    severity="error",
                    message=f"{tag} needs a list over an inherited list, but {what}; the value"
                    " replaces it instead",
                    path=format_path(path + (key,)),
                    file=self.file,
                    line=node.line,
                    column=node.column,
                    layer=self.name,
                    code="directive",
                )
            )
            self.replace(children, key, existing, node, path)
            return
        added = [wrap(item, self.name, self.file) for item in node.value]
        items = existing.value + added if tag == "!append" else added + existing.value
        winner = Merged(SEQUENCE, items, self.name, self.file, node)
        winner.shadowed = (existing.shadowed or []) + [definition(existing)]
        children[key] = winner
