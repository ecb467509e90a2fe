"""The measured work of the engine rows and their floor, on one generated set.

Each function returns a `Timed` and does its untimed preparation (reading bytes,
a warm resolve) up front, so the timed callable is exactly what the row's name says.
"""

from __future__ import annotations

import gc
import itertools
from pathlib import Path

import _ruamel_yaml

from bench.generate import GeneratedSet
from bench.timing import Timed
from core.caching import ParseCache
from core.configset import ConfigSet, Resolution
from core.editing import plan_set, write_plan
from core.loading import parse_bytes
from core.model import SCALAR, KeyPath, LayerFile, Node, Problem


def floor(gset: GeneratedSet, runs: int) -> Timed:
    """libyaml's event stream over every file: no engine can read YAML faster than this."""
    blobs = [path.read_bytes() for path in gset.files]

    def run() -> None:
        for data in blobs:
            parser = _ruamel_yaml.CParser(data)
            while parser.get_event() is not None:
                pass

    return Timed(run, runs)


def cold_load(root: Path, env: dict[str, str], runs: int, *, schema: bool = False) -> Timed:
    """A fresh ConfigSet, cache off: what the CLI pays on every invocation.

    With the cyclic GC off, as the CLI runs a script command (cli/main.py): the engine
    itself only holds the collector during a resolve and hands it back, so in a host
    that keeps it on, the first collection after a resolve walks the new tree once.
    """

    def run() -> None:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            config = ConfigSet(root, cache=ParseCache(enabled=False))
            resolution = config.resolve(config.context(process_env=env), schema=schema)
        finally:
            if was_enabled:
                gc.enable()
        if schema and resolution.errors:
            raise AssertionError(f"the generated set does not validate: {resolution.errors[0]}")

    return Timed(run, runs)


def validation(gset: GeneratedSet, runs: int) -> Timed:
    """Cold load plus loading and applying the generated model (the manifest variant)."""
    return cold_load(gset.validated_root, gset.env, runs, schema=True)


def reload(gset: GeneratedSet, runs: int) -> Timed:
    """Resolve again after one value on one line of one override changed (cache on).

    The write is a plain write, as an editor makes: the file's mtime is "now" and its
    size differs from the last run's (the two values alternate and differ in length),
    so the cache re-reads that file. The other files were back-dated by the generator,
    so the cache's racy-mtime rule does not make it re-hash them.
    """
    target = gset.reload
    original = target.path.read_bytes()
    values = [target.value.encode(), (target.value + "7").encode()]
    end = target.offset + len(values[0])
    versions = [original[: target.offset] + value + original[end:] for value in values]
    config = ConfigSet(gset.root, cache=ParseCache(enabled=True))
    context = config.context(process_env=gset.env)
    config.resolve(context, schema=False)
    parses: list[int] = []
    last: list[Resolution] = []
    expected: list[int] = []

    def before(index: int) -> None:
        which = (index + 1) % 2
        target.path.write_bytes(versions[which])
        expected[:] = [int(values[which])]
        parses.append(config.cache.parses)

    def run() -> None:
        last[:] = [config.resolve(context, schema=False)]

    def after() -> None:
        target.path.write_bytes(original)
        parses.append(config.cache.parses)
        seen = last[0].get(target.key)
        if seen is None or seen.value != expected[0]:
            raise AssertionError(f"reload missed the change at {target.key}: {seen!r}")
        reparsed = max(b - a for a, b in itertools.pairwise(parses))
        timed.notes.append(f"re-parsed ≤{reparsed} of {len(gset.files)} files per run")

    timed = Timed(run, runs, before=before, after=after)
    return timed


def resolve_once(gset: GeneratedSet) -> None:
    """One cold load, for the memory row."""
    cold_load(gset.root, gset.env, 1).run()


def _int_leaves(node: Node, path: KeyPath = ()) -> list[tuple[KeyPath, int]]:
    found: list[tuple[KeyPath, int]] = []
    for key, child in node.value.items():
        if child.kind == SCALAR and type(child.value) is int:
            found.append(((*path, key), child.value))
        elif child.kind != SCALAR and isinstance(child.value, dict):
            found += _int_leaves(child, (*path, key))
    return found


def edit_leaf(gset: GeneratedSet, scratch: Path, runs: int, *, loaded: bool = True) -> Timed:
    """Set one int leaf halfway down the largest layer: plan, write, verify.

    A copy of the reference set's base.yml (a set of its own) is edited, so the
    other rows read the set unchanged; the value alternates, so every run writes a
    real change. With `loaded`, the plan is given the layer as a resolution parsed
    it, as the CLI and the TUI do (re-read untimed before each run, as the TUI's
    reload after a save); without, the editor reads the file from its top.
    """
    directory = scratch / ("edit-loaded" if loaded else "edit-file")
    directory.mkdir(exist_ok=True)
    path = directory / "base.yml"
    path.write_bytes(gset.files[0].read_bytes())
    root = parse_bytes(path.read_bytes(), "base.yml").root
    assert root is not None
    leaves = _int_leaves(root)
    key, value = leaves[len(leaves) // 2]
    config = ConfigSet(directory, cache=ParseCache(enabled=False))
    layers: list[LayerFile | None] = [None]

    def before(_index: int) -> None:
        if loaded:
            layers[0] = config.load_layers()[1][0]

    def run_once(index: int) -> None:
        plan = plan_set(path, "base.yml", key, value + index % 2, loaded=layers[0])
        if isinstance(plan, Problem):
            raise AssertionError(str(plan))
        result = write_plan(plan)
        if not result.written and plan.changed:
            raise AssertionError(str(result.problem))

    counter = itertools.count(1)
    return Timed(lambda: run_once(next(counter)), runs, before=before)
