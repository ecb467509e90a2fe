"""The keys of a parsed manifest (`confscope.toml`), one reader each.

Each reader takes the parsed TOML table and returns the key's value, or the default
when the key is missing or wrong; a mistake becomes a `Problem` (code ``manifest``)
at the line of its key. `core.manifest` finds, reads and parses the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.model import Problem, Severity
from core.patterns import compile_user_regex
from core.secrets.policy import DEFAULT_SECRET_KEYS
from core.words import describe, did_you_mean

__all__ = [
    "CONTEXT_KEYS",
    "INTERPOLATION_MODES",
    "KNOWN_KEYS",
    "KeyReader",
    "ManifestKeys",
    "read_keys",
]

CONTEXT_KEYS = ("environment", "override_type")
KNOWN_KEYS = ("base", "overrides", "schema", "secret_keys", "interpolation", "context")
# `interpolation`: "sh" expands ${...} as POSIX sh does; "off" keeps every value literal.
INTERPOLATION_MODES = ("sh", "off")


class KeyReader:
    """Collects problems about one manifest, each at the line of its key when known."""

    def __init__(self, text: str, display: str) -> None:
        self.lines = text.splitlines()
        self.display = display
        self.problems: list[Problem] = []

    def add(
        self, severity: Severity, message: str, key: str = "", table: str | None = None
    ) -> None:
        line = self.key_line(key, table) if key else None
        self.problems.append(
            Problem(
                severity=severity,
                message=message,
                path=f"{table}.{key}" if table else key,
                file=self.display,
                line=line,
                column=1 if line else None,
                layer=None,
                code="manifest",
            )
        )

    def wrong_type(self, key: str, wanted: str, value: Any, consequence: str = "") -> None:
        """`key` holds `value`, which is not `wanted` ("a list of file names")."""
        shown = describe(value, mapping="a table")
        self.add("error", f"'{key}' must be {wanted}, not {shown}{consequence}", key)

    def key_line(self, key: str, table: str | None = None) -> int | None:
        """The 1-based line defining `key` (top level or in `[table]`), if found."""
        quoted = re.escape(key)
        plain = re.compile(rf"""^\s*(?:{quoted}|"{quoted}"|'{quoted}')\s*=""")
        header = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]")
        current: str | None = None
        for number, line in enumerate(self.lines, 1):
            found = header.match(line)
            if found:
                current = found.group(1).strip("\"'")
                continue
            if current == table and plain.match(line):
                return number
            if table is not None and current is None:
                dotted = re.compile(rf"""^\s*{re.escape(table)}\s*\.\s*{quoted}\s*=""")
                if dotted.match(line):
                    return number
        if table is not None:
            for number, line in enumerate(self.lines, 1):
                found = header.match(line)
                if found and found.group(1).strip("\"'") == table:
                    return number
        return None


@dataclass(frozen=True, slots=True)
class ManifestKeys:
    """What the manifest's keys say; None for a file list means "use the default"."""

    base: tuple[str, ...] | None
    overrides: tuple[str, ...] | None
    schema: str | None
    secret_keys: str
    interpolation: str
    context: Mapping[str, str] = field(default_factory=dict)


def read_keys(data: Mapping[str, Any], reader: KeyReader) -> ManifestKeys:
    """Every key of the parsed manifest `data`, its problems recorded in `reader`."""
    report_unknown_keys(data, reader)
    return ManifestKeys(
        base=read_file_list(data, "base", reader),
        overrides=read_file_list(data, "overrides", reader),
        schema=read_schema(data, reader),
        secret_keys=read_secret_keys(data, reader),
        interpolation=read_interpolation(data, reader),
        context=read_context(data, reader),
    )


def report_unknown_keys(data: Mapping[str, Any], reader: KeyReader) -> None:
    for key in data:
        if key not in KNOWN_KEYS:
            reader.add(
                "error",
                f"unknown manifest key '{key}'{did_you_mean(key, KNOWN_KEYS)}; it is ignored",
                key,
            )


