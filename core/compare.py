"""Comparing resolutions: which effective values differ, and where each side got its own.

`differences` serves `diff`; `compute_matrix` lines every leaf up under every override
type for the TUI's matrix.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from core.configset import ConfigSet
from core.context import NO_TYPE
from core.model import MAPPING, KeyPath, Merged, format_path
from core.secrets.policy import Reveal, is_secret, sealed_type
from core.whatif import WhatIf


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a difference: the value (or absence) and where it came from."""

    present: bool
    value: Any = None
    layer: str = ""
    file: str = ""
    line: int = 0
    column: int = 0
    secret: bool = False
    sealed: str | None = None

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.present else ""

    def shown(self, reveal: bool = False) -> Any:
        """The value as it may be shown: masked if it is a secret, unless revealed."""
        return Reveal(reveal).masked(self.value, secret=self.secret, sealed=self.sealed)

    def to_dict(self, reveal: bool = False) -> dict[str, Any]:
        if not self.present:
            return {"present": False}
        return {
            "present": True,
            "value": self.shown(reveal),
            "layer": self.layer,
            "file": self.file,
            "line": self.line,
            "column": self.column,
        }


ABSENT = Side(False)


def side(node: Merged | None) -> Side:
    if node is None:
        return ABSENT
    return Side(
        True,
        node.plain(),
        node.layer,
        node.file,
        node.line,
        node.column,
        is_secret(node),
        sealed_type(node),
    )


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


# --- the matrix: every leaf under every override type ------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    """The override type, or `NO_TYPE`."""
    whatif: WhatIf
    """The main screen's what-if with this override type."""


@dataclass(frozen=True, slots=True)
class MatrixRow:
    path: KeyPath
    dotted: str
    sides: tuple[Side, ...]
    """The effective value under each column's type, in column order."""
    differs: bool


@dataclass(frozen=True, slots=True)
class Matrix:
    columns: tuple[Column, ...]
    rows: tuple[MatrixRow, ...]
    environment: str

    @property
    def differing(self) -> int:
        return sum(1 for row in self.rows if row.differs)


def matrix_columns(config_set: ConfigSet, whatif: WhatIf) -> list[Column]:
    """No type first, then every override type the layers name (and the current one)."""
    types = sorted(config_set.override_types())
    if whatif.override_type and whatif.override_type not in types:
        types.append(whatif.override_type)
    columns = [Column(NO_TYPE, whatif.with_override_type(NO_TYPE))]
    columns += [Column(name, whatif.with_override_type(name)) for name in types]
    return columns


def compute_matrix(config_set: ConfigSet, whatif: WhatIf) -> Matrix:
    """Resolve the set once per column and line the leaves up. Runs in a worker thread."""
    columns = matrix_columns(config_set, whatif)
    roots: list[Merged] = []
    environment = ""
    for column in columns:
        context = config_set.context(**column.whatif.kwargs())
        resolution = config_set.resolve(context, schema=False)
        roots.append(resolution.root)
        environment = resolution.context.environment
    differing = {difference.path for difference in differences(roots)}
    order = tree_order(roots)
    paths = sorted(leaf_paths(roots), key=order.__getitem__)
    rows = tuple(
        MatrixRow(
            path,
            format_path(path),
            tuple(side(root.get(path)) for root in roots),
            path in differing,
        )
        for path in paths
    )
    return Matrix(tuple(columns), rows, environment)


def tree_order(roots: Sequence[Merged]) -> dict[KeyPath, tuple[int, ...]]:
    """A sort key keeping each key with its siblings: a key only one type has goes at the
    end of its own mapping, not at the end of the whole table."""
    seen: dict[KeyPath, int] = {}
    for root in roots:
        for path, _node in root.walk():
            seen.setdefault(path, len(seen))
    return {path: tuple(seen[path[:depth]] for depth in range(1, len(path) + 1)) for path in seen}
