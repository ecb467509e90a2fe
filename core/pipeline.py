"""The one resolve: parsed layers → verdicts → merged tree → interpolation → validation.

`ConfigSet` (a set on disk) and `OverrideManager` (a candidate layer checked against
the set's bases) both resolve through `resolve_layers`. When the previous tree of the
same set is handed in and only file contents changed, only the top-level sections
whose definitions differ are merged, expanded and linted again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from core.activation import Activation, activate
from core.context import Context
from core.expanding import expand_and_lint
from core.manifest import Manifest
from core.merging import MergeResult, changed_keys, merge_layers, remerge
from core.model import MAPPING, LayerFile, Merged, Problem, Verdict, parse_path, sort_problems
from core.resolution import Resolution
from core.secretlint import once_per_definition
from core.secrets.layers import LayerSecrets
from core.secrets.policy import SecretKeys
from core.validation import validate_schema


@dataclass(frozen=True, slots=True)
class LoadedSet:
    """Every candidate layer of a set, parsed, with set-level and per-layer problems."""

    manifest: Manifest
    layers: list[LayerFile]
    set_problems: list[Problem]
    layer_problems: list[Problem]
    # What is known of each sops file's secrets, by the file as shown.
    secrets: dict[str, LayerSecrets] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Tree:
    """What a resolve built, kept so the next one can reuse what did not change."""

    manifest: Manifest
    context: Context
    verdicts: list[Verdict]
    active: list[LayerFile]
    merged: MergeResult
    interpolation_problems: list[Problem]
    lint_problems: list[Problem]


def resolve_layers(
    loaded: LoadedSet,
    context: Context,
    *,
    model: type[BaseModel] | None = None,
    schema_problems: list[Problem] | None = None,
    previous: Tree | None = None,
) -> tuple[Resolution, Tree]:
    """The resolution of `loaded` under `context`, and the tree to hand back next time."""
    manifest = loaded.manifest
    activation = activate(loaded.layers, context)
    secret_keys = SecretKeys(manifest.secret_pattern)
    tree = _tree(manifest, context, activation, secret_keys, previous)
    active_names = {v.layer for v in activation.verdicts if v.active}
    problems = list(loaded.set_problems)
    # A syntax error stops the reading of its file: in a multi-document file it hides
    # the documents after it, so it shows while any of the file's layers is on. An
    # inactive layer's metadata problems are told too: a condition that cannot be read
    # is why it is inactive.
    active_files = {layer.display for layer in tree.active}
    problems += [
        p
        for p in loaded.layer_problems
        if p.layer in active_names
        or p.layer is None
        or p.code == "activation"
        or (p.code == "syntax" and p.file in active_files)
    ]
    problems += activation.problems
    problems += tree.merged.problems + tree.interpolation_problems
    problems += once_per_definition(tree.lint_problems, tree.merged.root)
    problems += schema_problems or []
    if model is not None:
        problems += validate_schema(tree.merged.root, model, tree.active, secret_keys=secret_keys)
    resolution = Resolution(
        manifest,
        context,
        activation.ordered,
        activation.verdicts,
        tree.merged.root,
        sort_problems(problems),
        tree.merged.removals,
        secret_keys,
        {
            layer.name: loaded.secrets[layer.display]
            for layer in activation.ordered
            if layer.display in loaded.secrets
        },
    )
    return resolution, tree


def _tree(
    manifest: Manifest,
    context: Context,
    activation: Activation,
    secret_keys: SecretKeys,
    last: Tree | None,
) -> Tree:
    """The merged, interpolated, linted tree: incrementally when only files changed."""
    active = activation.active
    verdicts = activation.verdicts
    keys = _changed_sections(last, manifest, context, verdicts, active)
    literal = frozenset(layer.name for layer in active if not manifest.interpolates(layer))
    if last is None or keys is None:
        merged = merge_layers(active)
        expansion, lint = expand_and_lint(merged.root, context.env, secret_keys, literal)
        return Tree(manifest, context, verdicts, active, merged, expansion, lint)
    if not keys:
        return Tree(
            manifest,
            context,
            verdicts,
            active,
            last.merged,
            last.interpolation_problems,
            last.lint_problems,
        )
    merged = remerge(last.merged, active, keys)
    sections = Merged(
        MAPPING,
        {k: v for k, v in merged.root.value.items() if k in keys},
        "",
        "",
        merged.root.node,
    )
    expansion, lint = expand_and_lint(sections, context.env, secret_keys, literal)

    def outside(problems: list[Problem]) -> list[Problem]:
        return [p for p in problems if not p.path or parse_path(p.path)[0] not in keys]

    return Tree(
        manifest,
        context,
        verdicts,
        active,
        merged,
        outside(last.interpolation_problems) + expansion,
        outside(last.lint_problems) + lint,
    )


def _changed_sections(
    last: Tree | None,
    manifest: Manifest,
    context: Context,
    verdicts: list[Verdict],
    active: list[LayerFile],
) -> set[str] | None:
    """The top-level keys to merge again, or None when everything must be.

    Only when the last resolution had the same manifest, context, verdicts and active
    files can its tree be reused.
    """
    if (
        last is None
        or last.manifest != manifest
        or last.context != context
        or last.verdicts != verdicts
        or [(layer.path, layer.document) for layer in last.active]
        != [(layer.path, layer.document) for layer in active]
    ):
        return None
    keys: set[str] = set()
    for before, after in zip(last.active, active, strict=True):
        if before.root is not after.root:
            changed = changed_keys(before.root, after.root)
            if changed is None:
                return None
            keys |= changed
    return keys
