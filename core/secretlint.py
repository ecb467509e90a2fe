"""The plaintext-secret lint: secret-named keys whose value is written in a file."""

from __future__ import annotations

import re

from core.model import (
    MAPPING,
    SCALAR,
    SEQUENCE,
    Merged,
    Problem,
    format_path,
)

_METADATA = "_metadata"


class SecretKeys:
    """Whether a key names a secret; keys repeat, so each is matched once."""

    __slots__ = ("pattern", "matched")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.matched: dict[str, bool] = {}

    def __call__(self, key: str | None) -> bool:
        if key is None:
            return False
        hit = self.matched.get(key)
        if hit is None:
            hit = self.matched[key] = self.pattern.search(key) is not None
        return hit


def secret_problem(path: tuple[str | int, ...], node: Merged) -> Problem | None:
    """The problem with a secret-named scalar, if its text is written in a file."""
    value = node.value
    if not isinstance(value, str) or not value.strip() or not _literal(node):
        return None
    shown = format_path(path)
    return Problem(
        "error",
        f"{shown} is stored in plain text in {node.file}; encrypt it with"
        " 'confscope secrets encrypt' or read it from an environment variable",
        shown,
        node.file,
        node.line,
        node.column,
        node.layer,
        "plaintext-secret",
    )


def lint_secrets(root: Merged, secret_keys: re.Pattern[str]) -> list[Problem]:
    """Secret-named keys whose value is written in a file in the clear.

    It walks mappings itself and builds a path only for a scalar whose key matches.
    (A resolve runs the same check inside its interpolation pass instead.)
    """
    problems: list[Problem] = []
    is_secret = SecretKeys(secret_keys)

    def check(path: tuple[str | int, ...], node: Merged) -> None:
        problem = secret_problem(path, node)
        if problem is not None:
            problems.append(problem)

    stack: list[tuple[tuple[str | int, ...], Merged, str | None]] = [((), root, None)]
    try:
        while stack:
            path, node, key = stack.pop()
            if node.kind == MAPPING:
                for child_key, child in node.value.items():
                    if not path and child_key == _METADATA:
                        continue
                    if child.kind == SCALAR:
                        if is_secret(child_key):
                            check((*path, child_key), child)
                    else:
                        stack.append(((*path, child_key), child, child_key))
            elif node.kind == SEQUENCE:
                secret = is_secret(key)
                for index, child in enumerate(node.value):
                    if child.kind == SCALAR:
                        if secret:
                            check((*path, index), child)
                    else:
                        stack.append(((*path, index), child, key))
    except Exception as error:  # an odd tree: report, never raise
        message = f"the secrets check stopped early: {type(error).__name__}: {error}"
        problems.append(Problem("error", message, code="plaintext-secret"))
    return sorted(problems, key=Problem.sort_key)


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
