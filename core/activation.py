"""Which layers take part: layer metadata, the activation context and the verdicts.

An override file may start with a `_metadata` mapping::

    _metadata:
      name: docker              # default: the file stem, unique from the path if shared
      priority: 30              # higher wins; default 10; ties: the later file wins
      interpolation: false      # keep ${...} literal in this layer (default: manifest)
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

from collections.abc import Sequence
from dataclasses import dataclass, replace

from core.conditions import own_checks
from core.context import NO_TYPE, Context
from core.metadata import (
    layer_file,
    metadata_node,
)
from core.model import METADATA_KEY, LayerFile, Problem, Verdict
from core.requiring import components, cycle_problem, is_cycle, requirements
from core.words import did_you_mean

# Context and layer_file are read here by the engine's callers: one import for all.
__all__ = ["Context", "evaluate", "layer_file", "merge_order"]

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
            new_name = f"{layer.name}@{layer.source}"
            count = 2
            while new_name in seen:
                new_name = f"{layer.name}@{layer.source}~{count}"
                count += 1
            at = metadata_node(layer.root, "name") or metadata_node(layer.root)
            problems.append(
                Problem(
                    severity="error",
                    message=f"layer name '{layer.name}' is already used by {first.where};"
                    f" this layer is called '{new_name}' instead",
                    path=f"{METADATA_KEY}.name" if at is not None else "",
                    file=layer.display,
                    line=at.line if at is not None else None,
                    column=at.column if at is not None else None,
                    layer=new_name,
                    code="activation",
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


@dataclass(frozen=True, slots=True)
class Activation:
    """The layers in merge order (lowest first, duplicate names renamed), the verdict of
    each at the same index, and the problems found on the way."""

    ordered: list[LayerFile]
    verdicts: list[Verdict]
    problems: list[Problem]

    @property
    def active(self) -> list[LayerFile]:
        return [layer for layer, v in zip(self.ordered, self.verdicts, strict=True) if v.active]


def _unmentioned_choices(layers: Sequence[LayerFile], context: Context) -> list[Problem]:
    """A warning for an --env / --type no layer's conditions name: a typo would
    otherwise quietly show the base."""
    base = context.baseline
    if base is None:
        return []
    problems: list[Problem] = []
    for flag, what, chosen, condition in (
        ("--env", "environment", base.environment, "environment"),
        ("--type", "override type", base.override_type, "override_type"),
    ):
        if not chosen or chosen == NO_TYPE:
            continue
        known: list[str] = []
        for layer in layers:
            wanted = layer.conditions.get(condition) if not layer.is_base else None
            for name in [wanted] if isinstance(wanted, str) else wanted or []:
                if isinstance(name, str) and name not in known:
                    known.append(name)
        if chosen in known:
            continue
        if known:
            listed = f"the {what}s they name are {', '.join(sorted(known))}"
        else:
            listed = f"no layer has an {condition} condition"
        problems.append(
            Problem(
                severity="warning",
                message=f"{flag} '{chosen}' is not named by any layer's conditions"
                f"{did_you_mean(chosen, known)}; {listed}",
                code="activation",
            )
        )
    return problems


def evaluate(layers: Sequence[LayerFile], context: Context) -> tuple[list[Verdict], list[Problem]]:
    """One verdict per layer, in merge order (lowest priority first), and the problems."""
    activation = activate(layers, context)
    return activation.verdicts, activation.problems


# Whether a layer's conditions hold, and each check with its reason.
_Result = tuple[bool, list[tuple[bool, str]]]


def activate(layers: Sequence[LayerFile], context: Context) -> Activation:
    """One verdict per layer, in merge order (lowest priority first), and the problems.

    Bases come first in file order, then overrides by priority, a tie going to the
    later file. An override is active when all its conditions hold and every layer it
    requires is active, unless a what-if forces it on or off. Reasons list the failing
    conditions first. A `requires` cycle or an unknown required layer is an error and
    leaves the layer inactive.
    """
    ordered, problems = _prepare(layers)
    index_of = {layer.name: i for i, layer in enumerate(ordered)}
    problems += _unknown_forced(context, index_of)
    problems += _unmentioned_choices(ordered, context)
    graph, graph_problems = requirements(ordered, index_of)
    problems += graph_problems
    active: list[bool] = [False] * len(ordered)
    results: list[_Result | None] = [None] * len(ordered)
    for component in components(graph.edges):
        cycle_text = ""
        if is_cycle(component, graph.edges):
            cycle_text, problem = cycle_problem(ordered, component, graph.edges)
            problems.append(problem)
        in_cycle = set(component) if cycle_text else set()
        for i in sorted(component):
            layer = ordered[i]
            if layer.is_base:
                active[i] = layer.name not in context.force_off
                continue
            checks = own_checks(layer, context)
            if graph.unusable[i]:
                checks.append((False, "condition 'requires' cannot be evaluated (see problems)"))
            for name in graph.names[i]:
                checks.append(
                    _requires_check(name, index_of.get(name), in_cycle, cycle_text, active)
                )
            holds = not cycle_text and all(ok for ok, _ in checks)
            if layer.name in context.force_off:
                active[i] = False
            elif layer.name in context.force_on:
                active[i] = True
            else:
                active[i] = holds
            results[i] = (holds, checks)
    verdicts = [_verdict(layer, active[i], results[i], context) for i, layer in enumerate(ordered)]
    return Activation(ordered, verdicts, problems)


def _unknown_forced(context: Context, index_of: dict[str, int]) -> list[Problem]:
    """A warning for each layer a what-if forces on or off that does not exist."""
    problems: list[Problem] = []
    for name in sorted(context.force_on | context.force_off):
        if name not in index_of:
            how = "off" if name in context.force_off else "on"
            known = did_you_mean(name, list(index_of))
            problems.append(
                Problem(
                    severity="warning",
                    message=f"the what-if forces layer '{name}' {how},"
                    f" but there is no such layer{known}",
                    code="activation",
                )
            )
    return problems


def _requires_check(
    name: str, target: int | None, in_cycle: set[int], cycle_text: str, active: list[bool]
) -> tuple[bool, str]:
    """Whether the layer `name` (at index `target`) that a layer requires lets it be active."""
    if target is None:
        return (False, f"requires '{name}', which is not a layer")
    if target in in_cycle:
        return (False, f"requires {name}, which is in a requires cycle ({cycle_text})")
    if active[target]:
        return (True, f"requires {name}, which is active")
    return (False, f"requires {name}, which is inactive")


def _verdict(layer: LayerFile, active: bool, result: _Result | None, context: Context) -> Verdict:
    """`layer`'s verdict: the failing checks first, then those that hold."""
    forced_off = layer.name in context.force_off
    forced_on = layer.name in context.force_on and not forced_off
    if layer.is_base or result is None:
        reasons = ("forced off by what-if",) if forced_off else ("always active (base)",)
        return Verdict(layer.name, layer.display, layer.priority, active, reasons, True, forced_off)
    _, checks = result
    texts = [text for ok, text in checks if not ok] + [text for ok, text in checks if ok]
    if not checks:
        texts = ["always active (no conditions)"]
    if forced_off:
        texts.insert(0, "forced off by what-if")
    elif forced_on:
        texts.insert(0, "forced on by what-if")
    return Verdict(
        layer.name,
        layer.display,
        layer.priority,
        active,
        tuple(texts),
        False,
        forced_on or forced_off,
    )
