"""Checking the merged config: the pydantic schema, unknown keys and plaintext secrets.

Every check collects `Problem`s and carries on, so one run shows all of them. Each
problem points at the definition a person has to edit: the winning file and line of
the bad value, or, for a key that is missing, the mapping that should hold it in the
highest layer that defines that mapping.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import importlib
import importlib.util
import inspect
import re
import sys
import traceback
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, RootModel, ValidationError

from core.model import (
    MAPPING,
    SCALAR,
    SEQUENCE,
    Encrypted,
    Key,
    KeyPath,
    LayerFile,
    Merged,
    Node,
    Problem,
    Severity,
    format_path,
)

__all__ = ["lint_secrets", "load_schema", "validate", "validate_schema"]

# Values under keys like these are never shown in a message, whatever secret_keys says.
_SECRETISH = re.compile(
    r"(?i)(pass(word|wd|phrase)?|secret|token|api_?key|private_?key|credential|auth)"
)
_METADATA = "_metadata"
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_MAX_SHOWN = 60


# --------------------------------------------------------------------- loading


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
    return Problem("error", message, "", file, line, column, None, "schema-load")


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


# ---------------------------------------------------------------------- schema


def validate_schema(
    root: Merged,
    model: type[BaseModel],
    layers: Sequence[LayerFile],
    *,
    secret_keys: re.Pattern[str] | None = None,
) -> list[Problem]:
    """Validate the merged tree against ``model``; every error located at its definition.

    Values under keys that match ``secret_keys`` (or look like passwords) and
    encrypted values are never quoted in a message.
    """
    check = _SchemaCheck(root, layers, secret_keys)
    try:
        check.run(model)
    except Exception as error:  # a bug here must not hide the problems found so far
        message = f"the schema check stopped early: {type(error).__name__}: {error}"
        check.problems.append(Problem("error", message, code="schema"))
    return sorted(check.problems, key=_order)


def _plain(node: Merged, top: bool = False) -> Any:
    """The data pydantic sees: encrypted values become their ``ENC[...]`` text."""
    if node.kind == MAPPING and isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items() if not (top and k == _METADATA)}
    if node.kind == SEQUENCE and isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    if isinstance(node.value, Encrypted):
        return node.value.raw
    return node.value


class _Located:
    """A pydantic error with its loc resolved against the merged tree."""

    __slots__ = ("error", "path", "node", "union")

    def __init__(
        self, error: Mapping[str, Any], path: KeyPath, node: Merged, union: KeyPath | None
    ) -> None:
        self.error = error
        self.path = path  # the loc's keys that exist in the data (plus a missing key)
        self.node = node  # the deepest merged node on that path
        self.union = union  # where a union tag stood in the loc, as a data path

    @property
    def type(self) -> str:
        return str(self.error.get("type", ""))

    @property
    def on_key(self) -> bool:
        """Whether pydantic rejected a mapping's key rather than its value."""
        loc = self.error.get("loc")
        return isinstance(loc, (tuple, list)) and bool(loc) and loc[-1] == "[key]"


def _locate(root: Merged, error: Mapping[str, Any]) -> _Located:
    """Split a loc into data keys and union tags (``'bool'``, ``'DatabaseTls'``, …)."""
    loc = error.get("loc")
    parts = tuple(loc) if isinstance(loc, (tuple, list)) else ()
    node = root
    path: list[Key] = []
    union: KeyPath | None = None
    for i, part in enumerate(parts):
        child = _child(node, part)
        if child is not None:
            path.append(str(part) if node.kind == MAPPING else part)
            node = child
        elif i == len(parts) - 1 and error.get("type") == "missing":
            path.append(part if isinstance(part, (str, int)) else str(part))
        elif part == "[key]":
            continue  # the mapping key itself is wrong; the message says so
        elif union is None:
            union = tuple(path)
    return _Located(error, tuple(path), node, union)


