"""Synthetic config sets for the benchmark: one base, N overrides, a pydantic model.

The shape imitates a large real deployment config: sections of groups of items, each
item a mapping of typed leaves (four levels deep). Item shapes come from a few
templates, as real configs repeat the same service/queue/pool shape many times, which
also keeps the generated model small enough that loading it does not dominate the
validation row. Everything is drawn from one seeded `random.Random`, so a seed gives
byte-identical files on every machine and every run compares like with like.

Line shapes (short keys, a comment on some lines, a few lists and interpolations)
are tuned so that the reference set (K = 10,000, N = 10) comes to about 0.8 MB.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

LEAVES_PER_ITEM = 10
ITEMS_PER_GROUP = 10
GROUPS_PER_SECTION = 10
TEMPLATES = 8
EXTRA_KEYS = 4  # optional `x_<n>` leaves an override may add to any item
NEW_KEYS_PER_OVERRIDE = 5
TOUCHED_SHARE = 0.2
# Set well in the past, so the parse cache trusts size + mtime instead of
# re-hashing every file (its "racy mtime" rule applies to files under 2 s old).
BACKDATE_SECONDS = 120

# Short names keep lines near real-config length (and the set near 0.8 MB).
WORDS = (  # noqa: SIM905 - a paragraph of words reads better than 54 quoted ones
    "ttl port host mode tier zone rate size cap lag gain tags pool seed step role "
    "batch queue topic codec level depth width burst quota owner team label image "
    "path proxy grace alpha beta gamma delta flush scale sink route rule cache "
    "retry limit cpu disk url dns ip key id name kind unit"
).split()
VALUE_WORDS = ["red", "blue", "teal", "gold", "mint", "sky", "rose", "jade", "ash", "plum"]
# (kind, weight): how often each kind of leaf appears in a template.
KINDS = (
    ("int", 26),
    ("float", 12),
    ("bool", 15),
    ("str", 25),
    ("interp_str", 6),
    ("interp_int", 4),
    ("flow_list", 8),
    ("block_list", 4),
)
PY_TYPES = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "interp_str": "str",
    "interp_int": "int",
    "flow_list": "list[str]",
    "block_list": "list[int]",
}
ENV_HOSTS = 8
ENV_PORTS = 6


@dataclass(frozen=True, slots=True)
class Leaf:
    """One base key: where it sits and what kind of value it holds."""

    section: int
    group: int
    item: int
    name: str
    kind: str


@dataclass(slots=True)
class ReloadTarget:
    """One line of one override whose value the reload row rewrites in place."""

    path: Path
    offset: int  # byte offset of the value on that line
    value: str  # the value text as generated
    key: tuple[str, ...]


@dataclass(slots=True)
class GeneratedSet:
    """Where a generated set lives and what is in it."""

    root: Path  # confscope.toml without a schema: the cold-load set
    validated_root: Path  # same files (symlinks) under a manifest naming schema.py
    files: list[Path]
    keys: int
    layers: int
    env: dict[str, str]
    reload: ReloadTarget
    total_bytes: int = field(default=0)


def section_name(index: int) -> str:
    return f"section_{index:03d}"


def group_name(index: int) -> str:
    return f"group_{index:02d}"


def item_name(index: int) -> str:
    return f"item_{index:02d}"


def templates(rng: random.Random) -> list[list[tuple[str, str]]]:
    """The item shapes: (leaf name, kind) lists, each drawn once per set."""
    kinds = [kind for kind, _weight in KINDS]
    weights = [weight for _kind, weight in KINDS]
    shapes = []
    for _ in range(TEMPLATES):
        names = rng.sample(WORDS, LEAVES_PER_ITEM)
        shapes.append([(name, rng.choices(kinds, weights)[0]) for name in names])
    return shapes


def item_template(group: int, item: int) -> int:
    """Which template an item uses: varies within a group, repeats across sections."""
    return (group * 3 + item) % TEMPLATES


def layout(keys: int, shapes: list[list[tuple[str, str]]]) -> list[Leaf]:
    """Every base leaf in file order; `keys` is rounded up to whole items."""
    items = -(-keys // LEAVES_PER_ITEM)
    leaves: list[Leaf] = []
    for index in range(items):
        section, rest = divmod(index, GROUPS_PER_SECTION * ITEMS_PER_GROUP)
        group, item = divmod(rest, ITEMS_PER_GROUP)
        for name, kind in shapes[item_template(group, item)]:
            leaves.append(Leaf(section, group, item, name, kind))
    return leaves


def value_text(kind: str, rng: random.Random, indent: int) -> str:
    """A YAML value of `kind`; block lists carry their own lines at `indent`."""
    if kind == "int":
        return str(rng.randint(1, 999))
    if kind == "float":
        return f"{rng.uniform(0, 100):.2f}"
    if kind == "bool":
        return rng.choice(("true", "false"))
    if kind == "str":
        word = rng.choice(VALUE_WORDS)
        shape = rng.random()
        if shape < 0.15:
            return f'"v{rng.randint(1, 9)}.{rng.randint(0, 20)}"'
        if shape < 0.2:
            return f"https://{word}.example.com"
        return f"{word}-{rng.randint(1, 99)}"
    if kind == "interp_str":
        var = f"B_HOST_{rng.randrange(ENV_HOSTS * 2)}"
        return f"${{{var}:-{rng.choice(VALUE_WORDS)}.local}}"
    if kind == "interp_int":
        return f"${{B_PORT_{rng.randrange(ENV_PORTS * 2)}:-{rng.randint(1024, 9999)}}}"
    if kind == "flow_list":
        words = rng.sample(VALUE_WORDS, rng.randint(1, 2))
        return "[" + ", ".join(words) + "]"
    if kind == "block_list":
        pad = " " * indent
        return "".join(f"\n{pad}- {rng.randint(1, 99)}" for _ in range(2))
    raise ValueError(kind)


def environment() -> dict[str, str]:
    """The process environment of every timed resolve: half the variables are set."""
    env = {"HOME": "/home/bench", "PATH": "/usr/bin:/bin"}
    env.update({f"B_HOST_{i}": f"host-{i}.bench.internal" for i in range(ENV_HOSTS)})
    env.update({f"B_PORT_{i}": str(5000 + i) for i in range(ENV_PORTS)})
    return env


def emit(
    entries: list[tuple[Leaf, str]], rng: random.Random, header: list[str], comments: bool
) -> str:
    """YAML text for `entries` (leaves in file order), opening parents as they change."""
    out = list(header)
    opened: tuple[int, ...] = ()
    for leaf, value in entries:
        path = (leaf.section, leaf.group, leaf.item)
        if path[:1] != opened[:1]:
            if comments:
                out.append(f"\n# {section_name(leaf.section)}")
            out.append(f"{section_name(leaf.section)}:")
        if path[:2] != opened[:2]:
            out.append(f"  {group_name(leaf.group)}:")
        if path != opened:
            if comments and rng.random() < 0.1:
                out.append(f"    # {rng.choice(WORDS)} settings of this item")
            out.append(f"    {item_name(leaf.item)}:")
        opened = path
        note = f"  # {rng.choice(WORDS)}" if comments and rng.random() < 0.05 else ""
        separator = "" if value.startswith("\n") else " "
        out.append(f"      {leaf.name}:{separator}{value}{note}")
    return "\n".join(out) + "\n"


def base_text(leaves: list[Leaf], rng: random.Random) -> str:
    entries = [(leaf, value_text(leaf.kind, rng, 8)) for leaf in leaves]
    header = [
        "# Synthetic base layer generated by bench/generate.py; do not edit.",
        "# Every key is overridden by about 20% of the override layers.",
    ]
    return emit(entries, rng, header, comments=True)


def override_text(index: int, leaves: list[Leaf], rng: random.Random) -> str:
    """One override: ~20% of the base leaves re-valued, plus a few new `x_<n>` keys."""
    touched = sorted(rng.sample(range(len(leaves)), round(len(leaves) * TOUCHED_SHARE)))
    entries = [(leaves[i], value_text(leaves[i].kind, rng, 8)) for i in touched]
    for _ in range(NEW_KEYS_PER_OVERRIDE):
        host = leaves[rng.choice(touched)]
        extra = Leaf(host.section, host.group, host.item, f"x_{rng.randrange(EXTRA_KEYS)}", "int")
        entries.append((extra, value_text("int", rng, 8)))
    order = {(leaf.section, leaf.group, leaf.item): n for n, leaf in enumerate(leaves)}
    entries.sort(key=lambda entry: order[(entry[0].section, entry[0].group, entry[0].item)])
    entries = list({(e[0].section, e[0].group, e[0].item, e[0].name): e for e in entries}.values())
    header = [
        f"# Synthetic override layer {index} generated by bench/generate.py.",
        "_metadata:",
        f"  name: layer_{index:02d}",
        f"  priority: {10 + index}",
    ]
    return emit(entries, rng, header, comments=True)


def schema_source(leaves: list[Leaf], shapes: list[list[tuple[str, str]]]) -> str:
    """A pydantic v2 model matching the set: one class per distinct shape, all strict."""
    lines = [
        '"""Generated by bench/generate.py: the schema of a synthetic config set."""',
        "",
        "from pydantic import BaseModel, ConfigDict",
        "",
        "",
        "class Strict(BaseModel):",
        '    model_config = ConfigDict(extra="forbid")',
        "",
    ]
    for number, shape in enumerate(shapes):
        lines += ["", f"class Item{number}(Strict):"]
        lines += [f"    {name}: {PY_TYPES[kind]}" for name, kind in shape]
        lines += [f"    x_{n}: int | None = None" for n in range(EXTRA_KEYS)]
        lines.append("")
    groups: dict[tuple[tuple[str, str], ...], str] = {}
    sections: dict[tuple[tuple[str, str], ...], str] = {}
    tree: dict[int, dict[int, list[int]]] = {}
    for leaf in leaves:
        items = tree.setdefault(leaf.section, {}).setdefault(leaf.group, [])
        if leaf.item not in items:
            items.append(leaf.item)
    root_fields = []
    for section, group_items in tree.items():
        section_fields = []
        for group, items in group_items.items():
            fields = tuple((item_name(i), f"Item{item_template(group, i)}") for i in sorted(items))
            if fields not in groups:
                groups[fields] = f"Group{len(groups)}"
                lines += ["", f"class {groups[fields]}(Strict):"]
                lines += [f"    {name}: {kind}" for name, kind in fields] + [""]
            section_fields.append((group_name(group), groups[fields]))
        key = tuple(section_fields)
        if key not in sections:
            sections[key] = f"Section{len(sections)}"
            lines += ["", f"class {sections[key]}(Strict):"]
            lines += [f"    {name}: {kind}" for name, kind in key] + [""]
        root_fields.append((section_name(section), sections[key]))
    lines += ["", "class Config(Strict):"]
    lines += [f"    {name}: {kind}" for name, kind in root_fields]
    return "\n".join(lines) + "\n"


def reload_target(path: Path) -> ReloadTarget:
    """The first int leaf in `path`: the line the reload row rewrites."""
    data = path.read_bytes()
    offset = 0
    parents: list[str] = []
    for line in data.split(b"\n"):
        text = line.decode()
        stripped = text.strip()
        indent = len(text) - len(text.lstrip())
        if stripped and not stripped.startswith("#") and stripped.endswith(":"):
            parents = parents[: indent // 2] + [stripped[:-1]]
        elif indent == 6 and ": " in stripped and "#" not in stripped:
            key, value = stripped.split(": ", 1)
            if value.isdigit():
                return ReloadTarget(
                    path, offset + indent + len(key) + 2, value, (*parents[:3], key)
                )
        offset += len(line) + 1
    raise ValueError(f"no int leaf in {path}")


def write_manifest(root: Path, schema: bool) -> None:
    text = 'base = ["base.yml"]\noverrides = ["overrides/*.yml"]\n'
    if schema:
        text += 'schema = "schema.py:Config"\n'
    (root / "confscope.toml").write_text(text)


def generate(directory: Path, keys: int = 10_000, layers: int = 10, seed: int = 1) -> GeneratedSet:
    """Write a set under `directory` (`set/` and its schema variant `set-validated/`)."""
    rng = random.Random(seed)
    shapes = templates(rng)
    leaves = layout(keys, shapes)
    root = directory / "set"
    (root / "overrides").mkdir(parents=True)
    files = [root / "base.yml"]
    files[0].write_text(base_text(leaves, rng))
    for index in range(layers):
        path = root / "overrides" / f"layer_{index:02d}.yml"
        path.write_text(override_text(index, leaves, rng))
        files.append(path)
    (root / "schema.py").write_text(schema_source(leaves, shapes))
    write_manifest(root, schema=False)
    validated = directory / "set-validated"
    validated.mkdir()
    for name in ("base.yml", "overrides", "schema.py"):
        (validated / name).symlink_to(root / name)
    write_manifest(validated, schema=True)
    past = time.time() - BACKDATE_SECONDS
    for path in [*files, root / "schema.py"]:
        os.utime(path, (past, past))
    return GeneratedSet(
        root=root,
        validated_root=validated,
        files=files,
        keys=len(leaves),
        layers=layers,
        env=environment(),
        reload=reload_target(files[-1]),  # the top layer: its edit shows in the merge
        total_bytes=sum(path.stat().st_size for path in files),
    )
