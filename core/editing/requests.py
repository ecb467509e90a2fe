"""Edits as a user asks for them: a key, a value, maybe a layer; checked, then planned.

This is the one path the CLI and the TUI share. It picks the layer (the one that
won the key, or the one named, which must be active), reads the typed text as a
YAML 1.2 scalar, checks it against the schema's type for that field, and hands the
byte-level work to `core.editing.planning`. Every refusal is a `Problem`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from core.configset import ConfigSet, Resolution
from core.editing.planning import EditPlan, plan_remove, plan_set, plan_unset_directive
from core.editing.refusals import refusal
from core.editing.rendering import InputError, parse_input, render_inline
from core.editing.schemafit import as_text, schema_problem, unchecked, unknown_key
from core.editing.sopsedits import Identities, plan_sops_remove, plan_sops_set
from core.editing.source import same_version
from core.editing.splicing import ValueHook
from core.editing.targets import (
    choose_layer,
    definition_in,
    key_path,
    own_path,
    removed_by,
    shadow_note,
)
from core.interpolation import expand
from core.model import SCALAR, Encrypted, KeyPath, LayerFile, Node, Problem, format_path
from core.scalars import resolve_plain, yaml11_reading


def _checked(plan: EditPlan | Problem, layer: LayerFile) -> EditPlan | Problem:
    """`plan`, unless the file changed since the resolution the user is looking at."""
    if isinstance(plan, Problem) or same_version(layer.identity, plan.stamp, plan.before):
        return plan
    return refusal(
        f"{layer.display} changed on disk since it was loaded; reload and edit again",
        plan.path,
        layer.display,
    )


def _sops_directive(layer: LayerFile, path: KeyPath) -> Problem | None:
    """`!unset` is confscope's tag; sops would keep it as a plain null inside its MAC."""
    if layer.sops is None:
        return None
    return refusal(
        f"{layer.display} is a sops file; write '{format_path(path)}: !unset' in a plain"
        " layer above it, or remove the definition (without --directive)",
        path,
        layer.display,
    )


def _duplicate(resolution: Resolution, path: KeyPath, layer: LayerFile) -> Problem | None:
    """A key defined twice in the layer is fixed by hand first: which one would change?
    A file with a syntax error too: the edit reads only the lines it needs, so the
    error could sit anywhere else in the file."""
    for problem in resolution.problems:
        if problem.code == "syntax" and problem.file == layer.display:
            return refusal(
                f"{layer.display} has a YAML syntax error at line {problem.line};"
                " fix it before editing",
                path,
                layer.display,
                problem.line,
            )
    dotted = format_path(path)
    for problem in resolution.problems:
        if problem.code != "duplicate-key" or problem.file != layer.display:
            continue
        if problem.path == dotted or dotted.startswith((problem.path + ".", problem.path + "[")):
            return refusal(
                f"{problem.path} is defined twice in {layer.display}; remove one first",
                path,
                layer.display,
                problem.line,
            )
    return None


def _type_change_note(own: Node | None, value: Any, text: str, path: KeyPath) -> str | None:
    """Said when a number or true/false replaces text (`"3.11"` becomes 3.12): YAML's
    classic surprise (`3.10` is 3.1), which `--string` avoids."""
    if own is None or not isinstance(own.value, str) or own.kind != SCALAR:
        return None
    if "${" in own.value:  # a template: it was never plain text
        return None
    if value is None or isinstance(value, str):
        return None
    kind = "true/false" if isinstance(value, bool) else "a number"
    return (
        f"{format_path(path)} was text ({render_inline(own.value)}) and {text.strip()} is"
        f" written as {kind} ({render_inline(value)}); pass --string to keep it text"
    )


def _template_note(resolution: Resolution, value: Any, target: LayerFile) -> str | None:
    """What validation will say of a `${...}` template that does not expand here."""
    if not isinstance(value, str) or "$" not in value:
        return None
    if not resolution.manifest.interpolates(target):
        return None
    expanded = expand(value, resolution.context.env)
    if expanded.error is None:
        return None
    return f"{value} does not expand here ({expanded.error}); validation will report it"


def _read_value(
    text: str | bool | int | float | None, as_string: bool, path: KeyPath
) -> tuple[Any, str] | Problem:
    """The value and its text: what a user typed, read as one YAML 1.2 scalar, or a
    Python caller's value (5, True, None) as given."""
    if isinstance(text, str):
        try:
            return parse_input(text, as_string), text
        except InputError as error:
            return refusal(str(error), path)
    if text is not None and not isinstance(text, (bool, int, float)):
        return refusal(f"{text!r} is not one value (a number, text, true/false, null)", path)
    return text, render_inline(text)


