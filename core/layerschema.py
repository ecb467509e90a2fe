"""JSON Schemas for editors: the set's model as it is, and as a layer file may hold it.

A layer is partial: it sets a few keys and inherits the rest, so in a layer file no key
is required. It may also write what only the merge resolves: `${VAR}` interpolation and
sops `ENC[...]` values in a field of any type, `!unset` (a null to an editor), a
`_metadata` block and, in an encrypted file, sops's own `sops` block. The layer variant
accepts all of that and still checks every key name, type and constraint it can.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from core.metadata import METADATA_KEY

DRAFT = "https://json-schema.org/draft/2020-12/schema"
RESOLVED_LATER = "ConfscopeResolvedLater"

_CHOICE = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
}

METADATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "confscope: this layer's name, priority and the conditions that switch it on",
    "properties": {
        "name": {"type": "string", "description": "the layer's name (default: the file stem)"},
        "priority": {"type": "integer", "description": "higher wins; the base is lowest"},
        "description": {"type": "string", "description": "what this layer is for"},
        "interpolation": {
            "anyOf": [{"type": "boolean"}, {"enum": ["sh", "off"]}],
            "description": 'true or "sh" expands ${...} in this layer; false or "off"'
            " keeps it literal (default: the manifest's setting)",
        },
        "conditions": {
            "type": "object",
            "description": "all must hold for the layer to be active",
            "properties": {
                "environment": {**_CHOICE, "description": "the environment is one of these"},
                "override_type": {**_CHOICE, "description": "the override type is one of these"},
                "env": {
                    "type": "object",
                    "description": "process environment variables: present, absent, an"
                    " exact value, or {regex: ...}",
                    "additionalProperties": {
                        "anyOf": [
                            {"type": "string"},
                            {
                                "type": "object",
                                "properties": {"regex": {"type": "string"}},
                                "required": ["regex"],
                                "additionalProperties": False,
                            },
                        ]
                    },
                },
                "platform": {**_CHOICE, "description": "sys.platform starts with one of these"},
                "requires": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "layers that must be active too",
                },
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}

_RESOLVED_LATER_SCHEMA: dict[str, Any] = {
    "description": "resolved by confscope, not by the editor: ${VAR} interpolation, a sops"
    " ENC[...] value, or !unset",
    "anyOf": [
        {"type": "string", "pattern": r"\$\{"},
        {"type": "string", "pattern": r"^ENC\[AES256_GCM,"},
        {"type": "null"},
    ],
}

# Copied onto a wrapped property, so an editor's hover and completion still show them.
_SHOWN = ("title", "description", "default", "examples", "deprecated")


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema as pydantic writes it, descriptions and constraints kept."""
    return {"$schema": DRAFT, **model.model_json_schema()}


def layer_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The schema of one layer file: nothing required, merge-time values accepted."""
    schema = copy.deepcopy(model.model_json_schema())
    defs = schema.setdefault("$defs", {})
    for name, definition in list(defs.items()):
        defs[name] = _partial(definition)
    root = _partial({k: v for k, v in schema.items() if k != "$defs"})
    defs[RESOLVED_LATER] = _RESOLVED_LATER_SCHEMA
    properties = root.setdefault("properties", {})
    properties[METADATA_KEY] = METADATA_SCHEMA
    properties["sops"] = {
        "type": "object",
        "description": "sops metadata of an encrypted file: written by sops and confscope",
    }
    title = root.get("title", model.__name__)
    return {"$schema": DRAFT, **root, "title": f"{title} (one layer file)", "$defs": defs}


def _partial(schema: Any) -> Any:
    """`schema` with no required keys anywhere, and every value open to merge-time text."""
    if isinstance(schema, list):
        return [_partial(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "required":
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _open(_partial(sub)) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _open(_partial(value))
        else:
            out[key] = _partial(value)
    return out


def _open(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema`, or a value only the merge resolves."""
    wrapped: dict[str, Any] = {
        "anyOf": [schema, {"$ref": f"#/$defs/{RESOLVED_LATER}"}],
    }
    for key in _SHOWN:
        if key in schema:
            wrapped[key] = schema[key]
    return wrapped
