"""Turning engine answers into text for people, scripts and CI."""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Sequence
from typing import Any

from core.compare import Difference
from core.configset import Resolution
from core.history import LineHistory, NodeHistory
from core.merging import Removal, removed_node
from core.model import (
    BEATEN,
    MAPPING,
    MERGED_OVER,
    NOTHING_BEATEN,
    SEQUENCE,
    Encrypted,
    KeyPath,
    Merged,
    Problem,
    format_path,
)
from core.scalars import resolve_plain, yaml11_reading
from core.secrets.layers import SecretState
from core.secrets.policy import Reveal, SecretKeys

_SAFE_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@+-]*(?: [A-Za-z0-9_./@+()-]+)*\Z")


def yaml_scalar(value: Any) -> str:
    """One scalar as YAML 1.2 text that every loader reads back as the same value."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = repr(value)
        if text in ("inf", "-inf", "nan"):
            return {"inf": ".inf", "-inf": "-.inf", "nan": ".nan"}[text]
        return text
    text = str(value)
    if _SAFE_PLAIN.match(text) and resolve_plain(text) == text and yaml11_reading(text) is None:
        return text
    return json.dumps(text, ensure_ascii=False)


def to_yaml(node: Merged, reveal: bool = False, sources: bool = False) -> str:
    """The tree as block YAML in key order, optionally with each value's source."""
    lines: list[str] = []

    def note(item: Merged) -> str:
        return f"  # {item.layer} {item.file}:{item.line}" if sources else ""

    policy = Reveal(reveal)

    def scalar(item: Merged) -> str:
        return yaml_scalar(policy.scalar(item))

    def emit(item: Merged, indent: str) -> None:
        if item.kind == MAPPING:
            for key, child in item.value.items():
                emit_entry(yaml_scalar(key), child, indent)
        elif item.kind == SEQUENCE:
            for child in item.value:
                emit_entry(None, child, indent)

    def emit_entry(key: str | None, child: Merged, indent: str) -> None:
        lead = f"{indent}{key}:" if key is not None else f"{indent}-"
        empty = "{}" if child.kind == MAPPING else "[]"
        if child.kind in (MAPPING, SEQUENCE) and child.value and key is None and not sources:
            # A list item that is a collection starts on the dash line: `- host: a`.
            first = len(lines)
            emit(child, indent + "  ")
            lines[first] = f"{indent}- {lines[first][len(indent) + 2 :]}"
        elif child.kind in (MAPPING, SEQUENCE) and child.value:
            lines.append(lead + note(child))
            emit(child, indent + "  ")
        elif child.kind in (MAPPING, SEQUENCE):
            lines.append(f"{lead} {empty}{note(child)}")
        else:
            lines.append(f"{lead} {scalar(child)}{note(child)}")

    emit(node, "")
    return "\n".join(lines) + "\n" if lines else "{}\n"


_NON_FINITE = {"inf": ".inf", "-inf": "-.inf", "nan": ".nan"}


