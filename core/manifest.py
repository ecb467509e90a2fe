"""The config set's manifest (`confscope.toml`) and the layer files it names.

A config set is a directory. Its optional manifest lists the base files (always
active, lowest priority, in the order given), the globs that find the override
files, the schema, the secret-key pattern for the plaintext-secret lint and the
defaults of the activation context::

    base = ["base.yml"]
    overrides = ["overrides/*.yml"]
    schema = "schema.py:AppConfig"
    secret_keys = '(?i)(password|secret|token|api_key|private_key)$'
    interpolation = "sh"        # or "off": ${...} stays literal (a layer may say otherwise)
    [context]
    environment = "development"

Without a manifest the set is `base.yml` (or `base.yaml`, or `config.yml`: the first
that exists) plus `overrides/*.yml` and `overrides/*.yaml`. Encryption rules live in
the `.sops.yaml` that sops itself would use: the first one found in the set directory
or a directory above it.

Nothing here raises for what a user wrote: every mistake becomes a `Problem` with
code ``manifest`` and the manifest falls back to the default for that entry.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.model import LayerFile, Problem, Severity
from core.patterns import UserPattern, compile_user_regex
from core.secrets.policy import DEFAULT_SECRET_KEYS
from core.secrets.rules import CONFIG_NAME, MAX_DEPTH, config_above
from core.words import describe, did_you_mean

__all__ = [
    "DEFAULT_BASE_CANDIDATES",
    "DEFAULT_OVERRIDES",
    "DEFAULT_SECRET_KEYS",
    "MANIFEST_NAME",
    "SOPS_CONFIG_NAME",
    "Manifest",
    "display_path",
    "find_sops_config",
    "load_manifest",
]

MANIFEST_NAME = "confscope.toml"
SOPS_CONFIG_NAME = CONFIG_NAME
DEFAULT_BASE_CANDIDATES = ("base.yml", "base.yaml", "config.yml")
DEFAULT_OVERRIDES = ("overrides/*.yml", "overrides/*.yaml")
CONTEXT_KEYS = ("environment", "override_type")
_KNOWN_KEYS = ("base", "overrides", "schema", "secret_keys", "interpolation", "context")
# `interpolation`: "sh" expands ${...} as POSIX sh does; "off" keeps every value literal.
INTERPOLATION_MODES = ("sh", "off")
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a config set is made of; every field holds a usable value."""

    root: Path  # the set directory (absolute, resolved)
    file: Path | None  # confscope.toml if present
    base: tuple[str, ...]
    overrides: tuple[str, ...]
    schema: str | None
    secret_keys: str
    context: Mapping[str, str] = field(default_factory=dict)
    sops_config: Path | None = None
    interpolation: str = "sh"  # one of INTERPOLATION_MODES; a layer's _metadata may differ

    def interpolates(self, layer: LayerFile) -> bool:
        """Whether ``${...}`` in the values `layer` wins is expanded."""
        if layer.interpolation is not None:
            return layer.interpolation
        return self.interpolation == "sh"

    @property
    def secret_pattern(self) -> UserPattern:
        """`secret_keys` compiled for RE2 (`load_manifest` only keeps one that compiles)."""
        pattern, _error = compile_user_regex(self.secret_keys)
        if pattern is None:  # a Manifest built by hand with a bad pattern
            pattern, _error = compile_user_regex(DEFAULT_SECRET_KEYS)
        assert pattern is not None
        return pattern


def display_path(path: Path, root: Path) -> str:
    """`path` relative to the set root when inside it (posix style), else absolute."""
    absolute = Path(os.path.abspath(path))
    base = Path(os.path.abspath(root))
    pairs = [(absolute, base)]
    # A symlink loop cannot be resolved: the name as written will do.
    with contextlib.suppress(OSError, RuntimeError):
        pairs.append((absolute.resolve(), base.resolve()))
    for candidate, anchor in pairs:
        try:
            relative = candidate.relative_to(anchor)
        except ValueError:
            continue
        return relative.as_posix() if relative.parts else "."
    return absolute.as_posix()


def _is_file(path: Path) -> bool:
    """`Path.is_file`, but a directory we may not look into holds no file."""
    try:
        return path.is_file()
    except OSError:
        return False


def find_sops_config(start: Path) -> Path | None:
    """The `.sops.yaml` sops would use for files in `start`: there or in a parent."""
    return config_above(Path(os.path.abspath(start)))


