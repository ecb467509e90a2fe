"""What an editor shows beside its input: the schema in words, each layer's definition."""

from __future__ import annotations

from pathlib import Path

from core import ConfigSet
from core.editing import EditPlan, plan_set, write_plan
from core.editing.fields import as_written, definitions, describe_field
from core.editing.targets import definition_in
from core.loading import parse_bytes
from core.model import parse_path
from tui.editing import EditHistory, OwnWrites

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"


def test_the_schema_in_words() -> None:
    config = ConfigSet(SAMPLES, trust_schema=True)
    resolution = config.resolve(config.context(override_type="docker"))
    said = {
        key: describe_field(config, resolution, parse_path(key))
        for key in ("database.port", "logging.level", "app.name", "api.cors.allow_methods")
    }
    assert said["database.port"] == "integer, 1 ≤ value ≤ 65535"
    assert said["logging.level"] == "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
    assert said["app.name"] == "text, at least 1 characters, matching ^[a-z][a-z0-9-]*$"
    assert said["api.cors.allow_methods"] is not None
    assert said["api.cors.allow_methods"].startswith("list of one of GET, POST")
    assert describe_field(config, resolution, parse_path("no.such.key")) is None


def test_no_schema_says_nothing(tmp_path: Path) -> None:
    (tmp_path / "base.yml").write_text("port: 1\n")
    config = ConfigSet(tmp_path)
    resolution = config.resolve()
    assert describe_field(config, resolution, ("port",)) is None


def test_each_active_layer_with_its_definition() -> None:
    config = ConfigSet(SAMPLES, trust_schema=True)
    resolution = config.resolve(config.context(override_type="docker"))
    rows = definitions(resolution, parse_path("database.port"))
    names = [row.layer.name for row in rows]
    assert names[-1] == "base" and "docker" in names
    assert {row.layer.name for row in rows} == {layer.name for layer in resolution.active_layers}
    [winner] = [row for row in rows if row.won]
    assert winner.layer.name == "base"
    assert winner.node is not None and as_written(winner.node) == "${DB_PORT:-5432}"
    docker_row = next(row for row in rows if row.layer.name == "docker")
    assert docker_row.node is None


def test_as_written_reads_back_as_the_same_value() -> None:
    parsed = parse_bytes(b"a: '8080'\nb: 8080\nc: ${X:-1}\nd: yes\ne: null\nf: {x: 1}\n", "t.yml")
    root = parsed.documents[0].root
    assert root is not None
    shown = {key: as_written(node) for key, node in root.value.items()}
    assert shown == {"a": '"8080"', "b": "8080", "c": "${X:-1}", "d": '"yes"', "e": "null", "f": ""}


def test_a_layers_own_definition() -> None:
    config = ConfigSet(SAMPLES, trust_schema=True)
    resolution = config.resolve(config.context(override_type="docker"))
    base = resolution.layer("base")
    assert base is not None
    node = definition_in(base, parse_path("database.pool.max_size"))
    assert node is not None and node.value == 20
    assert definition_in(base, parse_path("database.pool.max_size.deeper")) is None
    assert definition_in(base, parse_path("database.no_such_key")) is None


def test_history_undo_redo_and_own_writes(tmp_path: Path) -> None:
    file = tmp_path / "base.yml"
    file.write_text("port: 1\n")
    own = OwnWrites()
    history = EditHistory()
    assert history.undo_plan() is None and history.redo_plan() is None
    plan = plan_set(file, "base.yml", ("port",), 2)
    assert isinstance(plan, EditPlan)
    result = write_plan(plan, on_written=own.record)
    history.wrote(result)
    assert own.ours(file) and own.foreign({file}) == set()
    undo = history.undo_plan()
    assert undo is not None
    history.undone(write_plan(undo, on_written=own.record))
    assert file.read_text() == "port: 1\n" and history.can_redo and not history.can_undo
    redo = history.redo_plan()
    assert redo is not None
    history.redone(write_plan(redo, on_written=own.record))
    assert file.read_text() == "port: 2\n" and history.can_undo and not history.can_redo
    file.write_text("port: 3\n")  # someone else
    assert not own.ours(file) and own.foreign({file}) == {file}
    stale = history.undo_plan()
    assert stale is not None
    refused = write_plan(stale)
    assert not refused.written and file.read_text() == "port: 3\n"
    history.undone(refused)
    assert history.can_undo  # a refused undo stays on the stack


def test_as_written_keeps_a_numbers_own_spelling() -> None:
    from core.loading import parse_bytes

    root = parse_bytes(b"mode: 0o640\nbig: 1e3\nplain: 5\n", "x.yml").documents[0].root
    assert root is not None
    assert [as_written(root.value[k]) for k in ("mode", "big", "plain")] == ["0o640", "1e3", "5"]


def test_each_layers_definition_of_an_appended_item(tmp_path: Path) -> None:
    (tmp_path / "confscope.toml").write_text('base = ["base.yml"]\noverrides = ["o/*.yml"]\n')
    (tmp_path / "base.yml").write_text("tags: [a, b]\n")
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "more.yml").write_text(
        "_metadata:\n  priority: 10\ntags: !append\n  - c\n  - d\n"
    )
    config = ConfigSet(tmp_path)
    resolution = config.resolve(config.context())

    def shown(path: str) -> dict[str, object]:
        return {
            entry.layer.name: None if entry.node is None else entry.node.value
            for entry in definitions(resolution, parse_path(path))
        }

    # Merged [3] is the appending layer's own item 1; base has no item 3.
    assert shown("tags[3]") == {"more": "d", "base": None}
    # Merged [0] is base's; the appending layer's item 0 ("c") is not a definition of it.
    assert shown("tags[0]") == {"more": None, "base": "a"}