def json_text(data: Any) -> tuple[str, list[str]]:
    """`data` as JSON, and the paths of the values JSON cannot hold.

    JSON has no infinity or NaN (Python would write the invalid ``Infinity``): those
    floats become the strings ".inf", "-.inf" and ".nan", as YAML writes them.
    """
    odd: list[str] = []

    def finite(value: Any, path: KeyPath) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            odd.append(f"{format_path(path) or '(top)'} ({_NON_FINITE[repr(value)]})")
            return _NON_FINITE[repr(value)]
        if isinstance(value, dict):
            return {k: finite(v, (*path, str(k))) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [finite(v, (*path, i)) for i, v in enumerate(value)]
        return value

    safe = finite(data, ())
    return json.dumps(safe, indent=2, default=str, allow_nan=False), odd


def non_finite_warning(paths: Sequence[str]) -> str:
    shown_paths = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    return (
        f"warning: JSON has no infinity or NaN; written as strings as YAML spells them:"
        f" {shown_paths}"
    )


def to_json(resolution: Resolution, reveal: bool = False, sources: bool = False) -> str:
    return json_text(json_data(resolution, reveal, sources))[0]


def json_data(resolution: Resolution, reveal: bool = False, sources: bool = False) -> Any:
    if not sources:
        return resolution.plain(reveal)
    return [
        {"path": format_path(path), **source_dict(node, reveal)}
        for path, node in resolution.root.walk()
        if node.kind not in (MAPPING, SEQUENCE) or not node.value
    ]


def to_env(resolution: Resolution, reveal: bool = False, sources: bool = False) -> str:
    """``SECTION__KEY=value`` lines, as Dynaconf and docker-compose read them."""
    lines: list[str] = []
    for path, node in resolution.root.walk():
        if node.kind == MAPPING and node.value:
            continue
        name = "__".join(str(k) for k in path).upper().replace("-", "_").replace(".", "_")
        value = Reveal(reveal).plain(node)
        if isinstance(value, dict | list):
            text = json.dumps(value, default=str)
        elif value is None:
            text = ""
        elif value is True or value is False:
            text = "true" if value else "false"
        else:
            text = str(value)
        suffix = f"  # {node.layer} {node.file}:{node.line}" if sources else ""
        lines.append(f"{name}={shlex.quote(text)}{suffix}")
    return "\n".join(lines) + ("\n" if lines else "")


def source_dict(node: Merged, reveal: bool = False) -> dict[str, Any]:
    return {
        "value": Reveal(reveal).plain(node),
        "layer": node.layer,
        "file": node.file,
        "line": node.line,
        "column": node.column,
    }


def type_name(value: Any) -> str:
    if isinstance(value, Encrypted):
        return f"encrypted {value.type}"
    return {
        type(None): "null",
        bool: "bool",
        int: "int",
        float: "float",
        str: "string",
        dict: "mapping",
        list: "list",
    }.get(type(value), type(value).__name__)


def why_json(
    path: KeyPath,
    node: Merged,
    reveal: bool = False,
    history: NodeHistory | None = None,
    secret: SecretState | None = None,
) -> dict[str, Any]:
    policy = Reveal(reveal)
    beaten = history.beaten if history is not None else (None,) * len(node.overridden)
    return {
        "path": format_path(path),
        **source_dict(node, reveal),
        "directive": node.directive,
        "encrypted": secret.to_dict() if secret is not None else None,
        "history": _history_dict(history.winner if history is not None else None),
        "overridden": [
            {
                "layer": d.layer,
                "file": d.origin.file,
                "line": d.origin.line,
                "column": d.origin.column,
                "value": policy.value(node, d.value),
                "directive": d.directive,
                "relation": d.relation,
                "history": _history_dict(h),
            }
            for d, h in zip(node.overridden, beaten, strict=True)
        ],
        "interpolation": [
            {
                "variable": r.name,
                "value": policy.value(node, r.value),
                "used_default": r.used_default,
            }
            for r in node.trace or ()
        ],
    }


def _history_dict(history: LineHistory | None) -> dict[str, Any] | None:
    return history.to_dict() if history is not None else None


def why_text(
    path: KeyPath,
    node: Merged,
    problems: Sequence[Problem],
    reveal: bool,
    history: NodeHistory | None = None,
    secret: SecretState | None = None,
) -> str:
    policy = Reveal(reveal)
    value = policy.plain(node)
    head = f"{format_path(path)} = {compact(value)}  ({type_name(node.plain())})"
    lines = [head, f"  from     {node.layer}  {node.file}:{node.line}:{node.column}"]
    if secret is not None:
        lines.append(f"  secret   {secret.text}")
    if history is not None and history.winner is not None:
        lines.append(f"  changed  {history.winner}")
    changed = history.by_origin(node) if history is not None else {}
    if node.directive:
        lines.append(f"  directive {node.directive}")
    raw = node.node.value
    if node.trace is not None or (isinstance(raw, str) and raw != node.value):
        lines.append(f"  written  {compact(raw)}")
    for read in node.trace or ():
        state = "unset" if read.value is None else compact(policy.value(node, read.value))
        used = "  → default used" if read.used_default else ""
        lines.append(f"  reads    ${{{read.name}}} = {state}{used}")
    for relation, definitions in ((MERGED_OVER, node.merged_over), (BEATEN, node.beaten)):
        if definitions:
            lines.append(f"  {relation}")
            width = max(10, *(len(d.layer) for d in definitions))
            for d in reversed(definitions):
                shown = compact(policy.value(node, d.value))
                lines.append(f"    {d.layer:<{width}} {d.origin}  {shown}")
                if changed.get(d.origin) is not None:
                    lines.append(f"    {'':<{width}} changed {changed[d.origin]}")
    if not node.overridden:
        lines.append(f"  {BEATEN:<8} {NOTHING_BEATEN}")
    for problem in problems:
        lines.append(f"  {problem.severity}  {problem.message}")
    return "\n".join(lines) + "\n"


def removal_text(
    path: KeyPath, removed_at: KeyPath, removal: Removal, reveal: bool, names: SecretKeys
) -> str:
    """Why `path` is missing: `removal` took it out (or its ancestor at `removed_at`)."""
    where = f"layer {removal.layer} removed it with !unset at {removal.origin}"
    if removed_at != path:
        where = f"its parent {format_path(removed_at)} was removed by layer {removal.layer}"
        where += f" with !unset at {removal.origin}"
    lines = [f"{format_path(path)} is not in the merged config: {where}."]
    before = removed_node(removal, removed_at, path)
    if before is not None:
        value = Reveal(reveal).by_name(before, path, names)
        origin = f"{before.file}:{before.line}:{before.column}"
        lines.append(f"  it was  {compact(value)}  from {before.layer} {origin}")
    elif removed_at != path:
        lines.append(f"  and {format_path(removed_at)} held no such key before it was removed")
    else:
        d = removal.removed
        value = Reveal(reveal).masked(d.value, secret=names.on_path(path), sealed=d.node.sealed)
        lines.append(f"  it was  {compact(value)}  from {d.layer} {d.origin}")
    return "\n".join(lines) + "\n"


def removal_json(
    path: KeyPath, removed_at: KeyPath, removal: Removal, reveal: bool, names: SecretKeys
) -> dict[str, Any]:
    """The JSON answer of `why` for a key an `!unset` took out: no value, and why."""
    before = removed_node(removal, removed_at, path)
    origin = removal.origin
    return {
        "path": format_path(path),
        "value": None,
        "removed": {
            "path": format_path(removed_at),
            "layer": removal.layer,
            "file": origin.file,
            "line": origin.line,
            "column": origin.column,
        },
        "was": None
        if before is None
        else {
            "value": Reveal(reveal).by_name(before, path, names),
            "layer": before.layer,
            "file": before.file,
            "line": before.line,
            "column": before.column,
        },
    }


def compact(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def github_annotation(problem: Problem) -> str:
    kind = "error" if problem.severity == "error" else "warning"
    props = []
    if problem.file:
        props.append(f"file={_gh_property(problem.file)}")
    if problem.line:
        props.append(f"line={problem.line}")
    if problem.column:
        props.append(f"col={problem.column}")
    props.append(f"title={_gh_property(problem.code or kind)}")
    message = f"{problem.path}: {problem.message}" if problem.path else problem.message
    return f"::{kind} {','.join(props)}::{_gh_data(message)}"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def layers_text(resolution: Resolution) -> str:
    """Every layer in the order they apply: lowest first, a priority tie in file order."""

    def where(name: str, file: str) -> str:
        layer = resolution.layer(name)
        return layer.where if layer is not None else file

    places = [where(v.layer, v.file) for v in resolution.verdicts]
    name_width = max((len(v.layer) for v in resolution.verdicts), default=5) + 2
    file_width = max((len(place) for place in places), default=4) + 2
    lines = []
    for verdict, place in zip(resolution.verdicts, places, strict=True):
        layer = resolution.layer(verdict.layer)
        mark = "●" if verdict.active else "○"
        lines.append(
            f"{mark} {verdict.priority:>4}  {verdict.layer:<{name_width}}"
            f"{place:<{file_width}}{verdict.summary}"
        )
        if layer is not None and layer.description:
            lines.append(f"{'':8}{layer.description}")
    if resolution.context.changes:
        lines.append("context differs from the shell: " + "; ".join(resolution.context.changes))
    return "\n".join(lines) + "\n"


def diff_text(differences: Sequence[Difference], names: tuple[str, str], reveal: bool) -> str:
    if not differences:
        return f"no differences between {names[0]} and {names[1]}\n"
    width = max(len(n) for n in names) + 2
    lines = []
    for diff in differences:
        lines.append(diff.dotted)
        for name, s in zip(names, diff.sides, strict=True):
            if s.present:
                value = compact(s.shown(reveal), 40)
                lines.append(f"  {name:<{width}}{value:<42}{s.layer} {s.location}")
            else:
                lines.append(f"  {name:<{width}}(absent)")
    return "\n".join(lines) + "\n"
