"""Reading a layer's `_metadata`: its name, priority, description and conditions.

Conditions that cannot be read (an unknown condition name, a value of the wrong type,
an invalid regex) are reported and recorded under `INVALID`, which makes the layer
inactive: a layer whose conditions cannot be checked never takes part by accident.
Each key has its reader in `core.metadatakeys`; this puts a layer together.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from core.metadatakeys import (
    BASE_PRIORITY,
    CONDITION_KEYS,
    DEFAULT_PRIORITY,
    INVALID,
    METADATA_KEYS,
    MetadataReader,
    read_conditions,
    read_description,
    read_entries,
    read_interpolation,
    read_name,
    read_priority,
    report_unknown_keys,
)
from core.model import MAPPING, METADATA_KEY, LayerFile, Node, Origin, Problem

# The keys and defaults are read here by the engine's callers: one import for all.
__all__ = [
    "BASE_PRIORITY",
    "CONDITION_KEYS",
    "DEFAULT_PRIORITY",
    "INVALID",
    "METADATA_KEYS",
    "condition_values",
    "layer_file",
    "metadata_node",
    "override_types",
]


def layer_file(
    path: Path,
    display: str,
    root: Node | None,
    *,
    is_base: bool,
    order: int,
    document: int = 0,
    line: int = 1,
) -> tuple[LayerFile, list[Problem]]:
    """The layer one parsed file (or one `document` of it) makes, from its `_metadata`.

    `root` is kept whole. The name defaults to the file stem (``stem#N`` for the Nth
    document of a multi-document file). Override priority defaults to
    `DEFAULT_PRIORITY` (10); base files get `BASE_PRIORITY` (0) and always sort below
    every override anyway.
    """
    stem = path.stem if document <= 1 else f"{path.stem}#{document}"
    reader = MetadataReader(display, stem)
    metadata = metadata_node(root)
    entries = read_entries(metadata, reader)
    declared = read_name(entries.get("name"), stem, reader)
    if declared is not None:
        reader.layer = declared
    report_unknown_keys(entries, reader)
    priority = read_priority(entries.get("priority"), is_base, reader)
    description = read_description(entries.get("description"), reader)
    interpolation = read_interpolation(entries.get("interpolation"), reader)
    conditions = read_conditions(entries.get("conditions"), is_base, reader)
    layer = LayerFile(
        reader.layer,
        path,
        display,
        is_base,
        order,
        priority,
        description,
        conditions,
        None if metadata is None else Origin(display, metadata.line, metadata.column),
        root,
        document=document,
        line=line,
        declared_name=declared is not None,
        interpolation=interpolation,
    )
    return layer, reader.problems


def metadata_node(root: Node | None, *keys: str) -> Node | None:
    node = root
    for key in (METADATA_KEY, *keys):
        if node is None or node.kind != MAPPING:
            return None
        node = node.value.get(key)
    return node


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
