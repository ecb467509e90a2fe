"""Loading the pydantic model a manifest names, from a file or a module.

Any failure (missing file, syntax error, import error, no such class, a `SystemExit`)
becomes one `schema-load` problem; a user's schema never takes the tool down. Whether
the schema may run at all is decided before, by `core.trust`; the code runs inside
`Contained`, so what it prints never reaches confscope's output.
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

from core.containment import Contained
from core.model import (
    Problem,
)

_OWN_PACKAGE = Path(__file__).resolve().parent


def load_schema(
    spec: str, set_root: Path, source: bytes | None = None
) -> tuple[type[BaseModel] | None, list[Problem]]:
    """Load the model a manifest names: ``schema.py:AppConfig`` or ``pkg.module:AppConfig``.

    `source` is the schema file's bytes as trust hashed them: those run, not whatever
    the file holds a moment later. Never raises: whatever goes wrong comes back as one
    ``schema-load`` problem (and a warning if the code printed while it ran).
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
    run = Contained()
    if is_file:
        module, display, problem = _load_file(target, set_root, source, run)
    else:
        module, display, problem = _load_module(target, set_root, run)
    problems = [problem] if problem else []
    if run.output.strip():
        where = display if is_file else None
        problems.append(
            Problem(
                severity="warning",
                message="the schema printed while it was imported (kept off confscope's"
                f" output): {run.first_line}",
                file=where,
                code="schema-load",
            )
        )
    if module is None:
        return None, problems
    model, found = _find_model(module, class_name, display)
    return model, problems + found


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
    # Never confscope's own source: the problem is in the user's code.
    outside = [f for f in frames if not f.filename.startswith("<") and not _ours(f.filename)]
    frame = own[-1] if own else (outside[-1] if outside else None)
    where = _shown(frame.filename, set_root) if frame else None
    if where is None and file is not None:
        where = _shown(file, set_root)
    line = frame.lineno if frame else None
    detail = str(error) or type(error).__name__
    if isinstance(error, ImportError):
        return _load_problem(f"{what} failed to import: {detail}", where, line)
    return _load_problem(f"{what} failed to load: {type(error).__name__}: {detail}", where, line)


def _ours(filename: str) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(_OWN_PACKAGE)
    except (OSError, ValueError):
        return False


def _load_file(
    target: str, set_root: Path, source: bytes | None, run: Contained
) -> tuple[types.ModuleType | None, str, Problem | None]:
    display = target
    try:
        path = Path(target)
        if not path.is_absolute():
            path = set_root / path
        display = _shown(path, set_root)
        path = path.resolve()
        if source is None:
            if not path.is_file():
                return None, display, _load_problem(f"the schema file {display} does not exist")
            source = path.read_bytes()
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        message = f"the schema file {display} cannot be read: {reason}"
        return None, display, _load_problem(message, display)
    # One name per file: reloading the same schema replaces the old module.
    name = "_confscope_schema_" + hashlib.sha1(str(path).encode()).hexdigest()[:16]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None, display, _load_problem(f"the schema file {display} cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    # Registered while it runs: pydantic resolves postponed annotations through it.
    sys.modules[name] = module
    # First, as when Python runs a script: the file may import its sibling modules.
    with run, _on_path(str(path.parent), first=True):
        exec(compile(source, str(path), "exec", dont_inherit=True), module.__dict__)
    if run.error is not None:
        sys.modules.pop(name, None)
        return None, display, _failure(run.error, f"the schema file {display}", path, set_root)
    return module, display, None


def _load_module(
    target: str, set_root: Path, run: Contained
) -> tuple[types.ModuleType | None, str, Problem | None]:
    if not all(part.isidentifier() for part in target.split(".")):
        message = f"the schema module '{target}' is neither a .py file nor a dotted module name"
        return None, target, _load_problem(message)
    root = set_root.resolve()
    module: types.ModuleType | None = None
    # Last: the environment's own packages win over files in the config set.
    with run, _on_path(str(root), first=False):
        importlib.invalidate_caches()
        module = importlib.import_module(target)
        if _inside(getattr(module, "__file__", None), root):
            module = importlib.reload(module)  # the file may have changed since
    error = run.error
    if isinstance(error, ModuleNotFoundError):
        if error.name and (target == error.name or target.startswith(error.name + ".")):
            message = (
                f"the schema module '{target}' cannot be found on the Python path or in {set_root}"
            )
            return None, target, _load_problem(message)
        return None, target, _failure(error, f"the schema module '{target}'", None, set_root)
    if error is not None:
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
    except BaseException:
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
    with Contained() as run:
        found.model_rebuild()
    if run.error is not None:  # an annotation that names nothing, say
        detail = str(run.error) or type(run.error).__name__
        message = f"the model '{class_name}' in {display} cannot be built: {detail}"
        return None, [_load_problem(message, display)]
    return found, []
