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

from core.manifestkeys import KeyReader, read_keys
from core.model import LayerFile, Problem
from core.patterns import UserPattern, compile_user_regex
from core.secrets.policy import DEFAULT_SECRET_KEYS
from core.secrets.rules import CONFIG_NAME, MAX_DEPTH, config_above

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
    # One of manifestkeys.INTERPOLATION_MODES; a layer's _metadata may differ.
    interpolation: str = "sh"

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
    return display, KeyReader(text, display).key_line(key)


def load_manifest(root: Path) -> tuple[Manifest, list[Problem]]:
    """Read the set's manifest, or describe the set by its defaults when there is none.

    Never raises: a missing directory, unreadable or malformed TOML and values of the
    wrong type are reported and the default for what is wrong is used instead.
    """
    set_root = Path(os.path.abspath(root)).resolve()
    sops_config = find_sops_config(set_root)
    directory_problem = _directory_problem(set_root)
    if directory_problem is not None:
        return _defaults(set_root, sops_config, ()), [directory_problem]
    problems = _stray_sops_yml(set_root, sops_config)
    manifest_path = set_root / MANIFEST_NAME
    if not _is_file(manifest_path):
        if os.path.lexists(manifest_path):
            # A directory, a FIFO (reading it would block), a dangling link: say so.
            problems.append(_file_problem(f"{MANIFEST_NAME} is not a regular file; it is not read"))
        base = _default_base(set_root, problems)
        return _defaults(set_root, sops_config, base), problems
    read = _read_toml(manifest_path)
    if isinstance(read, Problem):
        problems.append(read)
        base = _default_base(set_root, problems)
        return _defaults(set_root, sops_config, base, manifest_path), problems
    text, data = read
    reader = KeyReader(text, MANIFEST_NAME)
    keys = read_keys(data, reader)
    problems.extend(reader.problems)
    manifest = Manifest(
        set_root,
        manifest_path,
        _default_base(set_root, problems) if keys.base is None else keys.base,
        DEFAULT_OVERRIDES if keys.overrides is None else keys.overrides,
        keys.schema,
        keys.secret_keys,
        keys.context,
        sops_config,
        keys.interpolation,
    )
    return manifest, problems


def _defaults(
    set_root: Path, sops_config: Path | None, base: tuple[str, ...], file: Path | None = None
) -> Manifest:
    """The set described by its defaults, with `base` as its base files."""
    return Manifest(
        set_root, file, base, DEFAULT_OVERRIDES, None, DEFAULT_SECRET_KEYS, {}, sops_config
    )


def _directory_problem(set_root: Path) -> Problem | None:
    """Why the set directory cannot be read as one, or None when it can."""
    try:
        info = os.stat(set_root)
        if stat.S_ISDIR(info.st_mode):
            os.scandir(set_root).close()  # opening it is the permission check
    except FileNotFoundError:
        message = f"config set directory {set_root.as_posix()} does not exist"
        return Problem(severity="error", message=message, code="manifest")
    except OSError as error:
        reason = error.strerror or str(error)
        message = f"config set directory {set_root.as_posix()} cannot be read: {reason}"
        return Problem(severity="error", message=message, code="manifest")
    if not stat.S_ISDIR(info.st_mode):
        message = f"config set {set_root.as_posix()} is a file, not a directory"
        return Problem(severity="error", message=message, code="manifest")
    return None


def _stray_sops_yml(set_root: Path, sops_config: Path | None) -> list[Problem]:
    """A warning about a nearer `.sops.yml`, which sops would not read."""
    if sops_config is not None and sops_config.parent == set_root:
        return []
    stray = _find_sops_yml(set_root, sops_config)
    if stray is None:
        return []
    return [
        Problem(
            severity="warning",
            message=f"{display_path(stray, set_root)} is ignored: sops only reads a config"
            f" file named {SOPS_CONFIG_NAME}",
            path="",
            file=display_path(stray, set_root),
            code="manifest",
        )
    ]


def _default_base(set_root: Path, problems: list[Problem]) -> tuple[str, ...]:
    """The first default base file that exists; none found is an error in `problems`."""
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


def _file_problem(message: str, line: int | None = None, column: int | None = None) -> Problem:
    """An error about the manifest file as a whole, or at a line of its text."""
    return Problem(
        severity="error",
        message=message,
        file=MANIFEST_NAME,
        line=line,
        column=column,
        code="manifest",
    )


def _read_toml(manifest_path: Path) -> tuple[str, dict[str, Any]] | Problem:
    """The manifest's text and parsed table, or the problem that stops reading it."""
    try:
        text = manifest_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return _file_problem(f"{MANIFEST_NAME} is not valid UTF-8")
    except OSError as error:
        reason = error.strerror or str(error)
        return _file_problem(f"{MANIFEST_NAME} cannot be read: {reason}")
    try:
        return text, tomllib.loads(text)
    except RecursionError:
        message = "the manifest nests tables or arrays too deeply to be read"
        return _file_problem(message)
    except tomllib.TOMLDecodeError as error:
        return _toml_syntax_problem(text, error)


def _toml_syntax_problem(text: str, error: tomllib.TOMLDecodeError) -> Problem:
    """tomllib's message as a sentence, its position moved into line and column."""
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
    return _file_problem(f"TOML syntax error: {message[:1].lower()}{message[1:]}", line, column)
