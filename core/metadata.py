"""Reading a layer's `_metadata`: its name, priority, description and conditions.

Conditions that cannot be read (an unknown condition name, a value of the wrong type,
an invalid regex) are reported and recorded under `INVALID`, which makes the layer
inactive: a layer whose conditions cannot be checked never takes part by accident.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.model import MAPPING, METADATA_KEY, SCALAR, SEQUENCE, LayerFile, Node, Origin, Problem
from core.patterns import compile_user_regex
from core.words import describe, did_you_mean

METADATA_KEYS = ("name", "priority", "description", "conditions", "interpolation")
CONDITION_KEYS = ("environment", "override_type", "env", "platform", "requires")
DEFAULT_PRIORITY = 10
BASE_PRIORITY = 0
# Key of `LayerFile.conditions` listing conditions that could not be read: each makes
# the layer inactive. It cannot clash with a condition name.
INVALID = "invalid"


# --- reading metadata ----------------------------------------------------------


def _scalar_text(node: Node) -> str | None:
    """A scalar as the text a person wrote: strings as they are, `30` as "30"."""
    if node.kind != SCALAR:
        return None
    value = node.value
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        if node.raw is not None:
            return node.raw
        return str(value).lower() if isinstance(value, bool) else str(value)
    return None


class _MetadataReader:
    def __init__(self, display: str, layer: str) -> None:
        self.display = display
        self.layer = layer
        self.problems: list[Problem] = []

    def report(self, severity: str, message: str, node: Node, path: str) -> None:
        self.problems.append(
            Problem(
                severity="warning" if severity == "warning" else "error",
                message=message,
                path=path,
                file=self.display,
                line=node.line,
                column=node.column,
                layer=self.layer,
                code="activation",
            )
        )

    def names(self, node: Node, key: str) -> list[str] | None:
        """A name or a list of names; None (after a problem) when it is neither."""
        path = f"{METADATA_KEY}.conditions.{key}"
        items = node.value if node.kind == SEQUENCE else [node]
        if node.kind == SEQUENCE and not items:
            self.report(
                "error", f"condition '{key}' is an empty list: nothing can match", node, path
            )
            return None
        out: list[str] = []
        for index, item in enumerate(items):
            text = _scalar_text(item)
            if text is None or not text:
                where = path if node.kind != SEQUENCE else f"{path}[{index}]"
                shown = "an empty string" if text == "" else describe(item.value, item.raw)
                self.report(
                    "error",
                    f"condition '{key}' must be a name or a list of names, not {shown}",
                    item,
                    where,
                )
                return None
            out.append(text)
        return out

    def env_spec(self, name: str, node: Node) -> str | dict[str, str] | None:
        path = f"{METADATA_KEY}.conditions.env.{name}"
        text = _scalar_text(node)
        if text is not None:
            return text
        if node.kind == MAPPING and set(node.value) == {"regex"}:
            pattern_node = node.value["regex"]
            pattern = _scalar_text(pattern_node)
            if pattern is None:
                self.report(
                    "error",
                    f"the regex for {name} must be a string, not "
                    f"{describe(pattern_node.value, pattern_node.raw)}",
                    pattern_node,
                    f"{path}.regex",
                )
                return None
            _compiled, error = compile_user_regex(pattern)
            if error is not None:
                self.report(
                    "error",
                    f"the regex for {name} {error}",
                    pattern_node,
                    f"{path}.regex",
                )
                return None
            return {"regex": pattern}
        if node.kind == MAPPING:
            extra = next((k for k in node.value if k != "regex"), "regex")
            at = node.value.get(extra, node)
            self.report(
                "error",
                f"the condition on {name} may only hold 'regex', not '{extra}'"
                f"{did_you_mean(extra, ['regex'])}",
                at,
                path,
            )
            return None
        self.report(
            "error",
            f"the condition on {name} must be present, absent, an exact value or"
            f" {{regex: ...}}, not {describe(node.value, node.raw)}",
            node,
            path,
        )
        return None

    def conditions(self, node: Node) -> dict[str, Any]:
        path = f"{METADATA_KEY}.conditions"
        if node.kind == SCALAR and node.value is None:
            return {}
        if node.kind != MAPPING:
            self.report(
                "error",
                f"conditions must be a mapping of condition names to values, not"
                f" {describe(node.value, node.raw)}; the layer is inactive",
                node,
                path,
            )
            return {INVALID: ["the conditions are not a mapping"]}
        out: dict[str, Any] = {}
        invalid: list[str] = []
        for key, value in node.value.items():
            if key not in CONDITION_KEYS:
                known = ", ".join(CONDITION_KEYS)
                self.report(
                    "error",
                    f"unknown condition '{key}'{did_you_mean(key, CONDITION_KEYS)};"
                    f" the conditions are {known}",
                    value,
                    f"{path}.{key}",
                )
                invalid.append(f"unknown condition '{key}'")
                continue
            if key == "env":
                specs = self.env_conditions(value)
                if specs is None:
                    invalid.append("condition 'env'")
                else:
                    good, bad = specs
                    if good:
                        out["env"] = good
                    invalid.extend(f"the condition on {name}" for name in bad)
                continue
            names = self.names(value, key)
            if names is None:
                invalid.append(f"condition '{key}'")
            else:
                out[key] = names
        if invalid:
            out[INVALID] = invalid
        return out

    def env_conditions(self, node: Node) -> tuple[dict[str, Any], list[str]] | None:
        path = f"{METADATA_KEY}.conditions.env"
        if node.kind != MAPPING:
            self.report(
                "error",
                f"condition 'env' must map variable names to present, absent, a value or"
                f" {{regex: ...}}, not {describe(node.value, node.raw)}",
                node,
                path,
            )
            return None
        good: dict[str, Any] = {}
        bad: list[str] = []
        for name, spec_node in node.value.items():
            spec = self.env_spec(name, spec_node)
            if spec is None:
                bad.append(name)
            else:
                good[name] = spec
        return good, bad


def metadata_node(root: Node | None, *keys: str) -> Node | None:
    node = root
    for key in (METADATA_KEY, *keys):
        if node is None or node.kind != MAPPING:
            return None
        node = node.value.get(key)
    return node


def layer_file(
    path: Path,
    display: str,
    root: Node | None,
    *,
    is_base: bool,
    order: int,
    document: int = 0,
    line: int = 1,
) -> tuple[LayerFile, list[Problem]]:
    """The layer one parsed file (or one `document` of it) makes, from its `_metadata`.

    `root` is kept whole. The name defaults to the file stem (``stem#N`` for the Nth
    document of a multi-document file). Override priority defaults to
    `DEFAULT_PRIORITY` (10); base files get `BASE_PRIORITY` (0) and always sort below
    every override anyway.
    """
    name = path.stem if document <= 1 else f"{path.stem}#{document}"
    declared = False
    interpolation: bool | None = None
    priority = BASE_PRIORITY if is_base else DEFAULT_PRIORITY
    description = ""
    conditions: dict[str, Any] = {}
    origin: Origin | None = None
    metadata = metadata_node(root)
    reader = _MetadataReader(display, name)

    if metadata is not None:
        origin = Origin(display, metadata.line, metadata.column)
        if metadata.kind == SCALAR and metadata.value is None:
            pass
        elif metadata.kind != MAPPING:
            reader.report(
                "error",
                f"{METADATA_KEY} must be a mapping of {', '.join(METADATA_KEYS)},"
                f" not {describe(metadata.value, metadata.raw)}",
                metadata,
                METADATA_KEY,
            )
        else:
            entries: dict[str, Node] = metadata.value
            name_node = entries.get("name")
            if name_node is not None:
                text = _scalar_text(name_node)
                if text is not None and text.strip():
                    name = text.strip()
                    declared = True
                    reader.layer = name
                else:
                    shown = (
                        "an empty string"
                        if text is not None
                        else describe(name_node.value, name_node.raw)
                    )
                    reader.report(
                        "error",
                        f"the layer name must be a non-empty string, not {shown};"
                        f" the file stem '{name}' is used",
                        name_node,
                        f"{METADATA_KEY}.name",
                    )
            for key, node in entries.items():
                if key not in METADATA_KEYS:
                    reader.report(
                        "error",
                        f"unknown metadata key '{key}'{did_you_mean(key, METADATA_KEYS)};"
                        f" the keys are {', '.join(METADATA_KEYS)}",
                        node,
                        f"{METADATA_KEY}.{key}",
                    )
            priority_node = entries.get("priority")
            if priority_node is not None:
                value = priority_node.value
                if is_base:
                    reader.report(
                        "warning",
                        "a priority on a base file is ignored: base files always sit below"
                        " every override, in the order the manifest lists them",
                        priority_node,
                        f"{METADATA_KEY}.priority",
                    )
                elif (
                    priority_node.kind == SCALAR
                    and isinstance(value, int)
                    and not isinstance(value, bool)
                ):
                    priority = value
                else:
                    reader.report(
                        "error",
                        f"priority must be a whole number, not "
                        f"{describe(priority_node.value, priority_node.raw)};"
                        f" the default {DEFAULT_PRIORITY} is used",
                        priority_node,
                        f"{METADATA_KEY}.priority",
                    )
            description_node = entries.get("description")
            if description_node is not None:
                text = _scalar_text(description_node)
                if text is not None:
                    description = text.strip()
                elif not (description_node.kind == SCALAR and description_node.value is None):
                    reader.report(
                        "error",
                        f"description must be text, not "
                        f"{describe(description_node.value, description_node.raw)}",
                        description_node,
                        f"{METADATA_KEY}.description",
                    )
            switch = entries.get("interpolation")
            if switch is not None:
                interpolation = _interpolation_switch(switch, reader)
            conditions_node = entries.get("conditions")
            if conditions_node is not None:
                if is_base:
                    if not (conditions_node.kind == SCALAR and conditions_node.value is None):
                        reader.report(
                            "warning",
                            "conditions on a base file are ignored: base files are always active",
                            conditions_node,
                            f"{METADATA_KEY}.conditions",
                        )
                else:
                    conditions = reader.conditions(conditions_node)

    layer = LayerFile(
        name,
        path,
        display,
        is_base,
        order,
        priority,
        description,
        conditions,
        origin,
        root,
        document=document,
        line=line,
        declared_name=declared,
        interpolation=interpolation,
    )
    return layer, reader.problems


def _interpolation_switch(node: Node, reader: _MetadataReader) -> bool | None:
    """`_metadata.interpolation`: true or "sh" expands ``${...}``, false or "off" keeps it."""
    value = node.value if node.kind == SCALAR else None
    if isinstance(value, bool):
        return value
    if value in ("sh", "off"):
        return bool(value == "sh")
    reader.report(
        "error",
        f'interpolation must be true or false (or "sh" or "off"), not'
        f" {describe(node.value, node.raw)}; the manifest's setting is used",
        node,
        f"{METADATA_KEY}.interpolation",
    )
    return None


def condition_values(layers: Iterable[LayerFile], condition: str) -> list[str]:
    """Every value some layer's `condition` names (``environment``, ``override_type``),
    in file order."""
    found: list[str] = []
    for layer in layers:
        wanted = layer.conditions.get(condition) if layer.conditions else None
        for name in [wanted] if isinstance(wanted, str) else wanted or []:
            if isinstance(name, str) and name not in found:
                found.append(name)
    return found


def override_types(layers: Iterable[LayerFile]) -> list[str]:
    return condition_values(layers, "override_type")
