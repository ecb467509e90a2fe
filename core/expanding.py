"""One walk over the merged tree: expand ``${...}`` and lint secret-named values.

Every string with a ``$`` is expanded in place (the lint then sees what the value
became); every scalar under a secret-named key is checked for plaintext. Paths are
built only where a problem may be reported. On a large tree each full walk is mostly
cache misses, so the two share one.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.interpolation import expand
from core.model import MAPPING, SCALAR, Key, KeyPath, Merged, Problem
from core.secretlint import once_per_definition, secret_problem
from core.secrets.policy import SecretKeys


def expand_and_lint(
    root: Merged,
    env: Mapping[str, str] | None,
    is_secret: SecretKeys | None,
    literal: frozenset[str] = frozenset(),
) -> tuple[list[Problem], list[Problem]]:
    """The interpolation problems and the plaintext-secret problems of the tree.

    Every value named like a secret is marked (`Merged.secret`) on the way, so any
    face can mask it. With `env` None nothing is expanded (the tree is linted as it
    stands); with `is_secret` None nothing is linted. A value that a layer in
    `literal` won (its interpolation is off) stays as written.
    """
    expanding = env is not None
    expansion_problems: list[Problem] = []
    lint_problems: list[Problem] = []

    def expand_node(path: KeyPath, node: Merged) -> None:
        assert env is not None
        result = expand(node.value, env)
        if result.trace:
            node.trace = result.trace
        if result.error is None:
            node.value = result.value
            return
        message = result.error
        if result.malformed:
            message += (
                "; if this is another tool's syntax (Spring, OmegaConf, GitHub Actions), keep"
                " it literal: set 'interpolation: false' in this file's _metadata or"
                ' interpolation = "off" in confscope.toml'
            )
        expansion_problems.append(Problem.at(node, path, message, code="interpolation"))

    def lint_node(path: KeyPath, node: Merged) -> None:
        node.secret = True
        problem = secret_problem(path, node)
        if problem is not None:
            lint_problems.append(problem)

    # (path, node, the nearest key: list items are as secret as their list's key)
    stack: list[tuple[KeyPath, Merged, Key | None]] = [((), root, None)]
    while stack:
        path, node, nearest = stack.pop()
        keyed = node.kind == MAPPING
        children = node.value.items() if keyed else enumerate(node.value)
        for key, child in children:
            named = key if keyed else nearest
            if child.kind != SCALAR:
                stack.append(((*path, key), child, named))
                continue
            value = child.value
            if expanding and value.__class__ is str and "$" in value and child.layer not in literal:
                expand_node((*path, key), child)
            if is_secret is not None and is_secret(named):
                lint_node((*path, key), child)
    return expansion_problems, lint_problems


def interpolate(root: Merged, env: Mapping[str, str]) -> list[Problem]:
    """Expand ``${...}`` in every string of the tree in place; collect the errors."""
    return expand_and_lint(root, env, None)[0]


def lint_secrets(root: Merged, secret_keys: SecretKeys) -> list[Problem]:
    """Secret-named values written in a file in the clear, as the tree stands."""
    problems = expand_and_lint(root, None, secret_keys)[1]
    return sorted(once_per_definition(problems, root), key=Problem.sort_key)
