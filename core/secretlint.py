"""The plaintext-secret lint: secret-named keys whose value is written in a file."""

from __future__ import annotations

from core.model import Merged, Problem, format_path


def secret_problem(path: tuple[str | int, ...], node: Merged) -> Problem | None:
    """The problem with a secret-named scalar, if its text is written in a file."""
    value = node.value
    if not isinstance(value, str) or not value.strip() or not _literal(node):
        return None
    shown = format_path(path)
    return Problem(
        severity="error",
        message=f"{shown} is stored in plain text in {node.file}; encrypt it with"
        " 'confscope secrets encrypt' or read it from an environment variable",
        path=shown,
        file=node.file,
        line=node.line,
        column=node.column,
        layer=node.layer,
        code="plaintext-secret",
    )


def _literal(node: Merged) -> bool:
    """Whether a string's text came from the file rather than from the environment."""
    raw = node.node.value if node.node is not None else None
    if isinstance(raw, str) and "${" in raw and (not node.trace or raw == node.value):
        # Not interpolated (yet), or its expansion failed: the file only names a
        # variable, and a failed expansion is reported where it happened.
        return False
    for read in node.trace or ():
        if not getattr(read, "used_default", False) and getattr(read, "value", None):
            return False
    return True
