"""A reload that merges only changed sections must equal a resolve from nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.caching import ParseCache
from core.configset import ConfigSet, Resolution

keys = st.sampled_from(["alpha", "beta", "gamma", "delta"])
leaves = st.one_of(st.integers(0, 5), st.sampled_from(["x", "${V:-d}", "${MISSING}", "s3cr3t"]))


def entry(depth: int) -> st.SearchStrategy[Any]:
    plain = st.one_of(leaves, st.lists(leaves, max_size=2))
    tagged = st.one_of(
        st.tuples(st.just("!append"), st.lists(leaves, min_size=1, max_size=2)),
        st.tuples(st.just("!unset"), st.none()),
    )
    if depth == 0:
        return st.one_of(plain, tagged)
    nested = st.dictionaries(st.sampled_from(["a", "b", "password"]), entry(depth - 1), max_size=3)
    return st.one_of(plain, tagged, nested, st.tuples(st.just("!replace"), nested))


layer_texts = st.dictionaries(keys, entry(2), max_size=4)


def to_yaml(tree: dict[str, Any]) -> str:
    """Block mappings, one key a line, values in flow style (JSON is YAML)."""
    lines: list[str] = []

    def emit(mapping: dict[str, Any], indent: str) -> None:
        for key, value in mapping.items():
            if isinstance(value, tuple):
                tag, inner = value
                text = "" if inner is None else " " + json.dumps(inner)
                lines.append(f"{indent}{key}: {tag}{text}")
            elif isinstance(value, dict) and value:
                lines.append(f"{indent}{key}:")
                emit(value, indent + "  ")
            else:
                lines.append(f"{indent}{key}: {json.dumps(value)}")

    emit(tree, "")
    return "\n".join(lines) + "\n"


def write_set(root: Path, layers: list[dict[str, Any]]) -> None:
    (root / "overrides").mkdir(parents=True, exist_ok=True)
    (root / "base.yml").write_text(to_yaml(layers[0]) or "{}\n")
    for index, tree in enumerate(layers[1:], start=1):
        header = f"_metadata:\n  name: o{index}\n  priority: {index * 10}\n"
        (root / "overrides" / f"o{index}.yml").write_text(header + to_yaml(tree))


def snapshot(resolution: Resolution) -> Any:
    return (
        resolution.plain(),
        [
            (
                path,
                n.layer,
                n.file,
                n.line,
                n.column,
                n.directive,
                [(d.layer, str(d.origin)) for d in n.overridden],
                [(r.name, r.value, r.used_default) for r in n.trace or ()],
            )
            for path, n in resolution.root.walk()
        ],
        sorted(resolution.removals),
        [str(p) for p in resolution.problems],
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(layer_texts, min_size=3, max_size=3), min_size=2, max_size=4))
def test_incremental_reload_equals_cold_resolve(tmp_path: Path, states: list) -> None:
    root = tmp_path / f"set{abs(hash(json.dumps(states, default=str))) % 10**9}"
    kept = ConfigSet(root)
    env = {"V": "value", "PATH": "/bin"}
    for layers in states:
        write_set(root, layers)
        context = kept.context(process_env=env)
        incremental = kept.resolve(context, schema=False)
        fresh_set = ConfigSet(root, cache=ParseCache(enabled=False))
        fresh = fresh_set.resolve(fresh_set.context(process_env=env), schema=False)
        assert snapshot(incremental) == snapshot(fresh)


def test_a_one_line_change_parses_one_file_and_keeps_other_sections(tmp_path: Path) -> None:
    write_set(
        tmp_path,
        [{"alpha": {"a": 1}, "beta": {"b": 2}}, {"alpha": {"a": 3}}, {"beta": {"b": 4}}],
    )
    config = ConfigSet(tmp_path)
    context = config.context(process_env={})
    first = config.resolve(context, schema=False)
    parses = config.cache_stats.parses
    (tmp_path / "overrides" / "o1.yml").write_text(
        "_metadata:\n  name: o1\n  priority: 10\nalpha:\n  a: 30\n"
    )
    second = config.resolve(context, schema=False)
    assert config.cache_stats.parses == parses + 1
    assert second.plain() == {"alpha": {"a": 30}, "beta": {"b": 4}}
    assert second.root.value["beta"] is first.root.value["beta"]  # reused, not rebuilt
    assert first.plain()["alpha"] == {"a": 3}  # the earlier resolution is left as it was


def test_concurrent_resolves_of_one_set_agree_with_sequential_ones(tmp_path: Path) -> None:
    import threading

    write_set(tmp_path, [{"alpha": {"a": 1}}, {"alpha": {"a": "${V:-d}"}}, {"beta": {"b": 2}}])
    config = ConfigSet(tmp_path)
    contexts = [config.context(process_env={"V": str(i)}) for i in range(4)]
    expected = [ConfigSet(tmp_path).resolve(c, schema=False).plain() for c in contexts]
    failures: list[str] = []

    def worker(index: int) -> None:
        for round_ in range(10):
            which = (index + round_) % len(contexts)
            got = config.resolve(contexts[which], schema=False).plain()
            if got != expected[which]:
                failures.append(f"{which}: {got} != {expected[which]}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
