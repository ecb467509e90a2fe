"""Walking a pydantic model beside the merged data: unknown keys, and words for errors.

Kept apart from `validation` so that module reads as the check itself.
"""

from __future__ import annotations

import difflib
import inspect
import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, Literal

from pydantic import BaseModel, RootModel

from core import words
from core.model import (
    MAPPING,
    SCALAR,
    SEQUENCE,
    Encrypted,
    KeyPath,
    Merged,
)

_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")

# --- walking the model beside the data -------------------------------------------

_Unknown = tuple[KeyPath, Merged, list[str], bool]


def _unwrap(annotation: Any) -> Any:
    for _ in range(32):
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif type(annotation).__name__ == "TypeAliasType":
            annotation = getattr(annotation, "__value__", None)
        else:
            break
    return annotation


def _is_model(annotation: Any) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, BaseModel)


def _container(annotation: Any) -> str | None:
    """'mapping' or 'sequence' for a generic container annotation, else None."""
    origin = typing.get_origin(annotation)
    if not inspect.isclass(origin) or issubclass(origin, (str, bytes)):
        return None
    if issubclass(origin, Mapping):
        return "mapping"
    if issubclass(origin, (Sequence, AbstractSet)):
        return "sequence"
    return None


def _field_names(model: type[BaseModel]) -> dict[str, Any]:
    """Every key the model accepts (names and aliases, as configured) → its annotation."""
    config = model.model_config
    by_name = bool(config.get("populate_by_name") or config.get("validate_by_name"))
    by_alias = config.get("validate_by_alias", True) is not False
    names: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        aliases: list[str] = []
        candidates: list[Any] = [field.alias, field.validation_alias]
        choices = getattr(field.validation_alias, "choices", None)
        if isinstance(choices, list):
            candidates.extend(choices)
        for alias in candidates:
            steps = getattr(alias, "path", None)
            if isinstance(steps, list) and steps:
                alias = steps[0]
            if isinstance(alias, str) and alias not in aliases:
                aliases.append(alias)
        if not aliases or by_name or not by_alias:
            names[name] = field.annotation
        if by_alias:
            for alias in aliases:
                names[alias] = field.annotation
    return names


def walk_type(annotation: Any, node: Merged, path: KeyPath) -> Iterator[_Unknown]:
    """Every key in the data that the model at this point does not define."""
    annotation = _unwrap(annotation)
    if _is_model(annotation):
        yield from _walk_model(annotation, node, path)
        return
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        branch = _pick_branch(args, node)
        if branch is not None:
            yield from walk_type(branch, node, path)
        return
    shape = _container(annotation)
    if shape == "mapping" and node.kind == MAPPING and len(args) == 2:
        for key, child in node.value.items():
            yield from walk_type(args[1], child, path + (key,))
    elif shape == "sequence" and node.kind == SEQUENCE and args:
        fixed = typing.get_origin(annotation) is tuple and not (len(args) == 2 and args[1] is ...)
        for i, child in enumerate(node.value):
            if fixed and i >= len(args):
                break
            yield from walk_type(args[i] if fixed else args[0], child, path + (i,))


def _walk_model(model: type[BaseModel], node: Merged, path: KeyPath) -> Iterator[_Unknown]:
    if issubclass(model, RootModel):
        field = model.model_fields.get("root")
        if field is not None:
            yield from walk_type(field.annotation, node, path)
        return
    if node.kind != MAPPING or not isinstance(node.value, dict):
        return
    names = _field_names(model)
    forbidden = model.model_config.get("extra") == "forbid"
    for key, child in node.value.items():
        if key in names:
            yield from walk_type(names[key], child, path + (key,))
        else:
            yield path + (key,), child, list(names), forbidden


def _pick_branch(branches: tuple[Any, ...], node: Merged) -> Any:
    """The union member the data was meant for, judged by its shape and keys."""
    options: list[Any] = []
    pending = list(branches)
    while pending and len(options) < 256:
        option = _unwrap(pending.pop(0))
        if typing.get_origin(option) in (typing.Union, types.UnionType):
            pending[:0] = typing.get_args(option)  # a union nested in an Annotated
        else:
            options.append(option)
    models = [option for option in options if _is_model(option)]
    if node.kind == MAPPING and isinstance(node.value, dict):
        if models:
            return max(models, key=lambda model: _fit(model, node.value))
        return next((o for o in options if _container(o) == "mapping"), None)
    if node.kind == SEQUENCE:
        found = next((o for o in options if _container(o) == "sequence"), None)
        if found is None:
            found = next((m for m in models if issubclass(m, RootModel)), None)
        return found
    return None


