"""Checking the merged config: the pydantic schema, unknown keys and plaintext secrets.

Every check collects `Problem`s and carries on, so one run shows all of them. Each
problem points at the definition a person has to edit: the winning file and line of
the bad value, or, for a key that is missing, the mapping that should hold it in the
highest layer that defines that mapping.
"""

from __future__ import annotations

import difflib
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from core.containment import Contained
from core.expanding import lint_secrets
from core.model import (
    MAPPING,
    METADATA_KEY,
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
from core.schemawalk import (
    describe,
    literal_hint,
    plural,
    readable,
    walk_type,
)
from core.secrets.policy import SecretKeys

# ---------------------------------------------------------------------- schema


def validate_schema(
    root: Merged,
    model: type[BaseModel],
    layers: Sequence[LayerFile],
    *,
    secret_keys: SecretKeys | None = None,
) -> list[Problem]:
    """Validate the merged tree against ``model``; every error located at its definition.

    Values of secret keys (`core.secrets.policy`) and encrypted values are never
    quoted in a message.
    """
    check = _SchemaCheck(root, layers, secret_keys)
    # The model's validators are the set's code: contained like its import.
    with Contained() as run:
        check.run(model)
    if run.error is not None:  # a bug here must not hide the problems found so far
        error = run.error
        message = f"the schema check stopped early: {type(error).__name__}: {error}"
        check.problems.append(Problem(severity="error", message=message, code="schema"))
    return sorted(check.problems, key=Problem.sort_key)


# Without its key, an encrypted value is checked by the type sops recorded for it: the
# schema sees a stand-in of that type, and only a wrong type is reported there.
_STAND_INS: dict[str, Any] = {"int": 0, "float": 0.0, "bool": False}


def _plain(node: Merged, top: bool = False) -> Any:
    """The data pydantic sees: an encrypted value still locked becomes a stand-in of
    its recorded type (its ``ENC[...]`` text for a string)."""
    if node.kind == MAPPING and isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items() if not (top and k == METADATA_KEY)}
    if node.kind == SEQUENCE and isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    if isinstance(node.value, Encrypted):
        return _STAND_INS.get(node.value.type, node.value.raw)
    return node.value


def _uncheckable(item: Any) -> bool:
    """An error at a locked encrypted value that only its plaintext could settle: any
    but a type mismatch of a non-string (a string's text may still parse as anything)."""
    value = item.node.value
    if not isinstance(value, Encrypted):
        return False
    kind = str(item.type)
    return value.type == "str" or not (kind.endswith("_type") or kind.endswith("_parsing"))


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
        self, root: Merged, layers: Sequence[LayerFile], secret_keys: SecretKeys | None
    ) -> None:
        self.root = root
        self.layers = layers
        self.secret_keys = secret_keys or SecretKeys()
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
        return Problem.at(node, path, message, code="schema")

    def report(self, item: _Located) -> None:
        if _uncheckable(item):
            return
        message = readable(item.error)
        if item.on_key and item.path:
            message = f"the key '{item.path[-1]}' {message}"
            self.problems.append(self.at(item.node, item.path, message))
            return
        got = self.got(item)
        if got:
            message = f"{message} ({got})"
        hint = literal_hint(item.error, item.node)
        if hint:
            message = f"{message}; did you mean '{hint}'?"
        self.problems.append(self.at(item.node, item.path, message))

    def report_union(self, group: list[_Located]) -> None:
        forms: list[str] = []
        for item in group:
            form = readable(item.error)
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
            return f"got an encrypted {node.value.type}, recorded so by sops"
        if item.type in ("too_short", "too_long") and node.kind != SCALAR:
            word = "entry" if node.kind == MAPPING else "item"
            return f"got {plural(len(node.value), word)}"
        if node.node.sealed is not None or self.secret_keys.on_path(item.path):
            return "got a value not shown here because it is a secret"
        return "got " + describe(node)

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
        return Problem(severity="error", message=message, code="schema")

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
            Problem(
                severity="error",
                message=message,
                path=format_path(item.path),
                file=file,
                line=line,
                column=column,
                layer=layer,
                code="schema",
            )
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
        for path, node, known, forbidden in walk_type(model, self.root, ()):
            if path != (METADATA_KEY,):
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
        self.problems.append(Problem.at(node, path, message, code="unknown-key", severity=severity))


def _is_mapping(node: Merged | None) -> bool:
    return node is not None and node.kind == MAPPING


def _node_at(root: Node | None, path: KeyPath) -> Node | None:
    node = root
    for key in path:
        if node is None or node.kind != MAPPING or not isinstance(node.value, dict):
            return None
        node = node.value.get(key) if isinstance(key, str) else None
    return node


# ------------------------------------------------------------------------ all


def validate(
    root: Merged,
    *,
    model: type[BaseModel] | None,
    secret_keys: SecretKeys | None,
    layers: Sequence[LayerFile],
) -> list[Problem]:
    """The schema and the secrets lint together, sorted by file and line."""
    problems: list[Problem] = []
    if model is not None:
        problems.extend(validate_schema(root, model, layers, secret_keys=secret_keys))
    if secret_keys is not None:
        problems.extend(lint_secrets(root, secret_keys))
    return sorted(problems, key=Problem.sort_key)
