"""Which layers take part: layer metadata, the activation context and the verdicts.

An override file may start with a `_metadata` mapping::

    _metadata:
      name: docker              # default: the file stem
      priority: 30              # higher wins; default 10; ties: the later file wins
      description: Containerised development stack
      conditions:               # all must hold
        environment: [development, staging]
        override_type: docker
        env:
          DOCKER_HOST: present  # present | absent | "exact value" | {regex: "..."}
        platform: [linux, darwin]
        requires: [local]

Base files are always active and sit below every override, in the order the manifest
lists them (their `LayerFile.priority` is 0, but the merge order never reads it). A
base file may name and describe itself; conditions and a priority on it are ignored
with a warning.

Conditions that cannot be read (an unknown condition name, a value of the wrong type,
an invalid regex) are reported and make their layer inactive: a layer whose
conditions cannot be checked never takes part by accident.

The context is what conditions are checked against: the environment name, the
override type, the process environment, the platform and the layers forced on or off
by a what-if. `Context.build` reads the real ones; what-if changes are applied on top
and described in `Context.changes`.
"""

from __future__ import annotations

import difflib
import enum
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from core.model import MAPPING, SCALAR, SEQUENCE, LayerFile, Node, Origin, Problem, Verdict

__all__ = [
    "BASE_PRIORITY",
    "CONDITION_KEYS",
    "DEFAULT_PRIORITY",
    "INVALID",
    "KEEP",
    "METADATA_KEY",
    "METADATA_KEYS",
    "Baseline",
    "Context",
    "WhatIfInputs",
    "evaluate",
    "layer_file",
    "merge_order",
]

METADATA_KEY = "_metadata"
METADATA_KEYS = ("name", "priority", "description", "conditions")
CONDITION_KEYS = ("environment", "override_type", "env", "platform", "requires")
DEFAULT_PRIORITY = 10
BASE_PRIORITY = 0
# Key of `LayerFile.conditions` listing conditions that could not be read: each makes
# the layer inactive. It cannot clash with a condition name.
INVALID = "invalid"
ENVIRONMENT_VAR = "ENVIRONMENT"
OVERRIDE_TYPE_VAR = "CONFIG_OVERRIDE_TYPE"
DEFAULT_ENVIRONMENT = "development"

# A longer requires cycle is shown by its first and last steps.
_CYCLE_SHOWN = 8
# Values of variables named like this are never shown in reasons or change texts.
_SECRET_NAME = re.compile(r"(?i)(password|passwd|secret|token|api_?key|private_?key|credential)")


# --- the context ---------------------------------------------------------------


class _Keep(enum.Enum):
    KEEP = enum.auto()