def _child(node: Merged, part: Any) -> Merged | None:
    if isinstance(part, bool):
        return None
    if node.kind == MAPPING and isinstance(node.value, dict):
        if isinstance(part, (str, int)):
            found: Merged | None = node.value.get(str(part))
            return found
    elif (
        node.kind == SEQUENCE
        and isinstance(node.value, list)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        item: Merged = node.value[part]
        return item
    return None


def _plan(located: list[_Located]) -> tuple[list[_Located], list[list[_Located]]]:
    """Which errors to report alone, and which union failures to report as one.

    A value that fits no branch of a union gets one error per branch. When some
    branch got inside the value (a mapping with a bad key, say), the user meant
    that branch and the others' "wrong kind" errors are noise. When none did, the
    branches combine into one "must be X, or Y" message.
    """
    singles = [item for item in located if item.union is None]
    groups: dict[KeyPath, list[_Located]] = {}
    for item in located:
        if item.union is not None:
            groups.setdefault(item.union, []).append(item)
    combined: list[list[_Located]] = []
    for where, group in groups.items():
        deep = [item for item in group if item.path != where]
        if deep:
            singles.extend(deep)
        else:
            combined.append(group)
    return singles, combined


class _SchemaCheck:
    def __init__(
        self, root: Merged, layers: Sequence[LayerFile], secret_keys: re.Pattern[str] | None
    ) -> None:
        self.root = root
        self.layers = layers
        self.secret_keys = secret_keys
        self.problems: list[Problem] = []

    def run(self, model: type[BaseModel]) -> None:
        try:
            unknown = self.unknown_keys(model)
        except Exception:  # an exotic annotation: pydantic still reports forbidden keys
            unknown = set()
        try:
            model.model_validate(_plain(self.root, top=True))
        except ValidationError as error:
            located = [_locate(self.root, e) for e in error.errors(include_url=False)]
            singles, combined = _plan(located)
            for item in singles:
                if item.type == "extra_forbidden":
                    if item.path not in unknown:
                        unknown.add(item.path)
                        self.report_unknown(item.path, item.node, [], forbidden=True)
                elif item.type == "missing":
                    self.report_missing(item)
                else:
                    self.report(item)
            for group in combined:
                self.report_union(group)
        except Exception as error:  # a validator that raised something but ValueError
            self.problems.append(self.crashed(error))

    def at(self, node: Merged, path: KeyPath, message: str) -> Problem:
        return Problem(
            "error",
            message,
            format_path(path),
            node.file,
            node.line,
            node.column,
            node.layer,
            "schema",
        )

    def report(self, item: _Located) -> None:
        message = _readable(item.error)
        if item.on_key and item.path:
            message = f"the key '{item.path[-1]}' {message}"
            self.problems.append(self.at(item.node, item.path, message))
            return
        got = self.got(item)
        if got:
            message = f"{message} ({got})"
        hint = _literal_hint(item.error, item.node)
        if hint:
            message = f"{message}; did you mean '{hint}'?"
        self.problems.append(self.at(item.node, item.path, message))

    def report_union(self, group: list[_Located]) -> None:
        forms: list[str] = []
        for item in group:
            form = _readable(item.error)
            if forms and forms[0].startswith("must be "):
                form = form.removeprefix("must be ")
            if form not in forms:
                forms.append(form)
        message = ", or ".join(forms)
        got = self.got(group[0])
        if got:
            message = f"{message} ({got})"
        self.problems.append(self.at(group[0].node, group[0].path, message))

    def got(self, item: _Located) -> str:
        """The offending value, for the message; never a secret."""
        node = item.node
        if item.type.startswith("union_tag_"):
            return ""  # the message names the tag
        if item.type in ("value_error", "assertion_error") and node.kind != SCALAR:
            return ""  # a model validator's own message says what is wrong
        if isinstance(node.value, Encrypted):
            return "got an encrypted value, which cannot be checked without decrypting it"
        if item.type in ("too_short", "too_long") and node.kind != SCALAR:
            word = "entry" if node.kind == MAPPING else "item"
            return f"got {_plural(len(node.value), word)}"
        keys = [key for key in item.path if isinstance(key, str)]
        if keys and self.is_secret(keys[-1]):
            return "got a value not shown here because the key holds a secret"
        return "got " + _describe(node)

    def is_secret(self, key: str) -> bool:
        if self.secret_keys is not None and self.secret_keys.search(key):
            return True
        return _SECRETISH.search(key) is not None

    def crashed(self, error: BaseException) -> Problem:
        frames = traceback.extract_tb(error.__traceback__)
        where = ""
        if frames:
            frame = frames[-1]
            where = f" in {frame.name} ({Path(frame.filename).name}, line {frame.lineno})"
        message = (
            f"the schema raised {type(error).__name__}: {error}{where} while checking the"
            " config; a validator should raise ValueError to reject a value"
        )
        return Problem("error", message, code="schema")

    # --- a missing key --------------------------------------------------------

    def report_missing(self, item: _Located) -> None:
        parent, key = item.path[:-1], item.path[-1] if item.path else "?"
        holder, file, line, column, layer = self.holder(parent)
        if holder == parent:
            where = f"from {format_path(parent)}" if parent else "at the top level"
        else:
            above = format_path(holder) if holder else "the top level"
            where = f"from {format_path(parent)}, which is not set either (under {above})"
        message = f"required key '{key}' is missing {where}"
        self.problems.append(
            Problem("error", message, format_path(item.path), file, line, column, layer, "schema")
        )

    def holder(
        self, parent: KeyPath
    ) -> tuple[KeyPath, str | None, int | None, int | None, str | None]:
        """Where a missing key belongs: its mapping, in the highest layer defining it."""
        path = parent
        while path and not _is_mapping(self.root.get(path)):
            path = path[:-1]
        merged = self.root.get(path) or self.root
        # Below a list item everything comes from the one layer that set the list.
        if not any(isinstance(key, int) for key in path):
            for layer in reversed(self.layers):
                node = _node_at(layer.root, path)
                if node is not None and node.kind == MAPPING:
                    return path, layer.display, node.line, node.column, layer.name
        return path, merged.file, merged.line, merged.column, merged.layer

    # --- unknown keys ---------------------------------------------------------

    def unknown_keys(self, model: type[BaseModel]) -> set[KeyPath]:
        found: set[KeyPath] = set()
        for path, node, known, forbidden in _walk_type(model, self.root, ()):
            if path != (_METADATA,):
                found.add(path)
                self.report_unknown(path, node, known, forbidden=forbidden)
        return found

    def report_unknown(
        self, path: KeyPath, node: Merged, known: list[str], *, forbidden: bool
    ) -> None:
        key = str(path[-1]) if path else "?"
        where = f"in {format_path(path[:-1])}" if path[:-1] else "at the top level"
        close = difflib.get_close_matches(key, known, n=1) if known else []
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif forbidden:
            hint = "the schema does not allow it"
        else:
            hint = "the schema does not define it, so the application probably ignores it"
        message = f"unknown key '{key}' {where}; {hint}"
        # A model that forbids extra keys rejects the whole config over it: an error.
        severity: Severity = "error" if forbidden else "warning"
        self.problems.append(
            Problem(
                severity,
                message,
                format_path(path),
                node.file,
                node.line,
                node.column,
                node.layer,
                "unknown-key",
            )
        )


def _is_mapping(node: Merged | None) -> bool:
    return node is not None and node.kind == MAPPING


def _node_at(root: Node | None, path: KeyPath) -> Node | None:
    node = root
    for key in path:
        if node is None or node.kind != MAPPING or not isinstance(node.value, dict):
            return None
        node = node.value.get(key) if isinstance(key, str) else None
    return node


# --- walking the model beside the data -------------------------------------------

_Unknown = tuple[KeyPath, Merged, list[str], bool]


def _unwrap(annotation: Any) -> Any:
    for _ in range(32):
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif type(annotation).__name__ == "TypeAliasType":
            annotation = getattr(annotation, "__value__", None)
        else:
            break
    return annotation


def _is_model(annotation: Any) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, BaseModel)


