"""Whether a config set's schema code may run: the user's trust store.

A manifest's ``schema = "schema.py:AppConfig"`` names Python code, and importing it
runs it. Opening a set never does that unasked: the schema is imported only when
the user trusted the set, which records the set's path and the schema file's
SHA-256 in the user's data directory (``$XDG_DATA_HOME/confscope/trusted.json`` on
Linux). A changed schema file needs trust again. A schema named as a dotted module
that is installed (found outside the set) is trusted: the user installed it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_data_dir

from core.manifest import Manifest, locate_key
from core.model import Problem

__all__ = [
    "SchemaCode",
    "TrustState",
    "TrustStore",
    "schema_code",
    "trust_state",
    "untrusted_problem",
]

STORE_NAME = "trusted.json"
_VERSION = 1
# installed: a dotted module from outside the set; trusted / changed / untrusted:
# set code the store trusts, trusted in another version, or never; unreadable: the
# file is there but cannot be read; missing: nothing to run (the loader says why).
TrustState = Literal["installed", "trusted", "changed", "untrusted", "unreadable", "missing"]


@dataclass(frozen=True, slots=True)
class SchemaCode:
    """The code a manifest's schema would run, read once: hashed and run as read."""

    spec: str
    file: Path | None
    """The file trust is about (resolved); None for an installed or missing module."""
    display: str
    """The file (or module) as the user knows it: relative to the set when inside."""
    installed: bool = False
    source: bytes | None = None
    """The file's bytes as hashed; the loader runs exactly these."""
    read_error: str | None = None

    @property
    def digest(self) -> str | None:
        return None if self.source is None else hashlib.sha256(self.source).hexdigest()


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _inside(path: str | None, root: Path) -> bool:
    if path is None:
        return False
    try:
        return Path(path).resolve().is_relative_to(root)
    except (OSError, ValueError):
        return False


def _set_module_file(target: str, root: Path) -> Path | None:
    """Where the dotted module `target` lives in the set, found without importing."""
    places = [str(root)]
    found: importlib.machinery.ModuleSpec | None = None
    for part in target.split("."):
        try:
            found = importlib.machinery.PathFinder.find_spec(part, places)
        except (ImportError, OSError, ValueError):
            return None
        if found is None:
            return None
        places = list(found.submodule_search_locations or [])
    if found is None or found.origin in (None, "namespace"):
        return None
    return Path(found.origin).resolve()


def schema_code(spec: str, root: Path) -> SchemaCode:
    """What `spec` (``file.py:Class`` or ``pkg.module:Class``) would run, and its bytes."""
    root = root.resolve()
    target = spec.strip().rpartition(":")[0] or spec.strip()
    file: Path | None
    if target.endswith(".py") or "/" in target or "\\" in target:
        try:
            candidate = Path(target)
            file = (candidate if candidate.is_absolute() else root / candidate).resolve()
        except (OSError, ValueError) as error:
            return SchemaCode(spec, None, target, read_error=str(error))
    else:
        top = target.split(".")[0]
        try:
            installed = importlib.util.find_spec(top) if top.isidentifier() else None
        except (ImportError, ValueError):
            installed = None
        if installed is not None and not _inside(installed.origin, root):
            return SchemaCode(spec, None, target, installed=True)
        file = _set_module_file(target, root)
        if file is None:
            return SchemaCode(spec, None, target)
    display = _shown(file, root)
    try:
        # A FIFO would block the read forever, and a directory is no schema.
        if not stat.S_ISREG(os.stat(file).st_mode):
            return SchemaCode(spec, file, display, read_error="it is not a regular file")
        source = file.read_bytes()
    except FileNotFoundError:
        return SchemaCode(spec, None, display)
    except OSError as error:
        return SchemaCode(spec, file, display, read_error=error.strerror or str(error))
    return SchemaCode(spec, file, display, source=source)


class TrustStore:
    """The user's record of trusted sets: set path → schema file and its SHA-256."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else Path(user_data_dir("confscope"))

    @property
    def file(self) -> Path:
        return self.directory / STORE_NAME

    def _entries(self) -> dict[str, Any]:
        """The stored entries; an unreadable or foreign file trusts nothing."""
        try:
            data = json.loads(self.file.read_bytes())
        except (OSError, ValueError, RecursionError):
            return {}
        sets = data.get("sets") if isinstance(data, dict) else None
        return sets if isinstance(sets, dict) else {}

    def entry(self, root: Path) -> tuple[str, str] | None:
        """The schema file and digest trusted for the set at `root`, if any."""
        found = self._entries().get(str(root.resolve()))
        if isinstance(found, dict):
            schema, digest = found.get("schema"), found.get("sha256")
            if isinstance(schema, str) and isinstance(digest, str):
                return schema, digest
        return None

    def trust(self, root: Path, code: SchemaCode) -> None:
        """Trust `code` (exactly the bytes it read) for the set at `root`.

        Raises `OSError` when the store cannot be written.
        """
        if code.file is None or code.digest is None:
            raise ValueError("only a readable schema file can be trusted")
        entries = self._entries()
        entries[str(root.resolve())] = {"schema": str(code.file), "sha256": code.digest}
        self._write(entries)

    def revoke(self, root: Path) -> bool:
        """Stop trusting the set at `root`; whether it was trusted."""
        entries = self._entries()
        if entries.pop(str(root.resolve()), None) is None:
            return False
        self._write(entries)
        return True

    def _write(self, entries: dict[str, Any]) -> None:
        """Atomically: a temp file beside the store, fsync, rename; mode kept."""
        self.directory.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": _VERSION, "sets": entries}, indent=2, sort_keys=True)
        try:
            mode: int | None = self.file.stat().st_mode & 0o7777
        except OSError:
            mode = None
        handle, temp = tempfile.mkstemp(prefix=".trusted-", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text + "\n")
                out.flush()
                os.fsync(out.fileno())
            if mode is not None:
                os.chmod(temp, mode)
            os.replace(temp, self.file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise


def trust_state(code: SchemaCode, root: Path, store: TrustStore, *, forced: bool) -> TrustState:
    """How `code` stands: `forced` is ``--trust`` (trust for this run)."""
    if code.installed:
        return "installed"
    if code.read_error is not None:
        return "unreadable"
    if code.file is None or code.source is None:
        return "missing"
    if forced:
        return "trusted"
    entry = store.entry(root)
    if entry is None:
        return "untrusted"
    if entry == (str(code.file), code.digest):
        return "trusted"
    return "changed"


def untrusted_problem(manifest: Manifest, code: SchemaCode, state: TrustState) -> Problem:
    """The one warning for a schema that was not run, at the manifest's `schema =` line."""
    where = locate_key(manifest, "schema")
    file, line = where if where is not None else (None, None)
    how = "run 'confscope trust' to trust it, or pass --trust for one run"
    if state == "unreadable":
        return Problem(
            severity="error",
            message=f"the schema file {code.display} cannot be read: {code.read_error}",
            file=code.display,
            code="schema-load",
        )
    if state == "changed":
        message = (
            f"the schema {code.display} changed since this config set was trusted, so it was"
            f" not run and the config is not checked against it; review it, then {how}"
        )
    else:
        message = (
            f"the schema {code.display} is Python code from the config set and runs only"
            f" once you trust the set; the config is not checked against it: {how}"
        )
    return Problem(
        severity="warning",
        message=message,
        file=file,
        line=line,
        column=1 if line else None,
        code="untrusted-schema",
    )
