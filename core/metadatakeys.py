"""The keys of a layer's `_metadata`, one reader each, and the conditions among them.

Each reader takes the key's node (None when the key is absent) and returns its value,
or the default when it is wrong; a mistake becomes a `Problem` (code ``activation``)
at the node. Conditions that cannot be read are recorded under `INVALID`.
"""

from __future__ import annotations

from typing import Any

from core.model import MAPPING, METADATA_KEY, SCALAR, SEQUENCE, Node, Problem
from core.patterns import compile_user_regex
from core.words import describe, did_you_mean

METADATA_KEYS = ("name", "priority", "description", "conditions", "interpolation")
CONDITION_KEYS = ("environment", "override_type", "env", "platform", "requires")
DEFAULT_PRIORITY = 10
BASE_PRIORITY = 0
# Key of `LayerFile.conditions` listing conditions that could not be read: each makes
# the layer inactive. It cannot clash with a condition name.
INVALID = "invalid"


def scalar_text(node: Node) -> str | None:
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


class MetadataReader:
    """Collects problems about one layer's `_metadata`, each at its node."""

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
            text = scalar_text(item)
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
        text = scalar_text(node)
        if text is not None:
            return text
        if node.kind == MAPPING and set(node.value) == {"regex"}:
            pattern_node = node.value["regex"]
            pattern = scalar_text(pattern_node)
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


def read_entries(metadata: Node | None, reader: MetadataReader) -> dict[str, Node]:
    """The `_metadata` mapping's entries; none when it is absent, empty or not a mapping."""
    if metadata is None or (metadata.kind == SCALAR and metadata.value is None):
        return {}
    if metadata.kind != MAPPING:
        reader.report(
            "error",
            f"{METADATA_KEY} must be a mapping of {', '.join(METADATA_KEYS)},"
            f" not {describe(metadata.value, metadata.raw)}",
            metadata,
            METADATA_KEY,
        )
        return {}
    entries: dict[str, Node] = metadata.value
    return entries


def read_name(node: Node | None, stem: str, reader: MetadataReader) -> str | None:
    """The name the layer declares; None (the file `stem` is used) when absent or wrong."""
    if node is None:
        return None
    text = scalar_text(node)
    if text is not None and text.strip():
        return text.strip()
    shown = "an empty string" if text is not None else describe(node.value, node.raw)
    reader.report(
        "error",
        f"the layer name must be a non-empty string, not {shown}; the file stem '{stem}' is used",
        node,
        f"{METADATA_KEY}.name",
    )
    return None


def report_unknown_keys(entries: dict[str, Node], reader: MetadataReader) -> None:
    for key, node in entries.items():
        if key not in METADATA_KEYS:
            reader.report(
                "error",
                f"unknown metadata key '{key}'{did_you_mean(key, METADATA_KEYS)};"
                f" the keys are {', '.join(METADATA_KEYS)}",
                node,
                f"{METADATA_KEY}.{key}",
            )


def read_priority(node: Node | None, is_base: bool, reader: MetadataReader) -> int:
    """An override's priority (a whole number); a base file's is ignored."""
    default = BASE_PRIORITY if is_base else DEFAULT_PRIORITY
    if node is None:
        return default
    value = node.value
    if is_base:
        reader.report(
            "warning",
            "a priority on a base file is ignored: base files always sit below"
            " every override, in the order the manifest lists them",
            node,
            f"{METADATA_KEY}.priority",
        )
        return default
    if node.kind == SCALAR and isinstance(value, int) and not isinstance(value, bool):
        return value
    reader.report(
        "error",
        f"priority must be a whole number, not {describe(node.value, node.raw)};"
        f" the default {DEFAULT_PRIORITY} is used",
        node,
        f"{METADATA_KEY}.priority",
    )
    return default


def read_description(node: Node | None, reader: MetadataReader) -> str:
    """The description as text, stripped; "" when absent, empty or wrong."""
    if node is None:
        return ""
    text = scalar_text(node)
    if text is not None:
        return text.strip()
    if not (node.kind == SCALAR and node.value is None):
        reader.report(
            "error",
            f"description must be text, not {describe(node.value, node.raw)}",
            node,
            f"{METADATA_KEY}.description",
        )
    return ""


def read_interpolation(node: Node | None, reader: MetadataReader) -> bool | None:
    """`_metadata.interpolation`: true or "sh" expands ``${...}``, false or "off" keeps it;
    None (the manifest's setting) when absent or wrong."""
    if node is None:
        return None
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


def read_conditions(node: Node | None, is_base: bool, reader: MetadataReader) -> dict[str, Any]:
    """An override's conditions; a base file's are ignored."""
    if node is None:
        return {}
    if not is_base:
        return reader.conditions(node)
    if not (node.kind == SCALAR and node.value is None):
        reader.report(
            "warning",
            "conditions on a base file are ignored: base files are always active",
            node,
            f"{METADATA_KEY}.conditions",
        )
    return {}