def _container(annotation: Any) -> str | None:
    """'mapping' or 'sequence' for a generic container annotation, else None."""
    origin = typing.get_origin(annotation)
    if not inspect.isclass(origin) or issubclass(origin, (str, bytes)):
        return None
    if issubclass(origin, Mapping):
        return "mapping"
    if issubclass(origin, (Sequence, AbstractSet)):
        return "sequence"
    return None


def _field_names(model: type[BaseModel]) -> dict[str, Any]:
    """Every key the model accepts (names and aliases, as configured) → its annotation."""
    config = model.model_config
    by_name = bool(config.get("populate_by_name") or config.get("validate_by_name"))
    by_alias = config.get("validate_by_alias", True) is not False
    names: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        aliases: list[str] = []
        candidates: list[Any] = [field.alias, field.validation_alias]
        choices = getattr(field.validation_alias, "choices", None)
        if isinstance(choices, list):
            candidates.extend(choices)
        for alias in candidates:
            steps = getattr(alias, "path", None)
            if isinstance(steps, list) and steps:
                alias = steps[0]
            if isinstance(alias, str) and alias not in aliases:
                aliases.append(alias)
        if not aliases or by_name or not by_alias:
            names[name] = field.annotation
        if by_alias:
            for alias in aliases:
                names[alias] = field.annotation
    return names


