"""What an editor shows beside its input: the field's schema and each layer's definition.

Both answers are facts of the engine, so the TUI renders them and decides nothing:
`describe_field` words the schema's type and constraints for a key ("integer,
1 ≤ value ≤ 65535"), `definitions` lists each active layer with its own definition
of the key (or none), and `as_written` gives a value back as text that
`prepare_set` reads as the same value (a `${VAR:-x}` template stays a template).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from core.configset import ConfigSet, Resolution
from core.editing.rendering import render_inline
from core.editing.schemafit import field_type
from core.editing.targets import layer_definition
from core.model import SCALAR, Encrypted, KeyPath, LayerFile, Node
from core.scalars import resolve_plain

_JSON_TYPES = {
    "integer": "integer",
    "number": "number",
    "string": "text",
    "boolean": "boolean",
    "null": "null",
    "array": "list",
    "object": "mapping",
}


def describe_field(config: ConfigSet, resolution: Resolution, path: KeyPath) -> str | None:
    """The schema's type and constraints for `path` in words; None without a schema
    or when the schema does not name the field."""
    if not resolution.manifest.schema:
        return None
    model, _problems = config.schema(resolution.manifest)
    if model is None:
        return None
    annotation, _owner = field_type(model, path)
    if annotation is None:
        return None
    try:
        schema = TypeAdapter(annotation).json_schema()
    except Exception:  # an annotation pydantic cannot describe alone: say nothing
        return None
    return _words(schema, schema.get("$defs", {}))


def _words(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    reference = schema.get("$ref")
    if isinstance(reference, str):
        return _words(defs.get(reference.rsplit("/", 1)[-1], {}), defs)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(_words(member, defs) for member in schema[key])
    if "const" in schema:
        return f"exactly {render_inline(schema['const'])}"
    if "enum" in schema:
        return "one of " + ", ".join(render_inline(v) for v in schema["enum"])
    kind = schema.get("type")
    if kind is None and "properties" in schema:
        kind = "object"
    words = _JSON_TYPES.get(str(kind), "any value")
    if kind == "array" and isinstance(schema.get("items"), dict):
        words = f"list of {_words(schema['items'], defs)}"
    return ", ".join([words, *_constraints(schema)])


def _constraints(schema: dict[str, Any]) -> list[str]:
    out: list[str] = []
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    low_sign = "<" if "exclusiveMinimum" in schema else "≤"
    high_sign = "<" if "exclusiveMaximum" in schema else "≤"
    if low is not None and high is not None:
        out.append(f"{low} {low_sign} value {high_sign} {high}")
    elif low is not None:
        out.append(f"value {'>' if low_sign == '<' else '≥'} {low}")
    elif high is not None:
        out.append(f"value {high_sign} {high}")
    for key, noun in (("minLength", "characters"), ("minItems", "items")):
        if key in schema:
            out.append(f"at least {schema[key]} {noun}")
    for key, noun in (("maxLength", "characters"), ("maxItems", "items")):
        if key in schema:
            out.append(f"at most {schema[key]} {noun}")
    if "pattern" in schema:
        out.append(f"matching {schema['pattern']}")
    if "multipleOf" in schema:
        out.append(f"a multiple of {schema['multipleOf']}")
    return out


@dataclass(frozen=True, slots=True)
class LayerDefinition:
    """One active layer and its own definition of a key (`node` None: not defined)."""

    layer: LayerFile
    node: Node | None
    won: bool  # this layer's definition is the one the merged tree shows


def definitions(resolution: Resolution, path: KeyPath) -> list[LayerDefinition]:
    """Each active layer, highest priority first, with its definition of `path`."""
    merged = resolution.get(path)
    winner = merged.layer if merged is not None else None
    rank = {verdict.layer: at for at, verdict in enumerate(resolution.verdicts)}  # merge order
    active = sorted(resolution.active_layers, key=lambda layer: -rank.get(layer.name, -1))
    return [
        LayerDefinition(layer, layer_definition(resolution, path, layer), layer.name == winner)
        for layer in active
    ]


def as_written(node: Node | None) -> str:
    """A scalar's value as text the editor reads back as the same value: `8080` for
    the number, `"8080"` for the text, a template as its template. Empty for a
    mapping, a list, a secret still encrypted, or nothing."""
    if node is None or node.kind != SCALAR or isinstance(node.value, Encrypted):
        return ""
    if node.tag == "!unset":
        return ""
    number = isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if number and node.raw and resolve_plain(node.raw) == node.value:
        return node.raw  # `0o640` as the file writes it, which set keeps, not 416
    try:
        return render_inline(node.value)
    except Exception:  # a value no scalar can hold (never from a parsed file)
        return str(node.value)