def _fit(model: type[BaseModel], data: dict[str, Merged]) -> int:
    """How many keys of ``data`` the model knows; -1 when a Literal key rules it out."""
    names = _field_names(model)
    for key, annotation in names.items():
        annotation = _unwrap(annotation)
        child = data.get(key)
        if (
            typing.get_origin(annotation) is Literal
            and child is not None
            and (child.kind != SCALAR or child.value not in typing.get_args(annotation))
        ):
            return -1  # a discriminator that names another branch
    return len(set(data) & set(names))


# --- words ---------------------------------------------------------------------


def plural(count: Any, word: str) -> str:
    many = "entries" if word == "entry" else word + "s"
    return f"{count} {word if count == 1 else many}"


# Pydantic's error types for a bound: the sign shown and the `ctx` key holding the bound.
_BOUNDS = {
    "greater_than_equal": ("≥", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("≤", "le"),
    "less_than": ("<", "lt"),
}
# Pydantic's error types for a value of the wrong type, and what the value must be.
_TYPE_WORDS = {
    ("int_type", "int_parsing"): "must be a whole number",
    ("int_from_float",): "must be a whole number, without a fraction",
    ("float_type", "float_parsing"): "must be a number",
    ("bool_type", "bool_parsing"): "must be true or false",
    ("string_type",): "must be a string",
    ("list_type", "tuple_type", "set_type", "frozen_set_type"): "must be a list",
    ("dict_type", "model_type", "model_attributes_type", "dataclass_type"): "must be a mapping",
    ("none_required",): "must be null",
    ("finite_number",): "must be a finite number",
}


def readable(error: Mapping[str, Any]) -> str:
    """Pydantic's message, as the end of ``<key> …``: "must be ≥ 1" and the like."""
    kind = str(error.get("type", ""))
    raw_ctx = error.get("ctx")
    ctx: Mapping[str, Any] = raw_ctx if isinstance(raw_ctx, Mapping) else {}
    msg = str(error.get("msg", "")).strip()
    if kind in _BOUNDS and _BOUNDS[kind][1] in ctx:
        sign, name = _BOUNDS[kind]
        return f"must be {sign} {ctx[name]}"
    if kind in ("string_too_short", "string_too_long") and (
        "min_length" in ctx or "max_length" in ctx
    ):
        least = kind == "string_too_short"
        count = ctx.get("min_length" if least else "max_length")
        return f"must be at {'least' if least else 'most'} {plural(count, 'character')} long"
    if kind in ("too_short", "too_long"):
        least = kind == "too_short"
        count = ctx.get("min_length" if least else "max_length")
        word = "entry" if ctx.get("field_type") == "Dictionary" else "item"
        return f"must have at {'least' if least else 'most'} {plural(count, word)}"
    if kind == "string_pattern_mismatch" and "pattern" in ctx:
        return f"must match the pattern {ctx['pattern']}"
    if kind in ("literal_error", "enum") and "expected" in ctx:
        expected = str(ctx["expected"])
        one_of = "one of " if " or " in expected else ""
        return f"must be {one_of}{expected}"
    if kind == "union_tag_invalid" and "discriminator" in ctx:
        expected = ctx.get("expected_tags", "")
        return f"must have {ctx['discriminator']} set to one of {expected} (got '{ctx.get('tag')}')"
    if kind == "union_tag_not_found" and "discriminator" in ctx:
        return f"must have the key {ctx['discriminator']}, which says which kind it is"
    if kind == "multiple_of" and "multiple_of" in ctx:
        return f"must be a multiple of {ctx['multiple_of']}"
    for kinds, text in _TYPE_WORDS.items():
        if kind in kinds:
            return text
    if kind in ("value_error", "assertion_error"):
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ").strip()
        return msg or "is not valid"
    if msg.startswith("Input should be "):
        return "must be " + msg.removeprefix("Input should be ")
    if kind.startswith("url_") and msg.startswith("URL "):
        return "must be a valid URL: " + msg[4:]
    return (msg[:1].lower() + msg[1:]) if msg else f"is not valid ({kind or 'unknown error'})"


def literal_hint(error: Mapping[str, Any], node: Merged) -> str | None:
    """The allowed value a misspelt one was probably meant to be."""
    ctx = error.get("ctx")
    if error.get("type") not in ("literal_error", "enum") or not isinstance(ctx, Mapping):
        return None
    value = node.value
    if not isinstance(value, str) or isinstance(value, Encrypted):
        return None
    options = _QUOTED.findall(str(ctx.get("expected", "")))
    for option in options:
        if option.lower() == value.lower() and option != value:
            return str(option)
    starting = [o for o in options if value and o.lower().startswith(value.lower())]
    if len(starting) == 1:
        return str(starting[0])  # 'prod' for 'production'
    close = difflib.get_close_matches(value, options, n=1)
    return close[0] if close and close[0] != value else None


def describe(node: Merged) -> str:
    """A merged value for 'got …' in a schema message."""
    return words.describe(node.value, terse=True)
