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

from core.conditions import as_list, own_checks
from core.context import NO_TYPE, Context
from core.metadata import (
    layer_file,
    metadata_node,
)
from core.model import METADATA_KEY, SEQUENCE, LayerFile, Node, Problem, Verdict
from core.words import did_you_mean

# Context and layer_file are read here by the engine's callers: one import for all.
__all__ = ["Context", "evaluate", "layer_file", "merge_order"]


# A longer requires cycle is shown by its first and last steps.
_CYCLE_SHOWN = 8

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


def _requires_nodes(layer: LayerFile) -> list[Node | None]:
    """The node of each `requires` entry (for positions), parallel to the names."""
    node = metadata_node(layer.root, "conditions", "requires")
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
    count = len(ordered)

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

    problems += _unmentioned_choices(ordered, context)

    # requires: names, known targets and problems for the unknown ones
    requires: list[list[str]] = [[] for _ in range(count)]
    edges: list[list[int]] = [[] for _ in range(count)]
    unusable: list[bool] = [False] * count
    for i, layer in enumerate(ordered):
        if layer.is_base or "requires" not in layer.conditions:
            continue
        names = as_list(layer.conditions["requires"])
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
                    severity="error",
                    message=f"layer '{layer.name}' requires '{name}', which is not a layer in this"
                    f" config set{did_you_mean(name, list(index_of))}; the layer is inactive",
                    path=f"{METADATA_KEY}.conditions.requires",
                    file=layer.display,
                    line=None if node is None else node.line,
                    column=None if node is None else node.column,
                    layer=layer.name,
                    code="activation",
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
            node = metadata_node(first.root, "conditions", "requires")
            problems.append(
                Problem(
                    severity="error",
                    message=f"requires cycle: {cycle_text}; layers in a cycle are inactive unless"
                    " forced on",
                    path=f"{METADATA_KEY}.conditions.requires",
                    file=first.display,
                    line=None if node is None else node.line,
                    column=None if node is None else node.column,
                    layer=first.name,
                    code="activation",
                )
            )
        for i in sorted(component):
            layer = ordered[i]
            if layer.is_base:
                active[i] = layer.name not in context.force_off
                continue
            checks = own_checks(layer, context)
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
    return Activation(ordered, verdicts, problems)