def _walk_type(annotation: Any, node: Merged, path: KeyPath) -> Iterator[_Unknown]:
    """Every key in the data that the model at this point does not define."""
    annotation = _unwrap(annotation)
    if _is_model(annotation):
        yield from _walk_model(annotation, node, path)
        return
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        branch = _pick_branch(args, node)
        if branch is not None:
            yield from _walk_type(branch, node, path)
        return
    shape = _container(annotation)
    if shape == "mapping" and node.kind == MAPPING and len(args) == 2:
        for key, child in node.value.items():
            yield from _walk_type(args[1], child, path + (key,))
    elif shape == "sequence" and node.kind == SEQUENCE and args:
        fixed = typing.get_origin(annotation) is tuple and not (len(args) == 2 and args[1] is ...)
        for i, child in enumerate(node.value):
            if fixed and i >= len(args):
                break
            yield from _walk_type(args[i] if fixed else args[0], child, path + (i,))


def _walk_model(model: type[BaseModel], node: Merged, path: KeyPath) -> Iterator[_Unknown]:
    if issubclass(model, RootModel):
        field = model.model_fields.get("root")
        if field is not None:
            yield from _walk_type(field.annotation, node, path)
        return
    if node.kind != MAPPING or not isinstance(node.value, dict):
        return
    names = _field_names(model)
    forbidden = model.model_config.get("extra") == "forbid"
    for key, child in node.value.items():
        if key in names:
            yield from _walk_type(names[key], child, path + (key,))
        else:
            yield path + (key,), child, list(names), forbidden


def _pick_branch(branches: tuple[Any, ...], node: Merged) -> Any:
    """The union member the data was meant for, judged by its shape and keys."""
    options: list[Any] = []
    pending = list(branches)
    while pending and len(options) < 256:
        option = _unwrap(pending.pop(0))
        if typing.get_origin(option) in (typing.Union, types.UnionType):
            pending[:0] = typing.get_args(option)  # a union nested in an Annotated
        else:
            options.append(option)
    models = [option for option in options if _is_model(option)]
    if node.kind == MAPPING and isinstance(node.value, dict):
        if models:
            return max(models, key=lambda model: _fit(model, node.value))
        return next((o for o in options if _container(o) == "mapping"), None)
    if node.kind == SEQUENCE:
        found = next((o for o in options if _container(o) == "sequence"), None)
        if found is None:
            found = next((m for m in models if issubclass(m, RootModel)), None)
        return found
    return None


