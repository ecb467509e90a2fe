"""Encrypting a plaintext secret the lint flags: its whole file becomes a sops file.

The file is encrypted where it stands, per the first `.sops.yaml` creation rule that
matches it (its recipients, its `encrypted_regex` or suffix rules), so the value keeps
its layer, its line and its place in the merge order, and the change is one atomic
write of one file. (Moving the value to another, encrypted layer would be two writes
that cannot be atomic together, and could change which layer wins.) The rule must
encrypt the flagged key, else the edit is refused: encrypting the file would leave the
secret as plain as before.
"""

from __future__ import annotations

from core.configset import ConfigSet, Resolution
from core.editing.planning import EditPlan
from core.editing.refusals import refusal
from core.editing.sopsedits import changed_span
from core.editing.source import read, same_version
from core.editing.targets import choose_layer, key_path
from core.model import Problem, format_path


def prepare_encrypt(
    config: ConfigSet, resolution: Resolution, key: str, *, layer: str | None = None
) -> EditPlan | Problem:
    """Plan encrypting the file that holds `key` (the winning layer, or `layer`)."""
    from core.secrets.operations import encrypt_text
    from core.secrets.rules import RulesError, creation_rule
    from core.secrets.sopsfile import SecretsError

    path = key_path(resolution, key, layer)
    if layer is None and resolution.get(path) is None:
        return refusal("not in the merged config, so there is no value to encrypt", path)
    target = choose_layer(resolution, path, layer)
    if isinstance(target, Problem):
        return target
    dotted, display = format_path(path), target.display
    if target.sops is not None:
        return refusal(f"{dotted} is in {display}, which is a sops file already", path, display)
    if target.document:
        return refusal(
            f"{display} holds several YAML documents; sops encrypts a file of one document",
            path,
            display,
        )
    try:
        rule = creation_rule(target.path)
    except RulesError as error:
        return refusal(f"{display}: {error}", path, display)
    if rule is None or not rule.age:
        return refusal(
            f"no .sops.yaml creation rule with age recipients matches {display}; add one"
            " (see docs/secrets.md) to say who can open it",
            path,
            display,
        )
    keys = tuple(k for k in path if isinstance(k, str))
    try:
        encrypts = rule.rules.with_default().decider().encrypts(keys)
    except RulesError as error:
        return refusal(f"{display}: {error}", path, display)
    if not encrypts:
        return refusal(
            f"the .sops.yaml rule for {display} would leave {dotted} in plain text; add its"
            " key to the rule's encrypted_regex first",
            path,
            display,
        )
    source = read(target.path, display)
    if isinstance(source, str):
        return refusal(source, path, display)
    if not same_version(target.identity, source.stamp, source.data):
        return refusal(
            f"{display} changed on disk since it was loaded; reload and try again", path, display
        )
    try:
        after = encrypt_text(source.text, display, rule.age, rule.rules)
    except SecretsError as error:
        return refusal(f"cannot encrypt {display}: {error.message}", path, display)
    return EditPlan(
        "set",
        path,
        target.name,
        source.path,
        display,
        source.stamp,
        source.data,
        source.encode(after),
        source.mode,
        changed_span(source.text, after),
        1,
        f"encrypt {display} for {', '.join(rule.age)} ({dotted} among its values) in {display}:1",
    )