def _find_sops_yml(start: Path, stop: Path | None) -> Path | None:
    """A `.sops.yml` (which sops ignores) nearer than the `.sops.yaml` found, if any."""
    directory = Path(os.path.abspath(start))
    for _ in range(MAX_DEPTH):
        if stop is not None and stop.parent == directory:
            return None
        candidate = directory / ".sops.yml"
        if _is_file(candidate):
            return candidate
        if directory.parent == directory:
            break
        directory = directory.parent
    return None


def locate_key(manifest: Manifest, key: str) -> tuple[str, int | None] | None:
    """Where the manifest defines `key`: its file as shown, and the line if found."""
    if manifest.file is None:
        return None
    try:
        text = manifest.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    display = display_path(manifest.file, manifest.root)
    return display, _Reader(text, display).key_line(key)


class _Reader:
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

    def string_list(self, data: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
        """A list of strings (a single string is taken as a list of one)."""
        if key not in data:
            return None
        value = data[key]
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            bad = [item for item in value if "\x00" in item]
            if bad:
                self.add(
                    "error",
                    f"'{key}' holds a name with a NUL byte ({bad[0]!r}); it is ignored",
                    key,
                )
            return tuple(item for item in value if "\x00" not in item)
        if isinstance(value, list):
            bad = next(item for item in value if not isinstance(item, str))
            self.add(
                "error",
                f"'{key}' must list file names as strings, but it holds "
                f"{describe(bad, mapping='a table')};"
                " the default is used",
                key,
            )
        else:
            self.add(
                "error",
                f"'{key}' must be a list of file names, not {describe(value, mapping='a table')};"
                " the default is used",
                key,
            )
        return None


def load_manifest(root: Path) -> tuple[Manifest, list[Problem]]:
    """Read the set's manifest, or describe the set by its defaults when there is none.

    Never raises: a missing directory, unreadable or malformed TOML and values of the
    wrong type are reported and the default for what is wrong is used instead.
    """
    set_root = Path(os.path.abspath(root)).resolve()
    problems: list[Problem] = []
    manifest_path = set_root / MANIFEST_NAME
    sops_config = find_sops_config(set_root)

    def default(base: tuple[str, ...], file: Path | None = None) -> Manifest:
        return Manifest(
            set_root, file, base, DEFAULT_OVERRIDES, None, DEFAULT_SECRET_KEYS, {}, sops_config
        )

    try:
        info = os.stat(set_root)
        if stat.S_ISDIR(info.st_mode):
            os.scandir(set_root).close()  # opening it is the permission check
    except FileNotFoundError:
        message = f"config set directory {set_root.as_posix()} does not exist"
        problems.append(Problem(severity="error", message=message, code="manifest"))
        return default(()), problems
    except OSError as error:
        reason = error.strerror or str(error)
        message = f"config set directory {set_root.as_posix()} cannot be read: {reason}"
        problems.append(Problem(severity="error", message=message, code="manifest"))
        return default(()), problems
    if not stat.S_ISDIR(info.st_mode):
        message = f"config set {set_root.as_posix()} is a file, not a directory"
        problems.append(Problem(severity="error", message=message, code="manifest"))
        return default(()), problems

    if sops_config is None or sops_config.parent != set_root:
        stray = _find_sops_yml(set_root, sops_config)
        if stray is not None:
            problems.append(
                Problem(
                    severity="warning",
                    message=f"{display_path(stray, set_root)} is ignored: sops only reads a config"
                    f" file named {SOPS_CONFIG_NAME}",
                    path="",
                    file=display_path(stray, set_root),
                    code="manifest",
                )
            )

    def default_base() -> tuple[str, ...]:
        for candidate in DEFAULT_BASE_CANDIDATES:
            if (set_root / candidate).is_file():
                return (candidate,)
        names = ", ".join(DEFAULT_BASE_CANDIDATES[:-1]) + f" or {DEFAULT_BASE_CANDIDATES[-1]}"
        problems.append(
            Problem(
                severity="error",
                message=f"no base file found in {set_root.as_posix()}: expected {names},"
                f" or a {MANIFEST_NAME} listing the base files",
                code="manifest",
            )
        )
        return ()

    if not _is_file(manifest_path):
        if os.path.lexists(manifest_path):
            # A directory, a FIFO (reading it would block), a dangling link: say so.
            problems.append(
                Problem(
                    severity="error",
                    message=f"{MANIFEST_NAME} is not a regular file; it is not read",
                    file=MANIFEST_NAME,
                    code="manifest",
                )
            )
        return default(default_base()), problems

    display = MANIFEST_NAME
    try:
        text = manifest_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        problems.append(
            Problem(
                severity="error",
                message=f"{display} is not valid UTF-8",
                path="",
                file=display,
                code="manifest",
            )
        )
        return default(default_base(), manifest_path), problems
    except OSError as error:
        reason = error.strerror or str(error)
        problems.append(
            Problem(
                severity="error",
                message=f"{display} cannot be read: {reason}",
                path="",
                file=display,
                code="manifest",
            )
        )
        return default(default_base(), manifest_path), problems

    try:
        data = tomllib.loads(text)
    except RecursionError:
        problems.append(
            Problem(
                severity="error",
                message="the manifest nests tables or arrays too deeply to be read",
                file=display,
                code="manifest",
            )
        )
        return default(default_base(), manifest_path), problems
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line: int | None = None
        column: int | None = None
        position = _TOML_POSITION.search(message)
        if position is not None:
            message = message[: position.start()]
            if position.group(1):
                line, column = int(position.group(1)), int(position.group(2))
            else:
                lines = text.splitlines() or [""]
                line, column = len(lines), len(lines[-1]) + 1
        problems.append(
            Problem(
                severity="error",
                message=f"TOML syntax error: {message[:1].lower()}{message[1:]}",
                path="",
                file=display,
                line=line,
                column=column,
                layer=None,
                code="manifest",
            )
        )
        return default(default_base(), manifest_path), problems

    reader = _Reader(text, display)
    for key in data:
        if key not in _KNOWN_KEYS:
            reader.add(
                "error",
                f"unknown manifest key '{key}'{did_you_mean(key, _KNOWN_KEYS)}; it is ignored",
                key,
            )

    base = reader.string_list(data, "base")
    overrides = reader.string_list(data, "overrides")

    schema: str | None = None
    if "schema" in data:
        value = data["schema"]
        if not isinstance(value, str):
            reader.add(
                "error",
                f"'schema' must be a string like 'schema.py:AppConfig', not "
                f"{describe(value, mapping='a table')}",
                "schema",
            )
        else:
            target, colon, name = value.rpartition(":")
            if "\x00" in value:
                reader.add("error", "'schema' contains a NUL byte; no schema is used", "schema")
            elif not colon or not target.strip() or not name.strip().isidentifier():
                reader.add(
                    "error",
                    f"'schema' must name a file or module and a class, like"
                    f" 'schema.py:AppConfig', not {value!r}",
                    "schema",
                )
            else:
                schema = value

    secret_keys = DEFAULT_SECRET_KEYS
    if "secret_keys" in data:
        value = data["secret_keys"]
        if not isinstance(value, str):
            reader.add(
                "error",
                f"'secret_keys' must be a regular expression string, not "
                f"{describe(value, mapping='a table')};"
                " the default is used",
                "secret_keys",
            )
        else:
            _pattern, regex_problem = compile_user_regex(value)
            if regex_problem is not None:
                reader.add(
                    "error",
                    f"'secret_keys' {regex_problem}; the default is used",
                    "secret_keys",
                )
            else:
                secret_keys = value

    interpolation = "sh"
    if "interpolation" in data:
        value = data["interpolation"]
        if value in INTERPOLATION_MODES:
            interpolation = value
        else:
            shown = repr(value) if isinstance(value, str) else describe(value, mapping="a table")
            reader.add(
                "error",
                f'\'interpolation\' must be "sh" or "off", not {shown}; "sh" is used',
                "interpolation",
            )

    context: dict[str, str] = {}
    if "context" in data:
        table = data["context"]
        if not isinstance(table, dict):
            reader.add(
                "error",
                f"'context' must be a table of names and values, not "
                f"{describe(table, mapping='a table')}",
                "context",
            )
        else:
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

    problems.extend(reader.problems)
    manifest = Manifest(
        set_root,
        manifest_path,
        default_base() if base is None else base,
        DEFAULT_OVERRIDES if overrides is None else overrides,
        schema,
        secret_keys,
        context,
        sops_config,
        interpolation,
    )
    return manifest, problems
