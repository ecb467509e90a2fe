"""Loading the pydantic model a manifest names, from a file or a module.

Any failure (missing file, syntax error, import error, no such class) becomes one
`schema-load` problem; a user's schema never takes the tool down.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import importlib
import importlib.util
import inspect
import sys
import traceback
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.model import (
    Problem,
)


def load_schema(spec: str, set_root: Path) -> tuple[type[BaseModel] | None, list[Problem]]:
    """Load the model a manifest names: ``schema.py:AppConfig`` or ``pkg.module:AppConfig``.

    Never raises: whatever goes wrong comes back as one ``schema-load`` problem.
    """
    target, colon, class_name = spec.strip().rpartition(":")
    if not colon or not target or not class_name:
        return None, [
            _load_problem(
                f"the schema '{spec}' must be written as 'file.py:ClassName'"
                " or 'package.module:ClassName'"
            )
        ]
    if not all(part.isidentifier() for part in class_name.split(".")):
        return None, [_load_problem(f"'{class_name}' in the schema '{spec}' is not a class name")]
    is_file = target.endswith(".py") or "/" in target or "\\" in target
    if is_file:
        module, display, problem = _load_file(target, set_root)
    else:
        module, display, problem = _load_module(target, set_root)
    if module is None:
        return None, [problem] if problem else []
    return _find_model(module, class_name, display)


def _load_problem(
    message: str, file: str | None = None, line: int | None = None, column: int | None = None
) -> Problem:
    return Problem(
        severity="error",
        message=message,
        path="",
        file=file,
        line=line,
        column=column,
        layer=None,
        code="schema-load",
    )


def _shown(path: str | Path, set_root: Path) -> str:
    """A path as the user knows it: relative to the config set when inside it."""
    try:
        return Path(path).resolve().relative_to(set_root.resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def _failure(error: BaseException, what: str, file: Path | None, set_root: Path) -> Problem:
    """A problem for an exception raised while a schema module ran."""
    if isinstance(error, SyntaxError):
        where = _shown(error.filename, set_root) if error.filename else None
        return _load_problem(
            f"{what} has a syntax error: {error.msg}", where, error.lineno, error.offset
        )
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if file is not None and Path(f.filename) == file]
    outside = [f for f in frames if not f.filename.startswith("<")]
    frame = own[-1] if own else (outside[-1] if outside else None)
    where = _shown(frame.filename, set_root) if frame else None
    line = frame.lineno if frame else None
    detail = str(error) or type(error).__name__
    if isinstance(error, ImportError):
        return _load_problem(f"{what} failed to import: {detail}", where, line)
    return _load_problem(f"{what} failed to load: {type(error).__name__}: {detail}", where, line)


def _load_file(target: str, set_root: Path) -> tuple[types.ModuleType | None, str, Problem | None]:
    path = Path(target)
    if not path.is_absolute():
        path = set_root / path
    display = _shown(path, set_root)
    try:
        path = path.resolve()
        if not path.is_file():
            return None, display, _load_problem(f"the schema file {display} does not exist")
    except OSError as error:
        return None, display, _load_problem(f"the schema file {display} cannot be read: {error}")
    # One name per file: reloading the same schema replaces the old module.
    name = "_confscope_schema_" + hashlib.sha1(str(path).encode()).hexdigest()[:16]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None, display, _load_problem(f"the schema file {display} cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    # Registered while it runs: pydantic resolves postponed annotations through it.
    sys.modules[name] = module
    try:
        # First, as when Python runs a script: the file may import its sibling modules.
        with _on_path(str(path.parent), first=True):
            spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:
        sys.modules.pop(name, None)
        return None, display, _failure(error, f"the schema file {display}", path, set_root)
    return module, display, None


def _load_module(
    target: str, set_root: Path
) -> tuple[types.ModuleType | None, str, Problem | None]:
    if not all(part.isidentifier() for part in target.split(".")):
        message = f"the schema module '{target}' is neither a .py file nor a dotted module name"
        return None, target, _load_problem(message)
    root = set_root.resolve()
    try:
        # Last: the environment's own packages win over files in the config set.
        with _on_path(str(root), first=False):
            importlib.invalidate_caches()
            module = importlib.import_module(target)
            if _inside(getattr(module, "__file__", None), root):
                module = importlib.reload(module)  # the file may have changed since
    except ModuleNotFoundError as error:
        if error.name and (target == error.name or target.startswith(error.name + ".")):
            message = (
                f"the schema module '{target}' cannot be found on the Python path or in {set_root}"
            )
            return None, target, _load_problem(message)
        return None, target, _failure(error, f"the schema module '{target}'", None, set_root)
    except (Exception, SystemExit) as error:
        module_file = _module_file(target)
        return None, target, _failure(error, f"the schema module '{target}'", module_file, set_root)
    return module, target, None


def _inside(file: str | None, folder: Path) -> bool:
    try:
        return file is not None and Path(file).resolve().is_relative_to(folder)
    except (OSError, ValueError):
        return False


def _module_file(target: str) -> Path | None:
    try:
        found = importlib.util.find_spec(target)
    except (Exception, SystemExit):
        return None
    return Path(found.origin) if found and found.origin else None


@contextlib.contextmanager
def _on_path(folder: str, *, first: bool) -> Iterator[None]:
    """``folder`` on sys.path for a moment; only the entry added here is taken off."""
    if first:
        sys.path.insert(0, folder)
    else:
        sys.path.append(folder)
    try:
        yield
    finally:
        places = [i for i, entry in enumerate(sys.path) if entry == folder]
        if places:
            del sys.path[places[0] if first else places[-1]]


def _find_model(
    module: types.ModuleType, class_name: str, display: str
) -> tuple[type[BaseModel] | None, list[Problem]]:
    found: Any = module
    try:
        for part in class_name.split("."):
            found = getattr(found, part)
    except Exception:
        models = [
            name
            for name, value in vars(module).items()
            if inspect.isclass(value) and issubclass(value, BaseModel)
        ]
        close = difflib.get_close_matches(class_name, models, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return None, [_load_problem(f"{display} has no class '{class_name}'{hint}", display)]
    if not inspect.isclass(found):
        what = type(found).__name__
        message = f"'{class_name}' in {display} is a {what}, not a pydantic model class"
        return None, [_load_problem(message, display)]
    if not issubclass(found, BaseModel) or found is BaseModel:
        message = f"'{class_name}' in {display} is a class but not a pydantic BaseModel subclass"
        return None, [_load_problem(message, display)]
    try:
        found.model_rebuild()
    except Exception as error:  # an annotation that names nothing, say
        message = f"the model '{class_name}' in {display} cannot be built: {error}"
        return None, [_load_problem(message, display)]
    return found, []
