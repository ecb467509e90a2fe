"""Comparing resolutions: which effective values differ, and where each side got its own."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from core.model import MAPPING, KeyPath, Merged, format_path


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a difference: the value (or absence) and where it came from."""

    present: bool
    value: Any = None
    layer: str = ""
    file: str = ""
    line: int = 0
    column: int = 0

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.present else ""

    def to_dict(self) -> dict[str, Any]:
        if not self.present:
            return {"present": False}
        return {
            "present": True,
            "value": self.value,
            "layer": self.layer,
            "file": self.file,
            "line": self.line,
            "column": self.column,
        }


ABSENT = Side(False)


def side(node: Merged | None) -> Side:
    if node is None:
        return ABSENT
    return Side(True, node.plain(), node.layer, node.file, node.line, node.column)


@dataclass(frozen=True, slots=True)
class Difference:
    path: KeyPath
    sides: tuple[Side, ...]

    @property
    def dotted(self) -> str:
        return format_path(self.path)


def leaves(root: Merged) -> Iterator[tuple[KeyPath, Merged]]:
    """Every leaf of the tree (scalars, sequences, empty mappings) with its path."""
    for path, node in root.walk():
        if node.kind != MAPPING or not node.value:
            yield path, node


def leaf_paths(roots: Sequence[Merged]) -> list[KeyPath]:
    """The union of the leaf paths of several trees, in first-seen order."""
    seen: dict[KeyPath, None] = {}
    for root in roots:
        for path, _node in leaves(root):
            seen.setdefault(path, None)
    return list(seen)


def differences(roots: Sequence[Merged]) -> list[Difference]:
    """Leaves whose effective value is not the same in every tree."""
    found: list[Difference] = []
    for path in leaf_paths(roots):
        sides = tuple(side(root.get(path)) for root in roots)
        first = sides[0]
        if any(s.present != first.present or s.value != first.value for s in sides[1:]):
            found.append(Difference(path, sides))
    return found