def read_file_list(data: Mapping[str, Any], key: str, reader: KeyReader) -> tuple[str, ...] | None:
    """A list of strings (a single string is taken as a list of one)."""
    if key not in data:
        return None
    value = data[key]
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        bad = [item for item in value if "\x00" in item]
        if bad:
            reader.add(
                "error",
                f"'{key}' holds a name with a NUL byte ({bad[0]!r}); it is ignored",
                key,
            )
        return tuple(item for item in value if "\x00" not in item)
    if isinstance(value, list):
        bad = next(item for item in value if not isinstance(item, str))
        reader.add(
            "error",
            f"'{key}' must list file names as strings, but it holds "
            f"{describe(bad, mapping='a table')};"
            " the default is used",
            key,
        )
    else:
        reader.wrong_type(key, "a list of file names", value, "; the default is used")
    return None


def read_schema(data: Mapping[str, Any], reader: KeyReader) -> str | None:
    """`schema = "file.py:Class"` (or `module:Class`); None when absent or wrong."""
    if "schema" not in data:
        return None
    value = data["schema"]
    if not isinstance(value, str):
        reader.wrong_type("schema", "a string like 'schema.py:AppConfig'", value)
        return None
    target, colon, name = value.rpartition(":")
    if "\x00" in value:
        reader.add("error", "'schema' contains a NUL byte; no schema is used", "schema")
        return None
    if not colon or not target.strip() or not name.strip().isidentifier():
        reader.add(
            "error",
            f"'schema' must name a file or module and a class, like"
            f" 'schema.py:AppConfig', not {value!r}",
            "schema",
        )
        return None
    return value


def read_secret_keys(data: Mapping[str, Any], reader: KeyReader) -> str:
    """The secret-key pattern, kept only if RE2 compiles it."""
    if "secret_keys" not in data:
        return DEFAULT_SECRET_KEYS
    value = data["secret_keys"]
    if not isinstance(value, str):
        wanted = "a regular expression string"
        reader.wrong_type("secret_keys", wanted, value, "; the default is used")
        return DEFAULT_SECRET_KEYS
    _pattern, regex_problem = compile_user_regex(value)
    if regex_problem is not None:
        reader.add("error", f"'secret_keys' {regex_problem}; the default is used", "secret_keys")
        return DEFAULT_SECRET_KEYS
    return value


def read_interpolation(data: Mapping[str, Any], reader: KeyReader) -> str:
    """One of `INTERPOLATION_MODES`; "sh" when absent or wrong."""
    if "interpolation" not in data:
        return "sh"
    value = data["interpolation"]
    if value in INTERPOLATION_MODES:
        return str(value)
    shown = repr(value) if isinstance(value, str) else describe(value, mapping="a table")
    reader.add(
        "error",
        f'\'interpolation\' must be "sh" or "off", not {shown}; "sh" is used',
        "interpolation",
    )
    return "sh"


def read_context(data: Mapping[str, Any], reader: KeyReader) -> dict[str, str]:
    """The `[context]` table's defaults; a wrong entry is left out."""
    context: dict[str, str] = {}
    if "context" not in data:
        return context
    table = data["context"]
    if not isinstance(table, dict):
        reader.wrong_type("context", "a table of names and values", table)
        return context
    for key, value in table.items():
        if key not in CONTEXT_KEYS:
            reader.add(
                "error",
                f"unknown context key '{key}'{did_you_mean(key, CONTEXT_KEYS)};"
                f" the context has {' and '.join(CONTEXT_KEYS)}",
                key,
                "context",
            )
        elif not isinstance(value, str) or not value:
            shown = "an empty string" if value == "" else describe(value, mapping="a table")
            reader.add(
                "error",
                f"context '{key}' must be a non-empty string, not {shown}",
                key,
                "context",
            )
        else:
            context[key] = value
    return context