def prepare_set(
    config: ConfigSet,
    resolution: Resolution,
    key: str,
    text: str | bool | int | float | None,
    *,
    layer: str | None = None,
    as_string: bool = False,
    hook: ValueHook | None = None,
    identities: Identities | None = None,
) -> EditPlan | Problem:
    """Plan `key = text` in the chosen layer, refusing what the schema or the file forbid.

    `text` is what a user typed (read as `confscope set` reads VALUE), or, from Python,
    a value itself (5, True, None).

    In a sops file the value is re-encrypted with the file's data key (or left plain
    where the file's rules say so) and the MAC recomputed; `identities` finds the age
    keys (default: sops' variables, then the OS keyring)."""
    path = key_path(resolution, key, layer)
    target = choose_layer(resolution, path, layer, creating=True)
    if isinstance(target, Problem):
        return target
    in_file = own_path(resolution, path, target)  # under !append, merged [2] may be [0]
    read = _read_value(text, as_string, path)
    if isinstance(read, Problem):
        return read
    value, text = read
    current = resolution.get(path)
    if (
        hook is None
        and target.sops is None
        and current is not None
        and current.layer == target.name
        and isinstance(current.value, Encrypted)
    ):
        return refusal(
            f"{format_path(path)} is encrypted in {current.file}; use 'confscope secrets set'",
            path,
            current.file,
            current.line,
        )
    refused = _duplicate(resolution, path, target)
    if refused is not None:
        return refused
    message = schema_problem(config, resolution, path, value)
    if message is not None and not as_string:
        text_value = as_text(config, resolution, path, value, text)
        if text_value is not None:
            value, message = text_value, None
    if message is not None:
        shown = "the new value" if target.sops is not None else repr(text)
        own = definition_in(target, in_file)  # the line of the value it would replace
        line = own.line if own is not None and own.line else None
        return refusal(f"the schema refuses {shown}: {message}", path, target.display, line)
    unknown = unknown_key(config, resolution, path)
    if unknown is not None and unknown[1]:
        return refusal(unknown[0], path, target.display)
    notes = tuple(
        note
        for note in (
            unchecked(config, resolution),
            shadow_note(resolution, path, target),
            unknown[0] if unknown else None,
            _template_note(resolution, value, target),
            _type_change_note(definition_in(target, in_file), value, text, path),
        )
        if note
    )
    if target.sops is not None:  # a hook's text would bypass the MAC: sops writes it
        sealed = _as_asked(plan_sops_set(target, in_file, value, identities), in_file, path)
        return _noted(_checked(_masked(sealed, resolution, path), target), notes)
    plan = plan_set(
        target.path,
        target.display,
        in_file,
        value,
        layer=target.name,
        hook=hook,
        loaded=target,
        document=target.document,
        spelling=_spelling(text, value, as_string),
    )
    plan = _as_asked(plan, in_file, path)
    return _noted(_checked(_masked(plan, resolution, path), target), notes)


def _spelling(text: str, value: Any, as_string: bool) -> str | None:
    """A number as the user typed it (`0o640`, `1e3`), when that is how YAML 1.2 reads
    it; None for anything else (booleans and null are written the one way)."""
    if as_string or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    typed = text.strip()
    if yaml11_reading(typed) is not None:  # `0755`: the lint's octal trap, written 755
        return None
    read = resolve_plain(typed)
    return typed if type(read) is type(value) and read == value else None


def _as_asked(plan: EditPlan | Problem, in_file: KeyPath, path: KeyPath) -> EditPlan | Problem:
    """The plan under the key the user named (`tags[2]`), where the file calls the same
    value otherwise (`tags: !append [x]`: its item 0): what the TUI's cursor follows."""
    if isinstance(plan, Problem) or in_file == path:
        return plan
    described = plan.description.replace(format_path(in_file), format_path(path), 1)
    return dataclasses.replace(plan, path=path, description=described)


def _masked(plan: EditPlan | Problem, resolution: Resolution, path: KeyPath) -> EditPlan | Problem:
    """One reveal policy: a value secret by its key's name is not echoed back."""
    if isinstance(plan, Problem) or not resolution.secret_keys.on_path(path):
        return plan
    if "= <encrypted> in" in plan.description:
        return plan
    masked = f"set {format_path(path)} = <secret> in {plan.display}:{plan.line}"
    return dataclasses.replace(plan, description=masked)


def _noted(plan: EditPlan | Problem, notes: tuple[str, ...]) -> EditPlan | Problem:
    if isinstance(plan, Problem) or not notes:
        return plan
    return dataclasses.replace(plan, notes=plan.notes + notes)


def prepare_unset(
    config: ConfigSet,
    resolution: Resolution,
    key: str,
    *,
    layer: str | None = None,
    directive: bool = False,
    identities: Identities | None = None,
) -> EditPlan | Problem:
    """Plan taking `key`'s definition out of a layer, or writing `key: !unset` there."""
    path = key_path(resolution, key, layer)
    if layer is None and resolution.get(path) is None:
        why = removed_by(resolution, path)
        if why is not None:
            return refusal(f"already out of the merged config: {why}", path)
        return refusal("not in the merged config, so no layer defines it", path)
    target = choose_layer(resolution, path, layer)
    if isinstance(target, Problem):
        return target
    asked, path = path, own_path(resolution, path, target)  # !append: merged [2], own [0]
    refused = _duplicate(resolution, path, target) or (
        _sops_directive(target, path) if directive else None
    )
    if refused is not None:
        return refused
    if target.sops is not None:
        return _checked(_as_asked(plan_sops_remove(target, path, identities), path, asked), target)
    planner = plan_unset_directive if directive else plan_remove
    plan = planner(
        target.path,
        target.display,
        path,
        layer=target.name,
        loaded=target,
        document=target.document,
    )
    return _checked(_as_asked(plan, path, asked), target)
