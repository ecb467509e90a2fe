"""The schema's word on an edit, before anything is written.

`schema_problem` says whether a value fits the field's type and constraints (a
`${VAR:-x}` template by what it expands to now); `unknown_to_schema` whether the
schema has a place for a key at all; `as_text` turns `5` typed for a text field into
the text "5"; `unchecked` says why no check ran (a schema the set's owner has not
trusted, or one that did not load). `field_type` finds the annotation of a key path.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from core.configset import ConfigSet, Resolution
from core.interpolation import expand
from core.model import KeyPath, format_path


def field_type(model: type[BaseModel], path: KeyPath) -> tuple[Any, type[BaseModel]]:
    """The annotation (with its constraints) the model gives `path` (None if unknown),
    and the model class that declares it (whose config applies)."""
    annotation: Any = model
    owner = model
    for key in path:
        annotation = _through_optional(annotation, key)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(key))
            if field is None:
                field = next((f for f in annotation.model_fields.values() if f.alias == key), None)
            if field is None:
                return None, owner
            owner = annotation
            annotation = field.annotation
            if field.metadata:
                annotation = typing.Annotated[(annotation, *field.metadata)]
            continue
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is dict and len(args) == 2:
            annotation = args[1]
        elif origin in (list, tuple, set) and args and isinstance(key, int):
            annotation = args[0]
        else:
            return None, owner
    return annotation, owner


def unknown_to_schema(model: type[BaseModel], path: KeyPath) -> tuple[str, bool] | None:
    """Where the schema has no place for `path`: a sentence ("the schema allows no key
    'x' in a; did you mean 'y'?") and whether its model forbids other keys; else None."""
    annotation: Any = model
    for depth, key in enumerate(path):
        annotation = _through_optional(annotation, key)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = annotation.model_fields
            names = {*fields, *(f.alias for f in fields.values() if isinstance(f.alias, str))}
            if key not in names:
                where = f"in {format_path(path[:depth])}" if depth else "at the top level"
                close = difflib.get_close_matches(str(key), sorted(names), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                if annotation.model_config.get("extra") == "forbid":
                    return f"the schema allows no key '{key}' {where}{hint}", True
                return (
                    f"the schema does not define '{key}' {where}, so the application"
                    f" probably ignores it{hint}",
                    False,
                )
            field = fields.get(str(key)) or next(f for f in fields.values() if f.alias == key)
            annotation = field.annotation
            continue
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if origin is dict and len(args) == 2:
            annotation = args[1]
        elif origin in (list, tuple, set) and args and isinstance(key, int):
            annotation = args[0]
        else:
            return None
    return None


def _through_optional(annotation: Any, key: Any) -> Any:
    """For `X | None` (or a union holding one model), the member a key can lead into."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        if len(models) == 1:
            return models[0]
        if len(members) == 1:
            return members[0]
    return annotation


def schema_problem(
    config: ConfigSet, resolution: Resolution, path: KeyPath, value: Any
) -> str | None:
    """The schema's message if `value` does not fit the field at `path`; None if it does."""
    manifest = resolution.manifest
    if not manifest.schema:
        return None
    model, _problems = config.schema(manifest)
    if model is None:
        return None
    annotation, owner = field_type(model, path)
    if annotation is None:
        return None
    if isinstance(value, str) and "$" in value:
        expanded = expand(value, resolution.context.env)
        if expanded.error is not None:
            return None  # the template is kept; validation reports the variable
        value = expanded.value
    settings = ConfigDict(**owner.model_config)
    settings.pop("extra", None)
    settings.pop("title", None)
    try:
        try:
            adapter: TypeAdapter[Any] = TypeAdapter(annotation, config=settings)
        except Exception:  # a model type carries its own config
            adapter = TypeAdapter(annotation)
        adapter.validate_python(value)
    except ValidationError as error:
        first = error.errors()[0]
        return str(first.get("msg", error))
    except Exception:  # an annotation pydantic cannot build alone: leave it to validate
        return None
    return None


def unchecked(config: ConfigSet, resolution: Resolution) -> str | None:
    """Why the schema could not check a value (not trusted, not loadable); None if it did."""
    manifest = resolution.manifest
    if not manifest.schema:
        return None
    model, problems = config.schema(manifest)
    if model is not None:
        return None
    reason = next((p for p in problems if p.code == "untrusted-schema"), None)
    if reason is not None:
        return (
            f"the value was not checked against the schema {manifest.schema}: the set is not"
            " trusted (run 'confscope trust' to trust it, or pass --trust for one run)"
        )
    return f"the value was not checked against the schema {manifest.schema}: it did not load"


def unknown_key(
    config: ConfigSet, resolution: Resolution, path: KeyPath
) -> tuple[str, bool] | None:
    """A key the edit would create where the schema has no place for it (the unknown-key
    lint's finding, before the write): its sentence and whether the model forbids it."""
    manifest = resolution.manifest
    if not manifest.schema or not path or path[0] == "_metadata" or resolution.get(path):
        return None
    model, _problems = config.schema(manifest)
    return None if model is None else unknown_to_schema(model, path)


def as_text(
    config: ConfigSet, resolution: Resolution, path: KeyPath, value: Any, text: str
) -> str | None:
    """The typed text itself, when the schema wants text there and takes it: `5` or
    `1.10` typed for a string field is that string (written quoted), not a number."""
    if value is None or isinstance(value, str):
        return None
    stripped = text.strip()
    if schema_problem(config, resolution, path, stripped) is None:
        return stripped
    return None
