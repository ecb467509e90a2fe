"""Merging: the result matches a small reference model, and provenance names the winner."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from core.loading import parse_bytes
from core.merging import merge_layers
from core.model import MAPPING, SCALAR, SEQUENCE, LayerFile, Merged, Node


@dataclass(frozen=True)
class Tagged:
    tag: str
    value: Any


UNSET = Tagged("!unset", None)


def to_node(value: Any) -> Node:
    tag = None
    if isinstance(value, Tagged):
        tag, value = value.tag, value.value
    if isinstance(value, dict):
        return Node(MAPPING, {k: to_node(v) for k, v in value.items()}, 1, 1, tag)
    if isinstance(value, list):
        return Node(SEQUENCE, [to_node(v) for v in value], 1, 1, tag)
    return Node(SCALAR, value, 1, 1, tag)


def layer(name: str, root: Node | None, order: int = 0) -> LayerFile:
    return LayerFile(
        name, Path(f"{name}.yml"), f"{name}.yml", order == 0, order, order, "", {}, None, root
    )


def clean(value: Any) -> Any:
    """What a value means when nothing is inherited under it."""
    if isinstance(value, Tagged):
        return clean(value.value)
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v != UNSET}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


MISSING = object()


def reference(base: Any, over: Any) -> Any:
    """The merge rules of SPEC.md, written as plainly as possible."""
    if isinstance(over, Tagged):
        if over.tag == "!replace":
            return clean(over.value)
        if over.tag in ("!append", "!prepend") and isinstance(base, list):
            added = clean(over.value)
            return base + added if over.tag == "!append" else added + base
        return clean(over.value)
    if isinstance(over, dict) and isinstance(base, dict):
        result = dict(base)
        for key, value in over.items():
            if value == UNSET:
                result.pop(key, None)
            else:
                result[key] = reference(result.get(key, MISSING), value)
        return result
    return clean(over)


keys = st.sampled_from(list("abcde"))
scalars = st.one_of(st.integers(0, 9), st.text(string.ascii_lowercase, max_size=3), st.none())
lists = st.lists(scalars, max_size=3)


def values(depth: int) -> st.SearchStrategy[Any]:
    leaf = st.one_of(
        scalars,
        lists,
        st.builds(Tagged, st.sampled_from(["!append", "!prepend"]), lists),
        st.just(UNSET),
    )
    if depth == 0:
        return leaf
    mapping = st.dictionaries(keys, values(depth - 1), max_size=4)
    return st.one_of(leaf, mapping, st.builds(Tagged, st.just("!replace"), mapping))


layer_trees = st.lists(st.dictionaries(keys, values(2), max_size=4), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(layer_trees)
def test_merge_matches_reference_model(trees: list[dict[str, Any]]) -> None:
    layers = [layer(f"l{i}", to_node(tree), i) for i, tree in enumerate(trees)]
    expected: Any = {}
    for tree in trees:
        expected = reference(expected, tree)
    result = merge_layers(layers)
    assert result.root.plain() == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.dictionaries(keys, st.dictionaries(keys, scalars, max_size=3), max_size=3),
        min_size=1,
        max_size=5,
    )
)
def test_winner_is_the_highest_layer_defining_a_leaf(trees: list[dict[str, Any]]) -> None:
    layers = [layer(f"l{i}", to_node(tree), i) for i, tree in enumerate(trees)]
    root = merge_layers(layers).root
    for outer, inner in root.value.items():
        for key, node in inner.value.items() if inner.kind == MAPPING else []:
            definers = [
                i for i, t in enumerate(trees) if isinstance(t.get(outer), dict) and key in t[outer]
            ]
            # A scalar at `outer` in a later layer would have replaced the mapping whole.
            assert node.layer == f"l{definers[-1]}"
            assert [d.layer for d in node.overridden] == [f"l{i}" for i in definers[:-1]]


def parsed_layer(name: str, text: str, order: int) -> LayerFile:
    parsed = parse_bytes(text.encode(), f"{name}.yml", name)
    assert not parsed.problems, parsed.problems
    return layer(name, parsed.root, order)


def test_provenance_lines_directives_and_removals() -> None:
    base = parsed_layer(
        "base", "db:\n  port: 5432\n  hosts: [a]\n  tls: {on_: true}\n  debug: false\n", 0
    )
    over = parsed_layer(
        "docker",
        "# comment\ndb:\n  port: 6543\n  hosts: !append [b]\n"
        "  tls: !replace {mode: strict}\n  debug: !unset\n",
        1,
    )
    result = merge_layers([base, over])
    db = result.root.value["db"]
    port = db.value["port"]
    assert (port.layer, port.file, port.line, port.column) == ("docker", "docker.yml", 3, 3)
    [beaten] = port.overridden
    assert (beaten.layer, str(beaten.origin), beaten.value) == ("base", "base.yml:2:3", 5432)
    hosts = db.value["hosts"]
    assert hosts.directive == "!append" and hosts.plain() == ["a", "b"]
    assert [item.layer for item in hosts.value] == ["base", "docker"]
    assert db.value["tls"].directive == "!replace" and db.value["tls"].plain() == {"mode": "strict"}
    assert "debug" not in db.value
    removal = result.removals[("db", "debug")]
    assert removal.layer == "docker" and str(removal.origin) == "docker.yml:6:3"
    assert removal.removed.value is False and str(removal.removed.origin) == "base.yml:5:3"
    assert db.layer == "docker" and [d.layer for d in db.overridden] == ["base"]


def test_kind_change_is_a_warning_with_both_places() -> None:
    base = parsed_layer("base", "ssl: false\nlist: [1]\nnothing: null\n", 0)
    over = parsed_layer("over", "ssl:\n  mode: require\nlist: {a: 1}\nnothing: {a: 1}\n", 1)
    result = merge_layers([base, over])
    found = [(p.code, p.path, p.line, p.severity) for p in result.problems]
    # null → mapping is the usual way to fill in an optional section: no warning.
    assert found == [("kind-change", "ssl", 1, "warning"), ("kind-change", "list", 3, "warning")]
    assert "base.yml:1" in result.problems[0].message


def test_append_on_a_non_list_is_an_error_and_replaces() -> None:
    base = parsed_layer("base", "a: 1\n", 0)
    over = parsed_layer("over", "a: !append [2]\n", 1)
    result = merge_layers([base, over])
    assert result.root.plain() == {"a": [2]}
    assert [p.code for p in result.problems] == ["directive"]


def test_metadata_never_reaches_the_merged_config() -> None:
    over = parsed_layer("over", "_metadata:\n  priority: 5\nx: 1\n", 0)
    assert merge_layers([over]).root.plain() == {"x": 1}


def merged_leaves(node: Merged) -> int:
    return sum(1 for _ in node.walk())


# -- provenance end to end on generated files ----------------------------------------

small_keys = st.sampled_from(["a", "b", "c"])
leaf_values = st.one_of(st.integers(0, 99), st.sampled_from(["x", "y z"]))
layer_dicts = st.recursive(
    leaf_values,
    lambda inner: st.dictionaries(small_keys, inner, min_size=1, max_size=3),
    max_leaves=8,
).filter(lambda v: isinstance(v, dict))


def emit_with_positions(
    tree: dict[str, Any], file: str, header: list[str]
) -> tuple[str, dict[tuple[str, ...], tuple[str, int, int]]]:
    """Block YAML, and where each key stands (file, line, column), by path."""
    lines = list(header)
    where: dict[tuple[str, ...], tuple[str, int, int]] = {}

    def emit(mapping: dict[str, Any], path: tuple[str, ...], indent: int) -> None:
        for key, value in mapping.items():
            where[(*path, key)] = (file, len(lines) + 1, indent + 1)
            if isinstance(value, dict):
                lines.append(" " * indent + f"{key}:  # section")
                emit(value, (*path, key), indent + 4)
            else:
                shown = value if isinstance(value, int) else f'"{value}"'
                lines.append(" " * indent + f"{key}: {shown}")

    emit(tree, (), 0)
    return "\n".join(lines) + "\n", where


def reference_winners(
    layers: list[tuple[dict[str, Any], dict[tuple[str, ...], tuple[str, int, int]]]],
) -> dict[tuple[str, ...], tuple[str, int, int]]:
    """Leaf path → the position of its winning definition, by the plain merge rules."""
    merged: dict[str, Any] = {}
    origin: dict[tuple[str, ...], tuple[str, int, int]] = {}

    def apply(
        target: dict[str, Any],
        source: dict[str, Any],
        path: tuple[str, ...],
        where: dict[tuple[str, ...], tuple[str, int, int]],
    ) -> None:
        for key, value in source.items():
            here = (*path, key)
            if isinstance(value, dict) and isinstance(target.get(key), dict):
                apply(target[key], value, here, where)
                continue
            for stale in [p for p in origin if p[: len(here)] == here]:
                del origin[stale]
            target[key] = value
            for p, position in where.items():
                if p[: len(here)] == here:
                    origin[p] = position

    for tree, where in layers:
        apply(merged, tree, (), where)

    def leaves(value: Any, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        if isinstance(value, dict):
            return [leaf for k, v in value.items() for leaf in leaves(v, (*path, k))]
        return [path]

    return {leaf: origin[leaf] for leaf in leaves(merged, ())}


@settings(max_examples=60, deadline=None)
@given(st.lists(layer_dicts, min_size=1, max_size=4))
def test_winning_positions_on_generated_sets(tmp_path_factory: Any, trees: list) -> None:
    from core.configset import ConfigSet

    root = tmp_path_factory.mktemp("set")
    (root / "overrides").mkdir()
    layers = []
    for index, tree in enumerate(trees):
        if index == 0:
            file, header = "base.yml", ["# base"]
        else:
            file = f"overrides/o{index}.yml"
            header = ["_metadata:", f"  name: o{index}", f"  priority: {index}", ""]
        text, where = emit_with_positions(tree, file, header)
        (root / file).write_text(text)
        layers.append((tree, where))
    config = ConfigSet(root)
    resolution = config.resolve(config.context(process_env={}), schema=False)
    found = {
        tuple(str(k) for k in path): (node.file, node.line, node.column)
        for path, node in resolution.root.walk()
        if node.kind != MAPPING
    }
    assert found == reference_winners(layers)