def _fit(model: type[BaseModel], data: dict[str, Merged]) -> int:
    """How many keys of ``data`` the model knows; -1 when a Literal key rules it out."""
    names = _field_names(model)
    for key, annotation in names.items():
        annotation = _unwrap(annotation)
        child = data.get(key)
        if (
            typing.get_origin(annotation) is Literal
            and child is not None
            and (child.kind != SCALAR or child.value not in typing.get_args(annotation))
        ):
            return -1  # a discriminator that names another branch
    return len(set(data) & set(names))


# --- words ---------------------------------------------------------------------


def _plural(count: Any, word: str) -> str:
    many = "entries" if word == "entry" else word + "s"
    return f"{count} {word if count == 1 else many}"


def _readable(error: Mapping[str, Any]) -> str:
    """Pydantic's message, as the end of ``<key> …``: "must be ≥ 1" and the like."""
    kind = str(error.get("type", ""))
    raw_ctx = error.get("ctx")
    ctx: Mapping[str, Any] = raw_ctx if isinstance(raw_ctx, Mapping) else {}
    msg = str(error.get("msg", "")).strip()
    bounds = {
        "greater_than_equal": ("≥", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("≤", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds and bounds[kind][1] in ctx:
        sign, name = bounds[kind]
        return f"must be {sign} {ctx[name]}"
    if kind in ("string_too_short", "string_too_long") and (
        "min_length" in ctx or "max_length" in ctx
    ):
        least = kind == "string_too_short"
        count = ctx.get("min_length" if least else "max_length")
        return f"must be at {'least' if least else 'most'} {_plural(count, 'character')} long"
    if kind in ("too_short", "too_long"):
        least = kind == "too_short"
        count = ctx.get("min_length" if least else "max_length")
        word = "entry" if ctx.get("field_type") == "Dictionary" else "item"
        return f"must have at {'least' if least else 'most'} {_plural(count, word)}"
    if kind == "string_pattern_mismatch" and "pattern" in ctx:
        return f"must match the pattern {ctx['pattern']}"
    if kind in ("literal_error", "enum") and "expected" in ctx:
        expected = str(ctx["expected"])
        one_of = "one of " if " or " in expected else ""
        return f"must be {one_of}{expected}"
    if kind == "union_tag_invalid" and "discriminator" in ctx:
        expected = ctx.get("expected_tags", "")
        return f"must have {ctx['discriminator']} set to one of {expected} (got '{ctx.get('tag')}')"
    if kind == "union_tag_not_found" and "discriminator" in ctx:
        return f"must have the key {ctx['discriminator']}, which says which kind it is"
    if kind == "multiple_of" and "multiple_of" in ctx:
        return f"must be a multiple of {ctx['multiple_of']}"
    words = {
        ("int_type", "int_parsing"): "must be a whole number",
        ("int_from_float",): "must be a whole number, without a fraction",
        ("float_type", "float_parsing"): "must be a number",
        ("bool_type", "bool_parsing"): "must be true or false",
        ("string_type",): "must be a string",
        ("list_type", "tuple_type", "set_type", "frozen_set_type"): "must be a list",
        ("dict_type", "model_type", "model_attributes_type", "dataclass_type"): "must be a mapping",
        ("none_required",): "must be null",
        ("finite_number",): "must be a finite number",
    }
    for kinds, text in words.items():
        if kind in kinds:
            return text
    if kind in ("value_error", "assertion_error"):
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ").strip()
        return msg or "is not valid"
    if msg.startswith("Input should be "):
        return "must be " + msg.removeprefix("Input should be ")
    if kind.startswith("url_") and msg.startswith("URL "):
        return "must be a valid URL: " + msg[4:]
    return (msg[:1].lower() + msg[1:]) if msg else f"is not valid ({kind or 'unknown error'})"


def _literal_hint(error: Mapping[str, Any], node: Merged) -> str | None:
    """The allowed value a misspelt one was probably meant to be."""
    ctx = error.get("ctx")
    if error.get("type") not in ("literal_error", "enum") or not isinstance(ctx, Mapping):
        return None
    value = node.value
    if not isinstance(value, str) or isinstance(value, Encrypted):
        return None
    options = _QUOTED.findall(str(ctx.get("expected", "")))
    for option in options:
        if option.lower() == value.lower() and option != value:
            return str(option)
    starting = [o for o in options if value and o.lower().startswith(value.lower())]
    if len(starting) == 1:
        return str(starting[0])  # 'prod' for 'production'
    close = difflib.get_close_matches(value, options, n=1)
    return close[0] if close and close[0] != value else None


def _describe(node: Merged) -> str:
    if node.kind == MAPPING:
        return "a mapping"
    if node.kind == SEQUENCE:
        return "a list"
    value = node.value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value.replace("\n", "\\n")
        if len(text) > _MAX_SHOWN:
            text = text[: _MAX_SHOWN - 1] + "…"
        return f"'{text}'"
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


# --------------------------------------------------------------------- secrets


def lint_secrets(root: Merged, secret_keys: re.Pattern[str]) -> list[Problem]:
    """Secret-named keys whose value is written in a file in the clear.

    It runs on every resolve, so it walks mappings itself and builds a path only for
    a scalar whose key matches (keys repeat, so each key is matched once).
    """
    problems: list[Problem] = []
    matched: dict[str, bool] = {}

    def is_secret(key: str | None) -> bool:
        if key is None:
            return False
        hit = matched.get(key)
        if hit is None:
            hit = matched[key] = secret_keys.search(key) is not None
        return hit

    def check(path: tuple[str | int, ...], node: Merged) -> None:
        value = node.value
        if not isinstance(value, str) or not value.strip() or not _literal(node):
            return
        shown = format_path(path)
        message = (
            f"{shown} is stored in plain text in {node.file}; encrypt it with"
            " 'confscope secrets encrypt' or read it from an environment variable"
        )
        problems.append(
            Problem(
                "error",
                message,
                shown,
                node.file,
                node.line,
                node.column,
                node.layer,
                "plaintext-secret",
            )
        )

    stack: list[tuple[tuple[str | int, ...], Merged, str | None]] = [((), root, None)]
    try:
        while stack:
            path, node, key = stack.pop()
            if node.kind == MAPPING:
                for child_key, child in node.value.items():
                    if not path and child_key == _METADATA:
                        continue
                    if child.kind == SCALAR:
                        if is_secret(child_key):
                            check((*path, child_key), child)
                    else:
                        stack.append(((*path, child_key), child, child_key))
            elif node.kind == SEQUENCE:
                secret = is_secret(key)
                for index, child in enumerate(node.value):
                    if child.kind == SCALAR:
                        if secret:
                            check((*path, index), child)
                    else:
                        stack.append(((*path, index), child, key))
    except Exception as error:  # an odd tree: report, never raise
        message = f"the secrets check stopped early: {type(error).__name__}: {error}"
        problems.append(Problem("error", message, code="plaintext-secret"))
    return sorted(problems, key=_order)


def _literal(node: Merged) -> bool:
    """Whether a string's text came from the file rather than from the environment."""
    raw = node.node.value if node.node is not None else None
    if isinstance(raw, str) and "${" in raw and (not node.trace or raw == node.value):
        # Not interpolated (yet), or its expansion failed: the file only names a
        # variable, and a failed expansion is reported where it happened.
        return False
    for read in node.trace or ():
        if not getattr(read, "used_default", False) and getattr(read, "value", None):
            return False
    return True


# ------------------------------------------------------------------------ all


def validate(
    root: Merged,
    *,
    model: type[BaseModel] | None,
    secret_keys: re.Pattern[str] | None,
    layers: Sequence[LayerFile],
) -> list[Problem]:
    """The schema and the secrets lint together, sorted by file and line."""
    problems: list[Problem] = []
    if model is not None:
        problems.extend(validate_schema(root, model, layers, secret_keys=secret_keys))
    if secret_keys is not None:
        problems.extend(lint_secrets(root, secret_keys))
    return sorted(problems, key=_order)


def _order(problem: Problem) -> tuple[bool, str, int, int]:
    return (
        problem.file is not None,
        problem.file or "",
        problem.line or 0,
        problem.column or 0,
    )
