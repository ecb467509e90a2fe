"""`Problem`: one thing wrong with the config set, and the order problems are shown in.

Results are collected, not raised: a step that meets something wrong records a
`Problem` and carries on, so the user sees every error at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from core.keypaths import KeyPath, format_path

if TYPE_CHECKING:  # for annotations only: core.model imports this module
    from core.model import Merged

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One thing wrong with the config set, located as precisely as is known.

    `code` names the kind: syntax, duplicate-key, unknown-tag, interpolation, schema,
    plaintext-secret, yaml11, unknown-key, kind-change, io, manifest, activation.
    """

    severity: Severity
    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None
    layer: str | None = None
    code: str = ""

    @property
    def location(self) -> str:
        if self.file is None:
            return ""
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    @classmethod
    def at(
        cls, node: Merged, path: KeyPath, message: str, *, code: str, severity: Severity = "error"
    ) -> Problem:
        """A problem with the merged value `node` at `path`, located at its winning
        definition."""
        return cls(
            severity=severity,
            message=message,
            path=format_path(path),
            file=node.file,
            line=node.line,
            column=node.column,
            layer=node.layer,
            code=code,
        )

    def sort_key(self) -> tuple[bool, str, int, int]:
        """Problems without a file first, then by file, line and column."""
        return (self.file is not None, self.file or "", self.line or 0, self.column or 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "path": self.path,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "layer": self.layer,
            "code": self.code,
        }

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        path = f"{self.path}: " if self.path else ""
        return f"{where}{self.severity}: {path}{self.message}"


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Each problem once, those without a file first, then by file, line and column."""
    unique = list(dict.fromkeys(problems))
    return sorted(
        unique,
        key=lambda p: (p.file is None, p.file or "", p.line or 0, p.column or 0, p.message),
    )
