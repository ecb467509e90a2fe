"""Property tests: random nested mappings, random insertions and removals, re-read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.caching import ParseCache
from core.editing import EditPlan, plan_remove, plan_set, write_plan
from core.editing.checking import same
from core.editing.rendering import render_inline, render_key
from core.loading import parse_bytes
from core.model import LayerFile

keys = st.sampled_from(["a", "b", "c", "port", "host", "x-y", "n", "1"])
leaves = st.one_of(
    st.integers(-5, 5), st.booleans(), st.none(), st.sampled_from(["v", "on", "1.0", "a b"])
)
trees = st.recursive(
    leaves,
    lambda children: st.dictionaries(keys, children, min_size=1, max_size=4),
    max_leaves=12,
).filter(lambda tree: isinstance(tree, dict))


def emit(tree: dict[str, Any], indent: int, step: int, flow_leaves: bool) -> list[str]:
    lines = []
    for key, value in tree.items():
        pad = " " * indent
        if isinstance(value, dict):
            if flow_leaves and all(not isinstance(v, dict) for v in value.values()):
                inner = ", ".join(
                    f"{render_key(k, True)}: {render_inline(v, flow=True)}"
                    for k, v in value.items()
                )
                lines.append(f"{pad}{render_key(key)}: {{{inner}}}  # flow")
            else:
                lines.append(f"{pad}{render_key(key)}:")
                lines += emit(value, indent + step, step, flow_leaves)
        else:
            lines.append(f"{pad}{render_key(key)}: {render_inline(value)}")
    return lines


def paths(tree: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            found.append((*prefix, key))
            found += paths(value, (*prefix, key))
    return found


def loaded_layer(file: Path) -> LayerFile:
    parsed, identity = ParseCache(enabled=False).parse(file, "t.yml")
    return LayerFile(
        name="t",
        path=file,
        display="t.yml",
        is_base=True,
        order=0,
        priority=0,
        description="",
        conditions={},
        metadata_origin=None,
        root=parsed.root,
        identity=identity,
    )


def load(path: Path) -> Any:
    parsed = parse_bytes(path.read_bytes(), "t.yml")
    assert not [p for p in parsed.problems if p.severity == "error"], parsed.problems
    return parsed.root.plain() if parsed.root is not None else {}


def without(tree: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    out = dict(tree)
    if len(path) == 1:
        del out[path[0]]
        return out
    child = without(out[path[0]], path[1:])
    if child:
        out[path[0]] = child
    else:
        del out[path[0]]
    return out


def with_value(tree: Any, path: tuple[str, ...], value: Any) -> Any:
    out = dict(tree) if isinstance(tree, dict) else {}
    out[path[0]] = value if len(path) == 1 else with_value(out.get(path[0]), path[1:], value)
    return out


common = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@common
@given(
    tree=trees, data=st.data(), step=st.sampled_from([2, 4]), flow=st.booleans(), crlf=st.booleans()
)
def test_removing_any_path_leaves_the_rest(
    tmp_path: Path, tree: dict[str, Any], data: st.DataObject, step: int, flow: bool, crlf: bool
) -> None:
    file = tmp_path / "t.yml"
    eol = "\r\n" if crlf else "\n"
    file.write_bytes((eol.join(["# head", *emit(tree, 0, step, flow)]) + eol).encode())
    original = load(file)
    target = data.draw(st.sampled_from(paths(original)))
    hint = loaded_layer(file) if data.draw(st.booleans(), label="hinted") else None
    plan = plan_remove(file, "t.yml", target, loaded=hint)
    assert isinstance(plan, EditPlan), plan
    assert write_plan(plan).written
    assert same(load(file), without(original, target))
    if crlf:
        raw = file.read_bytes()
        assert raw.count(b"\n") == raw.count(b"\r\n")


@common
@given(
    tree=trees,
    data=st.data(),
    step=st.sampled_from([2, 4]),
    flow=st.booleans(),
    value=leaves,
)
def test_setting_any_path_new_or_old_changes_only_it(
    tmp_path: Path, tree: dict[str, Any], data: st.DataObject, step: int, flow: bool, value: Any
) -> None:
    file = tmp_path / "t.yml"
    file.write_text("\n".join(emit(tree, 0, step, flow)) + "\n")
    original = load(file)
    leaf_paths = [p for p in paths(original) if not isinstance(_at(original, p), dict)]
    mapping_paths = [()] + [p for p in paths(original) if isinstance(_at(original, p), dict)]
    new_key = data.draw(st.sampled_from(["new", "zz", "a"]))
    parent = data.draw(st.sampled_from(mapping_paths))
    target = data.draw(st.sampled_from(leaf_paths + [(*parent, new_key)]))
    assume(target not in mapping_paths)  # set changes values, not whole mappings
    hint = loaded_layer(file) if data.draw(st.booleans(), label="hinted") else None
    plan = plan_set(file, "t.yml", target, value, loaded=hint)
    assert isinstance(plan, EditPlan), plan
    assert write_plan(plan).written or not plan.changed
    assert same(load(file), with_value(original, target, value))


def _at(tree: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        tree = tree[key]
    return tree
