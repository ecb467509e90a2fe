"""The plaintext-secret lint: secret-named keys whose value is written in a file."""

from __future__ import annotations

from dataclasses import replace

from core.model import MAPPING, Merged, Problem, format_path, parse_path, written_at


def secret_problem(path: tuple[str | int, ...], node: Merged) -> Problem | None:
    """The problem with a secret-named scalar, if its text is written in a file.

    It is located where the text is written: at the anchor, for a value reached
    through an alias (a `<<` merge keeps the anchored entries' positions).
    """
    value = node.value
    if not isinstance(value, str) or not value.strip() or not _literal(node):
        return None
    if node.node.sealed is not None:  # decrypted in memory: encrypted in its file
        return None
    shown = format_path(path)
    written = written_at(node.node)
    return Problem(
        severity="error",
        message=_message(shown, node.file, []),
        path=shown,
        file=node.file,
        line=written.line,
        column=written.column,
        layer=node.layer,
        code="plaintext-secret",
    )


def _message(shown: str, file: str, others: list[str]) -> str:
    reused = f" (and reused as {', '.join(others)})" if others else ""
    return (
        f"{shown} is stored in plain text in {file}{reused}; encrypt it with"
        f" 'confscope secrets encrypt-value {shown}' or read it from an environment variable"
    )


def once_per_definition(problems: list[Problem], root: Merged) -> list[Problem]:
    """The plaintext-secret problems, one per written value.

    A secret shared through an anchor or a `<<` merge is reported once, at its own
    line, under the key that comes first in the merged tree; the message names the
    keys that reuse it.
    """
    groups: dict[tuple[str | None, int | None, int | None], list[Problem]] = {}
    for problem in problems:
        groups.setdefault((problem.file, problem.line, problem.column), []).append(problem)
    out: list[Problem] = []
    for group in groups.values():
        if len(group) == 1:
            out.append(group[0])
            continue
        group.sort(key=lambda problem: _tree_position(root, parse_path(problem.path)))
        first = group[0]
        others = [problem.path for problem in group[1:]]
        out.append(replace(first, message=_message(first.path, first.file or "", others)))
    return out


def _tree_position(root: Merged, path: tuple[str | int, ...]) -> tuple[int, ...]:
    """Where `path` stands in the merged tree's order, as comparable indices."""
    position: list[int] = []
    node: Merged | None = root
    for key in path:
        if node is None:
            break
        if node.kind == MAPPING and isinstance(key, str):
            keys = list(node.value)
            position.append(keys.index(key) if key in keys else len(keys))
        elif isinstance(key, int):
            position.append(key)
        node = node.child(key)
    return tuple(position)


def is_reference(text: str) -> bool:
    """Whether a value names a secret kept elsewhere rather than holding one.

    Template expressions another tool fills in (Jinja, Ansible and Helm's
    ``{{ vault_x }}``, ERB's ``<%= ENV['X'] %>``), a ``${VAR}`` and a sops
    ``ENC[...]`` value are references, not plaintext.
    """
    return (
        ("{{" in text and "}}" in text)
        or ("{%" in text and "%}" in text)
        or ("<%" in text and "%>" in text)
        or ("${" in text and "}" in text)
        or text.startswith("ENC[")
    )


def _literal(node: Merged) -> bool:
    """Whether a string's text came from the file rather than from the environment."""
    raw = node.node.value if node.node is not None else None
    if isinstance(raw, str) and "${" not in raw and is_reference(raw):
        return False
    if isinstance(raw, str) and "${" in raw and (not node.trace or raw == node.value):
        # Not interpolated (yet), or its expansion failed: the file only names a
        # variable, and a failed expansion is reported where it happened.
        return False
    for read in node.trace or ():
        if not getattr(read, "used_default", False) and getattr(read, "value", None):
            return False
    return True
