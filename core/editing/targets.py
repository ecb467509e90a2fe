"""Which key and which layer an edit means, from what the user typed.

`key_path` reads the key (a dotted number names a list item where the config has a
list). `choose_layer` picks the layer: the one named (it must be active), else the one
that won the key; for a key the merged config lacks, the layer whose `!unset` removed
it, or the only active layer. `shadow_note` says when the chosen layer sits under
another that will still decide the key, so the edit would not show in the merged config.
"""

from __future__ import annotations

from typing import Any

from core.editing.refusals import refusal
from core.merging import removal_covering
from core.model import MAPPING, SEQUENCE, KeyPath, LayerFile, Node, Problem, format_path, parse_path
from core.resolution import Resolution


def key_path(resolution: Resolution, key: str, layer: str | None = None) -> KeyPath:
    """`key` as a key path, a dotted number naming a list item where the merged config
    (or the named layer) has a list there: `servers.0.port` is `servers[0].port`."""
    path = parse_path(key)
    if not any(isinstance(k, str) and k.isascii() and k.isdigit() for k in path):
        return path
    target = resolution.layer(layer) if layer is not None else None
    out: list[Any] = []
    for k in path:
        if isinstance(k, str) and k.isascii() and k.isdigit():
            here = tuple(out)
            merged = resolution.get(here)
            own = definition_in(target, here) if target is not None else None
            if any(n is not None and n.kind == SEQUENCE for n in (merged, own)):
                out.append(int(k))
                continue
        out.append(k)
    return tuple(out)


def definition_in(layer: LayerFile, path: KeyPath) -> Node | None:
    """The layer's own node at `path`, or None where the layer does not define it."""
    node = layer.root
    for key in path:
        if node is None:
            return None
        node = definition_in_child(node, key)
    return node


def layer_definition(resolution: Resolution, path: KeyPath, layer: LayerFile) -> Node | None:
    """The layer's own definition of what the merged config shows at `path`. Under
    `!append`/`!prepend` a layer's items sit at other merged indices than its own: the
    winner's is found by position, and a layer that only extends the list defines
    nothing at another layer's index."""
    merged = resolution.get(path)
    if merged is not None and merged.layer == layer.name:
        return definition_in(layer, own_path(resolution, path, layer))
    node = layer.root
    for key in path:
        if node is None:
            return None
        if node.kind == SEQUENCE and node.tag in ("!append", "!prepend"):
            return None
        node = definition_in_child(node, key)
    return node


def definition_in_child(node: Node, key: str | int) -> Node | None:
    if node.kind == MAPPING and isinstance(key, str):
        child: Node | None = node.value.get(key)
        return child
    if node.kind == SEQUENCE and isinstance(key, int) and 0 <= key < len(node.value):
        item: Node = node.value[key]
        return item
    return None


def own_path(resolution: Resolution, path: KeyPath, layer: LayerFile) -> KeyPath:
    """Where the layer writes the value the merged config shows at `path`: the same
    path, except under `!append`/`!prepend`, where merged list index 2 may be the
    layer's item 0. Found by position (the merged value remembers its line and column)."""
    merged = resolution.get(path)
    if merged is None or merged.layer != layer.name or not any(isinstance(k, int) for k in path):
        return path
    own = definition_in(layer, path)
    if own is not None and (own.line, own.column) == (merged.line, merged.column):
        return path
    found = _at_position(layer.root, (), (merged.line, merged.column, merged.kind))
    return found if found is not None else path


def _at_position(node: Node | None, path: KeyPath, where: tuple[int, int, int]) -> KeyPath | None:
    if node is None:
        return None
    if (node.line, node.column, node.kind) == where:
        return path
    children: Any = ()
    if node.kind == MAPPING:
        children = node.value.items()
    elif node.kind == SEQUENCE:
        children = enumerate(node.value)
    for key, child in children:
        found = _at_position(child, (*path, key), where)
        if found is not None:
            return found
    return None


def removed_by(resolution: Resolution, path: KeyPath) -> str | None:
    """Why `path` is missing from the merged config, when an `!unset` took it (or its
    parent) out: "layer L removed it with !unset at FILE:LINE:COL"; else None."""
    covering = removal_covering(resolution.removals, path)
    if covering is None:
        return None
    removed_at, removal = covering
    if removed_at == path:
        return f"layer {removal.layer} removed it with !unset at {removal.origin}"
    return (
        f"its parent {format_path(removed_at)} was removed by layer {removal.layer} with"
        f" !unset at {removal.origin}"
    )


def choose_layer(
    resolution: Resolution, path: KeyPath, name: str | None, *, creating: bool = False
) -> LayerFile | Problem:
    """The layer an edit goes to: `name` (an active layer), else the one that won `path`.

    `creating` (a set) a key the merged config lacks: the layer whose `!unset` removed
    that very key (its directive becomes the value), else the only active layer."""
    active = resolution.active_layers
    names = ", ".join(layer.name for layer in active)
    if name is not None:
        for layer in active:
            if layer.name == name:
                return layer
        by_file = [layer for layer in active if _names_file(layer, name)]
        if len(by_file) == 1:
            return by_file[0]
        verdict = resolution.verdict(name)
        if verdict is not None:
            return refusal(
                f"layer '{name}' is not active ({verdict.summary}); the active layers are: {names}",
                path,
            )
        return refusal(f"there is no layer '{name}'; the active layers are: {names}", path)
    node = resolution.get(path)
    if node is None:
        covering = removal_covering(resolution.removals, path)
        if creating and covering is not None and covering[0] == path:
            by = next((layer for layer in active if layer.name == covering[1].layer), None)
            if by is not None:
                return by
        if creating and len(active) == 1:
            return active[0]
        why = removed_by(resolution, path)
        if why is not None and covering is not None:
            by_name = covering[1].layer
            return refusal(
                f"not in the merged config: {why}; pass --layer {by_name} to write it where"
                f" the !unset stands, or a layer above {by_name}",
                path,
            )
        return refusal(
            f"not in the merged config; say which layer gets it with --layer (active: {names})",
            path,
        )
    for layer in active:
        if layer.name == node.layer:
            return layer
    return refusal(f"the layer '{node.layer}' that defines {format_path(path)} is not active", path)


def _names_file(layer: LayerFile, name: str) -> bool:
    """Whether `name` is the layer's file as shown (`overrides/local.yml`), its file name,
    or its path; a file of several documents is named by its layers' names instead."""
    if layer.document:
        return False
    return name in (layer.display, layer.path.name, str(layer.path))


def shadow_note(resolution: Resolution, path: KeyPath, target: LayerFile) -> str | None:
    """A sentence when a layer above `target` will still decide `path` after the edit."""
    rank = {verdict.layer: at for at, verdict in enumerate(resolution.verdicts)}
    mine = rank.get(target.name, -1)
    node = resolution.get(path)
    if node is not None:
        if node.layer != target.name and rank.get(node.layer, -1) > mine:
            return (
                f"the merged config still takes {format_path(path)} from layer {node.layer}"
                f" ({node.file}:{node.line}), which is above {target.name}"
            )
        return None
    covering = removal_covering(resolution.removals, path)
    if covering is not None and rank.get(covering[1].layer, -1) > mine:
        return (
            f"{format_path(path)} stays out of the merged config:"
            f" {removed_by(resolution, path)}, above {target.name}"
        )
    return None
