"""The `requires` condition as a graph: which layers each layer requires, and its cycles.

Layers are numbered by their place in the merge order. A required name that is not a
layer, and a cycle of layers requiring each other, are errors that leave the layers
concerned inactive (`core.activation` decides that; this finds and words them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.conditions import as_list
from core.metadata import metadata_node
from core.model import METADATA_KEY, SEQUENCE, LayerFile, Node, Problem
from core.words import did_you_mean

# A longer requires cycle is shown by its first and last steps.
_CYCLE_SHOWN = 8


@dataclass(frozen=True, slots=True)
class Requirements:
    """Each layer's `requires`, by index into the layers in merge order."""

    names: list[list[str]]  # the names it requires, as written
    edges: list[list[int]]  # the layers among them that exist, each once
    unusable: list[bool]  # its `requires` cannot be read (a wrong type)


def requirements(
    ordered: Sequence[LayerFile], index_of: dict[str, int]
) -> tuple[Requirements, list[Problem]]:
    """Who requires whom, and an error for each required name that is not a layer."""
    count = len(ordered)
    graph = Requirements([[] for _ in range(count)], [[] for _ in range(count)], [False] * count)
    problems: list[Problem] = []
    for i, layer in enumerate(ordered):
        if layer.is_base or "requires" not in layer.conditions:
            continue
        names = as_list(layer.conditions["requires"])
        if names is None:
            graph.unusable[i] = True
            continue
        nodes = _requires_nodes(layer)
        graph.names[i] = names
        for position, name in enumerate(names):
            target = index_of.get(name)
            if target is not None:
                if target not in graph.edges[i]:
                    graph.edges[i].append(target)
                continue
            message = (
                f"layer '{layer.name}' requires '{name}', which is not a layer in this"
                f" config set{did_you_mean(name, list(index_of))}; the layer is inactive"
            )
            node = nodes[position] if position < len(nodes) else None
            problems.append(_requires_problem(layer, node, message))
    return graph, problems


def is_cycle(component: list[int], edges: list[list[int]]) -> bool:
    """Whether a strongly connected component is a cycle (a layer requiring itself is)."""
    return len(component) > 1 or component[0] in edges[component[0]]


def cycle_problem(
    ordered: Sequence[LayerFile], component: list[int], edges: list[list[int]]
) -> tuple[str, Problem]:
    """The cycle as text (``a → b → a``) and the error about it, at its first layer."""
    start = min(component)
    path = _cycle_path(start, set(component), edges)
    shown = [ordered[i].name for i in path]
    if len(shown) > _CYCLE_SHOWN:
        shown = [*shown[:4], "…", *shown[-3:]]
    cycle_text = " → ".join(shown)
    first = ordered[start]
    node = metadata_node(first.root, "conditions", "requires")
    message = f"requires cycle: {cycle_text}; layers in a cycle are inactive unless forced on"
    return cycle_text, _requires_problem(first, node, message)


def _requires_problem(layer: LayerFile, node: Node | None, message: str) -> Problem:
    """An error about `layer`'s `requires`, at `node` when it is known."""
    return Problem(
        severity="error",
        message=message,
        path=f"{METADATA_KEY}.conditions.requires",
        file=layer.display,
        line=None if node is None else node.line,
        column=None if node is None else node.column,
        layer=layer.name,
        code="activation",
    )


def _requires_nodes(layer: LayerFile) -> list[Node | None]:
    """The node of each `requires` entry (for positions), parallel to the names."""
    node = metadata_node(layer.root, "conditions", "requires")
    if node is None:
        return []
    if node.kind == SEQUENCE:
        return list(node.value)
    return [node]


def components(edges: list[list[int]]) -> list[list[int]]:
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