KEEP = _Keep.KEEP
"""Default of `Context.with_changes` keywords: keep that what-if as it is."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """The real context a what-if is measured against."""

    process_env: Mapping[str, str]
    platform: str
    manifest_context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WhatIfInputs:
    """What a what-if changes; empty means the real context."""

    environment: str | None = None
    override_type: str | None = None
    set_env: Mapping[str, str] = field(default_factory=dict)
    unset_env: frozenset[str] = frozenset()
    platform: str | None = None
    force_on: frozenset[str] = frozenset()
    force_off: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Context:
    """What layer conditions are checked against.

    `environment` is the explicit value, else the process's ``ENVIRONMENT``, else the
    manifest's context, else ``development``; `override_type` is the explicit value,
    else ``CONFIG_OVERRIDE_TYPE``, else the manifest's context, else None (an empty
    string counts as not given). `env` is the process environment with what-if
    changes applied. `changes` describes, in words, how this context differs from the
    real one; `baseline` and `what_if` keep what it was built from.
    """

    environment: str
    override_type: str | None
    env: Mapping[str, str]
    platform: str
    force_on: frozenset[str] = frozenset()
    force_off: frozenset[str] = frozenset()
    changes: tuple[str, ...] = ()
    baseline: Baseline | None = field(default=None, repr=False, compare=False)
    what_if: WhatIfInputs = field(default_factory=WhatIfInputs, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        *,
        environment: str | None = None,
        override_type: str | None = None,
        set_env: Mapping[str, str] | None = None,
        unset_env: Iterable[str] = (),
        force_on: Iterable[str] = (),
        force_off: Iterable[str] = (),
        manifest_context: Mapping[str, str] | None = None,
        process_env: Mapping[str, str] | None = None,
        platform: str | None = None,
    ) -> Context:
        """The real context (from `process_env`, default `os.environ`, and `platform`,
        default `sys.platform`) with the given what-if changes applied.

        A variable both set and unset ends up unset; a layer both forced on and off
        ends up forced off.
        """
        baseline = Baseline(
            dict(os.environ if process_env is None else process_env),
            sys.platform if platform is None else platform,
            dict(manifest_context or {}),
        )
        whatif = WhatIfInputs(
            environment or None,
            override_type or None,
            dict(set_env or {}),
            frozenset(unset_env),
            None,
            frozenset(force_on),
            frozenset(force_off),
        )
        return _resolve(baseline, whatif)

    def with_changes(
        self,
        *,
        environment: str | _Keep | None = KEEP,
        override_type: str | _Keep | None = KEEP,
        set_env: Mapping[str, str] | _Keep = KEEP,
        unset_env: Iterable[str] | _Keep = KEEP,
        force_on: Iterable[str] | _Keep = KEEP,
        force_off: Iterable[str] | _Keep = KEEP,
        platform: str | _Keep | None = KEEP,
    ) -> Context:
        """A new context from the same real baseline with these what-ifs replaced.

        A keyword left out keeps this context's what-if; None (for `environment`,
        `override_type`, `platform`) returns to the real value. The newest change wins:
        setting a variable takes it off the unset list and forcing a layer on takes it
        off the forced-off set, and the other way round.
        """
        baseline = self.baseline or self._derived_baseline()
        old = self.what_if if self.baseline is not None else self._derived_whatif(baseline)
        new_set = dict(old.set_env) if isinstance(set_env, _Keep) else dict(set_env)
        new_unset = old.unset_env if isinstance(unset_env, _Keep) else frozenset(unset_env)
        if not isinstance(set_env, _Keep) and isinstance(unset_env, _Keep):
            new_unset = new_unset - new_set.keys()
        if not isinstance(unset_env, _Keep) and isinstance(set_env, _Keep):
            new_set = {k: v for k, v in new_set.items() if k not in new_unset}
        new_on = old.force_on if isinstance(force_on, _Keep) else frozenset(force_on)
        new_off = old.force_off if isinstance(force_off, _Keep) else frozenset(force_off)
        if not isinstance(force_on, _Keep) and isinstance(force_off, _Keep):
            new_off = new_off - new_on
        if not isinstance(force_off, _Keep) and isinstance(force_on, _Keep):
            new_on = new_on - new_off
        whatif = WhatIfInputs(
            old.environment if isinstance(environment, _Keep) else (environment or None),
            old.override_type if isinstance(override_type, _Keep) else (override_type or None),
            new_set,
            new_unset,
            old.platform if isinstance(platform, _Keep) else (platform or None),
            new_on,
            new_off,
        )
        return _resolve(baseline, whatif)

    def _derived_baseline(self) -> Baseline:
        """For a Context made directly: itself, as the real context."""
        defaults = {"environment": self.environment}
        if self.override_type:
            defaults["override_type"] = self.override_type
        return Baseline(dict(self.env), self.platform, defaults)

    def _derived_whatif(self, baseline: Baseline) -> WhatIfInputs:
        real = _resolve(baseline, WhatIfInputs())
        return WhatIfInputs(
            environment=None if real.environment == self.environment else self.environment,
            override_type=None if real.override_type == self.override_type else self.override_type,
            force_on=self.force_on,
            force_off=self.force_off,
        )


def _context_values(
    baseline: Baseline, whatif: WhatIfInputs
) -> tuple[str, str | None, dict[str, str]]:
    env = dict(baseline.process_env)
    env.update(whatif.set_env)
    for name in whatif.unset_env:
        env.pop(name, None)
    environment = (
        whatif.environment
        or env.get(ENVIRONMENT_VAR)
        or baseline.manifest_context.get("environment")
        or DEFAULT_ENVIRONMENT
    )
    override_type = (
        whatif.override_type
        or env.get(OVERRIDE_TYPE_VAR)
        or baseline.manifest_context.get("override_type")
        or None
    )
    return environment, override_type, env


def _resolve(baseline: Baseline, whatif: WhatIfInputs) -> Context:
    environment, override_type, env = _context_values(baseline, whatif)
    real_environment, real_override_type, real_env = _context_values(baseline, WhatIfInputs())
    platform = whatif.platform or baseline.platform
    force_off = whatif.force_off
    force_on = whatif.force_on - force_off

    changes: list[str] = []
    if environment != real_environment:
        changes.append(f"{ENVIRONMENT_VAR}={environment} (was {real_environment})")
    if override_type != real_override_type:
        if override_type is None:
            changes.append(f"{OVERRIDE_TYPE_VAR} unset (was {real_override_type})")
        else:
            changes.append(
                f"{OVERRIDE_TYPE_VAR}={override_type} (was {real_override_type or 'unset'})"
            )
    covered = set()
    if environment != real_environment:
        covered.add(ENVIRONMENT_VAR)
    if override_type != real_override_type:
        covered.add(OVERRIDE_TYPE_VAR)
    for name in [*whatif.set_env, *sorted(whatif.unset_env)]:
        if name in covered or env.get(name) == real_env.get(name):
            continue
        covered.add(name)
        old = real_env.get(name)
        new = env.get(name)
        if new is None:
            changes.append(f"{name} unset")
        elif _SECRET_NAME.search(name):
            changes.append(f"{name} changed (value hidden)" if old is not None else f"{name} set")
        else:
            changes.append(f"{name}={new} (was {'unset' if old is None else old})")
    if platform != baseline.platform:
        changes.append(f"platform {platform} (was {baseline.platform})")
    changes.extend(f"layer {name} forced on" for name in sorted(force_on))
    changes.extend(f"layer {name} forced off" for name in sorted(force_off))
    return Context(
        environment,
        override_type,
        env,
        platform,
        force_on,
        force_off,
        tuple(changes),
        baseline,
        whatif,
    )


# --- reading metadata ----------------------------------------------------------


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _describe(node: Node) -> str:
    if node.kind == MAPPING:
        return "a mapping"
    if node.kind == SEQUENCE:
        return "a list"
    value = node.value
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {node.raw or value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"a {type(value).__name__} value"


def _scalar_text(node: Node) -> str | None:
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


class _MetadataReader:
    def __init__(self, display: str, layer: str) -> None:
        self.display = display
        self.layer = layer
        self.problems: list[Problem] = []

    def report(self, severity: str, message: str, node: Node, path: str) -> None:
        self.problems.append(
            Problem(
                "warning" if severity == "warning" else "error",
                message,
                path,
                self.display,
                node.line,
                node.column,
                self.layer,
                "activation",
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
            text = _scalar_text(item)
            if text is None or not text:
                where = path if node.kind != SEQUENCE else f"{path}[{index}]"
                shown = "an empty string" if text == "" else _describe(item)
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
        text = _scalar_text(node)
        if text is not None:
            return text
        if node.kind == MAPPING and set(node.value) == {"regex"}:
            pattern_node = node.value["regex"]
            pattern = _scalar_text(pattern_node)
            if pattern is None:
                self.report(
                    "error",
                    f"the regex for {name} must be a string, not {_describe(pattern_node)}",
                    pattern_node,
                    f"{path}.regex",
                )
                return None
            try:
                re.compile(pattern)
            except re.error as error:
                self.report(
                    "error",
                    f"the regex for {name} is not a valid regular expression: {error}",
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
                f"{_did_you_mean(extra, ['regex'])}",
                at,
                path,
            )
            return None
        self.report(
            "error",
            f"the condition on {name} must be present, absent, an exact value or"
            f" {{regex: ...}}, not {_describe(node)}",
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
                f" {_describe(node)}; the layer is inactive",
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
                    f"unknown condition '{key}'{_did_you_mean(key, CONDITION_KEYS)};"
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
                f" {{regex: ...}}, not {_describe(node)}",
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


def _metadata_node(root: Node | None, *keys: str) -> Node | None:
    node = root
    for key in (METADATA_KEY, *keys):
        if node is None or node.kind != MAPPING:
            return None
        node = node.value.get(key)
    return node


def layer_file(
    path: Path, display: str, root: Node | None, *, is_base: bool, order: int
) -> tuple[LayerFile, list[Problem]]:
    """The layer one parsed file makes, from its `_metadata`; `root` is kept whole.

    Override priority defaults to `DEFAULT_PRIORITY` (10); base files get
    `BASE_PRIORITY` (0) and always sort below every override anyway.
    """
    name = path.stem
    priority = BASE_PRIORITY if is_base else DEFAULT_PRIORITY
    description = ""
    conditions: dict[str, Any] = {}
    origin: Origin | None = None
    metadata = _metadata_node(root)
    reader = _MetadataReader(display, name)

    if metadata is not None:
        origin = Origin(display, metadata.line, metadata.column)
        if metadata.kind == SCALAR and metadata.value is None:
            pass
        elif metadata.kind != MAPPING:
            reader.report(
                "error",
                f"{METADATA_KEY} must be a mapping of {', '.join(METADATA_KEYS)},"
                f" not {_describe(metadata)}",
                metadata,
                METADATA_KEY,
            )
        else:
            entries: dict[str, Node] = metadata.value
            name_node = entries.get("name")
            if name_node is not None:
                text = _scalar_text(name_node)
                if text is not None and text.strip():
                    name = text.strip()
                    reader.layer = name
                else:
                    shown = "an empty string" if text is not None else _describe(name_node)
                    reader.report(
                        "error",
                        f"the layer name must be a non-empty string, not {shown};"
                        f" the file stem '{name}' is used",
                        name_node,
                        f"{METADATA_KEY}.name",
                    )
            for key, node in entries.items():
                if key not in METADATA_KEYS:
                    reader.report(
                        "error",
                        f"unknown metadata key '{key}'{_did_you_mean(key, METADATA_KEYS)};"
                        f" the keys are {', '.join(METADATA_KEYS)}",
                        node,
                        f"{METADATA_KEY}.{key}",
                    )
            priority_node = entries.get("priority")
            if priority_node is not None:
                value = priority_node.value
                if is_base:
                    reader.report(
                        "warning",
                        "a priority on a base file is ignored: base files always sit below"
                        " every override, in the order the manifest lists them",
                        priority_node,
                        f"{METADATA_KEY}.priority",
                    )
                elif (
                    priority_node.kind == SCALAR
                    and isinstance(value, int)
                    and not isinstance(value, bool)
                ):
                    priority = value
                else:
                    reader.report(
                        "error",
                        f"priority must be a whole number, not {_describe(priority_node)};"
                        f" the default {DEFAULT_PRIORITY} is used",
                        priority_node,
                        f"{METADATA_KEY}.priority",
                    )
            description_node = entries.get("description")
            if description_node is not None:
                text = _scalar_text(description_node)
                if text is not None:
                    description = text.strip()
                elif not (description_node.kind == SCALAR and description_node.value is None):
                    reader.report(
                        "error",
                        f"description must be text, not {_describe(description_node)}",
                        description_node,
                        f"{METADATA_KEY}.description",
                    )
            conditions_node = entries.get("conditions")
            if conditions_node is not None:
                if is_base:
                    if not (conditions_node.kind == SCALAR and conditions_node.value is None):
                        reader.report(
                            "warning",
                            "conditions on a base file are ignored: base files are always active",
                            conditions_node,
                            f"{METADATA_KEY}.conditions",
                        )
                else:
                    conditions = reader.conditions(conditions_node)

    layer = LayerFile(
        name,
        path,
        display,
        is_base,
        order,
        priority,
        description,
        conditions,
        origin,
        root,
    )
    return layer, reader.problems


# --- evaluating ----------------------------------------------------------------


def _merge_key(layer: LayerFile) -> tuple[int, int, int]:
    if layer.is_base:
        return (0, 0, layer.order)
    return (1, layer.priority, layer.order)


def _prepare(layers: Sequence[LayerFile]) -> tuple[list[LayerFile], list[Problem]]:
    """The layers in merge order, a later duplicate name renamed, and its problems."""
    problems: list[Problem] = []
    seen: dict[str, LayerFile] = {}
    unique: list[LayerFile] = []
    for layer in sorted(layers, key=lambda item: item.order):
        first = seen.get(layer.name)
        if first is not None:
            new_name = f"{layer.name}@{layer.display}"
            count = 2
            while new_name in seen:
                new_name = f"{layer.name}@{layer.display}#{count}"
                count += 1
            at = _metadata_node(layer.root, "name") or _metadata_node(layer.root)
            problems.append(
                Problem(
                    "error",
                    f"layer name '{layer.name}' is already used by {first.display};"
                    f" this layer is called '{new_name}' instead",
                    f"{METADATA_KEY}.name" if at is not None else "",
                    layer.display,
                    at.line if at is not None else None,
                    at.column if at is not None else None,
                    new_name,
                    "activation",
                )
            )
            layer = replace(layer, name=new_name)
        seen[layer.name] = layer
        unique.append(layer)
    unique.sort(key=_merge_key)
    return unique, problems


def merge_order(layers: Sequence[LayerFile]) -> list[LayerFile]:
    """The layers in the order `evaluate` returns their verdicts (lowest first).

    A later layer whose name is already taken comes back renamed, as in its verdict,
    so ``zip(merge_order(layers), verdicts)`` pairs each layer with its verdict.
    """
    return _prepare(layers)[0]


def _as_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _wanted(values: list[str]) -> str:
    if len(values) == 1:
        return f"'{values[0]}'"
    return f"one of [{', '.join(values)}]"


def _check_choice(label: str, actual: str | None, wanted: Any, key: str) -> tuple[bool, str]:
    values = _as_list(wanted)
    if values is None:
        return False, f"condition '{key}' cannot be evaluated (see problems)"
    if actual is not None and actual in values:
        also = "" if len(values) == 1 else f", one of [{', '.join(values)}]"
        return True, f"{label} is '{actual}'{also}"
    shown = "not set" if actual is None else f"'{actual}'"
    return False, f"{label} is {shown}; condition wants {_wanted(values)}"


def _check_env(name: str, spec: Any, env: Mapping[str, str]) -> tuple[bool, str]:
    actual = env.get(name)
    hidden = bool(_SECRET_NAME.search(name))
    shown = "" if actual is None or hidden else f" '{actual}'"
    if spec == "present":
        if actual is not None:
            return True, f"{name} is present"
        return False, f"{name} is not set; condition wants it present"
    if spec == "absent":
        if actual is None:
            return True, f"{name} is not set"
        return False, f"{name} is set; condition wants it absent"
    if isinstance(spec, str):
        if actual == spec:
            return True, f"{name} is '{spec}'"
        if actual is None:
            return False, f"{name} is not set; condition wants '{spec}'"
        if hidden:
            return False, f"{name} has another value (hidden); condition wants '{spec}'"
        return False, f"{name} is '{actual}'; condition wants '{spec}'"
    if isinstance(spec, Mapping) and isinstance(spec.get("regex"), str) and len(spec) == 1:
        pattern: str = spec["regex"]
        try:
            matched = actual is not None and re.search(pattern, actual) is not None
        except re.error:
            return False, f"the condition on {name} cannot be evaluated (see problems)"
        if matched:
            return True, f"{name}{shown} matches /{pattern}/"
        if actual is None:
            return False, f"{name} is not set; condition wants a match for /{pattern}/"
        if hidden:
            return False, f"{name} does not match /{pattern}/"
        return False, f"{name} is '{actual}'; condition wants a match for /{pattern}/"
    return False, f"the condition on {name} cannot be evaluated (see problems)"


def _check_platform(platform: str, wanted: Any) -> tuple[bool, str]:
    values = _as_list(wanted)
    if values is None:
        return False, "condition 'platform' cannot be evaluated (see problems)"
    for value in values:
        if platform.startswith(value):
            return True, f"platform '{platform}' matches {value}"
    return False, f"platform is '{platform}'; condition wants {_wanted(values)}"


def _own_checks(layer: LayerFile, context: Context) -> list[tuple[bool, str]]:
    """Every condition except `requires`, in the order they are documented."""
    conditions = layer.conditions
    checks: list[tuple[bool, str]] = []
    for text in conditions.get(INVALID) or ():
        checks.append((False, f"{text} cannot be evaluated (see problems)"))
    if "environment" in conditions:
        checks.append(
            _check_choice(
                "environment", context.environment, conditions["environment"], "environment"
            )
        )
    if "override_type" in conditions:
        checks.append(
            _check_choice(
                "override type", context.override_type, conditions["override_type"], "override_type"
            )
        )
    if "env" in conditions:
        env_specs = conditions["env"]
        if isinstance(env_specs, Mapping):
            for name, spec in env_specs.items():
                checks.append(_check_env(str(name), spec, context.env))
        else:
            checks.append((False, "condition 'env' cannot be evaluated (see problems)"))
    if "platform" in conditions:
        checks.append(_check_platform(context.platform, conditions["platform"]))
    for key in conditions:
        if key not in CONDITION_KEYS and key != INVALID:
            checks.append((False, f"unknown condition '{key}' cannot be evaluated"))
    return checks


def _requires_nodes(layer: LayerFile) -> list[Node | None]:
    """The node of each `requires` entry (for positions), parallel to the names."""
    node = _metadata_node(layer.root, "conditions", "requires")
    if node is None:
        return []
    if node.kind == SEQUENCE:
        return list(node.value)
    return [node]


def _components(edges: list[list[int]]) -> list[list[int]]:
    """Strongly connected components, each after every component it reaches (Tarjan)."""
    count = len(edges)
    index: list[int | None] = [None] * count
    low = [0] * count
    on_stack = [False] * count
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for start in range(count):
        if index[start] is not None:
            continue
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack[start] = True
        work = [(start, 0)]
        while work:
            vertex, position = work[-1]
            if position < len(edges[vertex]):
                work[-1] = (vertex, position + 1)
                target = edges[vertex][position]
                target_index = index[target]
                if target_index is None:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack[target] = True
                    work.append((target, 0))
                elif on_stack[target]:
                    low[vertex] = min(low[vertex], target_index)
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[vertex])
            if low[vertex] == index[vertex]:
                component: list[int] = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == vertex:
                        break
                out.append(component)
    return out


def _cycle_path(start: int, members: set[int], edges: list[list[int]]) -> list[int]:
    """A shortest cycle through `start` inside its component, as start … start."""
    parents: dict[int, int] = {}
    frontier = [start]
    while frontier:
        following: list[int] = []
        for vertex in frontier:
            for target in edges[vertex]:
                if target not in members:
                    continue
                if target == start:
                    back = [vertex]
                    while back[-1] != start:
                        back.append(parents[back[-1]])
                    return [*reversed(back), start]
                if target not in parents:
                    parents[target] = vertex
                    following.append(target)
        frontier = following
    return [start, start]  # unreachable for a real cycle


def evaluate(layers: Sequence[LayerFile], context: Context) -> tuple[list[Verdict], list[Problem]]:
    """One verdict per layer, in merge order (lowest priority first), and the problems.

    Bases come first in file order, then overrides by priority, a tie going to the
    later file. An override is active when all its conditions hold and every layer it
    requires is active, unless a what-if forces it on or off. Reasons list the failing
    conditions first. A `requires` cycle or an unknown required layer is an error and
    leaves the layer inactive.
    """
    ordered, problems = _prepare(layers)
    index_of = {layer.name: i for i, layer in enumerate(ordered)}
    count = len(ordered)

    for name in sorted(context.force_on | context.force_off):
        if name not in index_of:
            how = "off" if name in context.force_off else "on"
            known = _did_you_mean(name, list(index_of))
            problems.append(
                Problem(
                    "warning",
                    f"the what-if forces layer '{name}' {how}, but there is no such layer{known}",
                    code="activation",
                )
            )

    # requires: names, known targets and problems for the unknown ones
    requires: list[list[str]] = [[] for _ in range(count)]
    edges: list[list[int]] = [[] for _ in range(count)]
    unusable: list[bool] = [False] * count
    for i, layer in enumerate(ordered):
        if layer.is_base or "requires" not in layer.conditions:
            continue
        names = _as_list(layer.conditions["requires"])
        if names is None:
            unusable[i] = True
            continue
        nodes = _requires_nodes(layer)
        requires[i] = names
        for position, name in enumerate(names):
            target = index_of.get(name)
            if target is not None:
                if target not in edges[i]:
                    edges[i].append(target)
                continue
            node = nodes[position] if position < len(nodes) else None
            problems.append(
                Problem(
                    "error",
                    f"layer '{layer.name}' requires '{name}', which is not a layer in this"
                    f" config set{_did_you_mean(name, list(index_of))}; the layer is inactive",
                    f"{METADATA_KEY}.conditions.requires",
                    layer.display,
                    None if node is None else node.line,
                    None if node is None else node.column,
                    layer.name,
                    "activation",
                )
            )

    active: list[bool] = [False] * count
    results: list[tuple[bool, list[tuple[bool, str]]] | None] = [None] * count
    for component in _components(edges):
        members = set(component)
        cyclic = len(component) > 1 or component[0] in edges[component[0]]
        cycle_text = ""
        if cyclic:
            start = min(component)
            path = _cycle_path(start, members, edges)
            shown = [ordered[i].name for i in path]
            if len(shown) > _CYCLE_SHOWN:
                shown = [*shown[:4], "…", *shown[-3:]]
            cycle_text = " → ".join(shown)
            first = ordered[start]
            node = _metadata_node(first.root, "conditions", "requires")
            problems.append(
                Problem(
                    "error",
                    f"requires cycle: {cycle_text}; layers in a cycle are inactive unless"
                    " forced on",
                    f"{METADATA_KEY}.conditions.requires",
                    first.display,
                    None if node is None else node.line,
                    None if node is None else node.column,
                    first.name,
                    "activation",
                )
            )
        for i in sorted(component):
            layer = ordered[i]
            if layer.is_base:
                active[i] = layer.name not in context.force_off
                continue
            checks = _own_checks(layer, context)
            if unusable[i]:
                checks.append((False, "condition 'requires' cannot be evaluated (see problems)"))
            for name in requires[i]:
                target = index_of.get(name)
                if target is None:
                    checks.append((False, f"requires '{name}', which is not a layer"))
                elif cyclic and target in members:
                    checks.append(
                        (False, f"requires {name}, which is in a requires cycle ({cycle_text})")
                    )
                elif active[target]:
                    checks.append((True, f"requires {name}, which is active"))
                else:
                    checks.append((False, f"requires {name}, which is inactive"))
            holds = not cyclic and all(ok for ok, _ in checks)
            if layer.name in context.force_off:
                active[i] = False
            elif layer.name in context.force_on:
                active[i] = True
            else:
                active[i] = holds
            results[i] = (holds, checks)

    verdicts: list[Verdict] = []
    for i, layer in enumerate(ordered):
        forced_off = layer.name in context.force_off
        forced_on = layer.name in context.force_on and not forced_off
        result = results[i]
        if layer.is_base or result is None:
            if forced_off:
                reasons: tuple[str, ...] = ("forced off by what-if",)
            else:
                reasons = ("always active (base)",)
            verdicts.append(
                Verdict(
                    layer.name, layer.display, layer.priority, active[i], reasons, True, forced_off
                )
            )
            continue
        _, checks = result
        texts = [text for ok, text in checks if not ok] + [text for ok, text in checks if ok]
        if not checks:
            texts = ["always active (no conditions)"]
        if forced_off:
            texts.insert(0, "forced off by what-if")
        elif forced_on:
            texts.insert(0, "forced on by what-if")
        verdicts.append(
            Verdict(
                layer.name,
                layer.display,
                layer.priority,
                active[i],
                tuple(texts),
                False,
                forced_on or forced_off,
            )
        )
    return verdicts, problems
