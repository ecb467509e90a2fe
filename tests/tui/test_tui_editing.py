"""Editing from the TUI: the edit dialog, the layer picker, removal, `!unset`, undo.

Every flow writes real files on tmp_path through the engine and is checked on disk
and on screen: the tree shows the new value, the cursor stays on the key, and the
notice says "saved FILE" (never "reloaded" for the app's own write).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static

from tests.tui.driver import SAMPLES, Running, running
from tests.tui.test_snapshots import SIZE, Compare, settled, steady
from tests.tui.test_tui_live import problems, save
from tui.app import ConfscopeApp
from tui.commands import main_screen_commands
from tui.screens.edit import EditScreen
from tui.screens.edit_actions import EDIT_BINDINGS
from tui.screens.main import MainScreen

pytestmark = pytest.mark.anyio

MANIFEST = """\
base = ["base.yml"]
overrides = ["overrides/*.yml"]
schema = "schema.py:AppConfig"
"""

SCHEMA = """\
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Database(BaseModel):
    model_config = ConfigDict(extra="allow")
    host: str
    port: Annotated[int, Field(ge=1, le=65535)]


class AppConfig(BaseModel):
    model_config = ConfigDict(extra="allow")
    database: Database
"""

BASE = """\
# The shared settings.
defaults: &defaults
  timeout: 30
database:
  host: db.prod  # the primary
  port: ${DB_PORT:-5432}
  user: admin
worker:
  <<: *defaults
  threads: 4
"""

LOCAL = """\
_metadata:
  priority: 20
  conditions:
    override_type: local
database:
  host: localhost
"""

VAULT = """\
_metadata:
  priority: 10
  conditions:
    override_type: local
database:
  password: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]
sops:
  mac: ENC[AES256_GCM,data:DDDD,iv:EEEE,tag:FFFF,type:str]
"""


@pytest.fixture
def edit_set(tmp_path: Path) -> Path:
    root = tmp_path / "set"
    (root / "overrides").mkdir(parents=True)
    (root / "confscope.toml").write_text(MANIFEST)
    (root / "schema.py").write_text(SCHEMA)
    (root / "base.yml").write_text(BASE)
    (root / "overrides" / "local.yml").write_text(LOCAL)
    (root / "overrides" / "vault.yml").write_text(VAULT)
    return root


def dialog(run: Running) -> EditScreen:
    screen = run.app.screen
    assert isinstance(screen, EditScreen), run.app.screen_stack
    return screen


async def open_dialog(run: Running, path: str, key: str = "i") -> EditScreen:
    await run.select(path)
    await run.pilot.press(key)
    await run.wait_for(lambda: isinstance(run.app.screen, EditScreen), "the edit dialog")
    await run.pilot.pause()
    return dialog(run)


async def retype(run: Running, text: str) -> None:
    """Clear the value field and type `text` (not yet submitted)."""
    field = dialog(run).query_one("#edit-value", Input)
    field.value = ""
    await run.pilot.press(*text)


async def closed(run: Running) -> None:
    await run.wait_for(lambda: not isinstance(run.app.screen, EditScreen), "the dialog to close")
    await run.resolved()


def value_at(run: Running, path: str) -> object:
    view = run.screen.view
    assert view is not None
    node = view.resolution.get(path)
    return None if node is None else node.value


def shown(screen: EditScreen, widget: str) -> str:
    return str(screen.query_one(widget, Static).render())


async def test_edit_a_value_where_it_won(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        screen = await open_dialog(run, "database.port")
        # The template is edited as a template; type and schema are shown beside it.
        assert screen.query_one("#edit-value", Input).value == "${DB_PORT:-5432}"
        field = shown(screen, "#edit-field")
        assert "now int from base" in field
        assert "integer, 1 ≤ value ≤ 65535" in field
        await retype(run, "6543")
        await run.pilot.press("enter")
        await closed(run)
        assert "  port: 6543\n" in (edit_set / "base.yml").read_text()
        assert (edit_set / "base.yml").read_text() == BASE.replace("${DB_PORT:-5432}", "6543")
        await run.wait_for(lambda: value_at(run, "database.port") == 6543, "the new value")
        assert run.tree.cursor_path == ("database", "port")
        assert "6543" in run.label("database.port")
        assert run.detail.startswith("database.port\n") and "6543" in run.detail
        await run.wait_for(
            lambda: any(
                n.startswith("saved base.yml: set database.port = 6543") for n in run.notices()
            ),
            "the saved notice",
        )


async def test_the_watcher_says_saved_not_reloaded(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        # Arm the watcher: a change made elsewhere is reported as a reload.
        local = edit_set / "overrides" / "local.yml"
        await save(
            run,
            local,
            LOCAL + "  user: dev\n",
            lambda: "reloaded overrides/local.yml" in run.notices(),
            "the watcher",
        )
        await open_dialog(run, "database.port")
        await retype(run, "6000")
        await run.pilot.press("enter")
        await closed(run)
        base = edit_set / "base.yml"
        await run.wait_for(
            lambda: any(
                isinstance(m, MainScreen.FilesChanged) and base in m.paths for m in run.messages
            ),
            "the watcher to see our write",
        )
        await run.pilot.pause(0.2)
        assert any(n.startswith("saved base.yml") for n in run.notices())
        assert not any("reloaded base.yml" in n for n in run.notices()), run.notices()


async def test_schema_refusal_is_shown_in_place(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        screen = await open_dialog(run, "database.port")
        await retype(run, "abc")
        await run.pilot.press("enter")
        await run.wait_for(lambda: screen.error, "the refusal")
        assert "the schema refuses 'abc'" in screen.error
        assert "integer" in screen.error
        assert isinstance(run.app.screen, EditScreen)  # still open, the input kept
        assert screen.query_one("#edit-value", Input).value == "abc"
        assert (edit_set / "base.yml").read_text() == BASE
        # Fixing the value clears the refusal and saves.
        await retype(run, "7000")
        await run.wait_for(lambda: not screen.error, "the refusal to clear")
        await run.pilot.press("enter")
        await closed(run)
        assert "  port: 7000\n" in (edit_set / "base.yml").read_text()


async def test_a_merged_value_is_refused_with_its_line(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        screen = await open_dialog(run, "worker.timeout")
        # Said as soon as the dialog opens, before anything is typed.
        await run.wait_for(lambda: screen.error, "the refusal")
        assert "base.yml:3:" in screen.error
        assert "'<<' merge of *defaults" in screen.error
        await run.pilot.press("enter")
        await run.pilot.pause(0.2)
        assert isinstance(run.app.screen, EditScreen)
        assert (edit_set / "base.yml").read_text() == BASE


async def test_pick_a_layer_and_override_there(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        screen = await open_dialog(run, "database.port", key="L")
        layers = screen.query_one("#edit-layers", OptionList)
        await run.wait_for(lambda: layers.has_focus, "the layer list")
        rows = [str(layers.get_option_at_index(i).prompt) for i in range(layers.option_count)]
        # Highest priority first, each with its own definition; the winner marked.
        assert rows[0].startswith(" local ") and "not defined" in rows[0]
        assert rows[1].startswith(" vault ") and "not defined" in rows[1]
        assert rows[2].startswith(" base ") and "base.yml:6" in rows[2]
        assert "${DB_PORT:-5432}" in rows[2] and "← wins" in rows[2]
        assert layers.highlighted == 2
        await run.pilot.press("up", "up", "enter")
        await run.wait_for(lambda: screen.query_one("#edit-value", Input).has_focus, "the input")
        await retype(run, "7001")
        await run.pilot.press("enter")
        await closed(run)
        assert (edit_set / "overrides" / "local.yml").read_text() == LOCAL + "  port: 7001\n"
        assert (edit_set / "base.yml").read_text() == BASE
        await run.wait_for(lambda: value_at(run, "database.port") == 7001, "the override")
        view = run.screen.view
        assert view is not None
        node = view.resolution.get("database.port")
        assert node is not None and node.layer == "local"
        assert run.tree.cursor_path == ("database", "port")


async def test_remove_a_definition_falls_back(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        await run.select("database.host")
        assert value_at(run, "database.host") == "localhost"
        await run.pilot.press("D")
        await run.wait_for(lambda: value_at(run, "database.host") == "db.prod", "the fallback")
        assert "host" not in (edit_set / "overrides" / "local.yml").read_text()
        assert run.tree.cursor_path == ("database", "host")
        await run.wait_for(
            lambda: any(n.startswith("saved overrides/local.yml: remove") for n in run.notices()),
            "the saved notice",
        )


async def test_remove_from_another_layer_in_the_dialog(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        screen = await open_dialog(run, "database.host", key="L")
        await run.pilot.press("down", "down")  # local (wins) → vault → base
        await run.wait_for(lambda: screen.layer_name == "base", "base chosen")
        await run.pilot.press("ctrl+r")
        await closed(run)
        assert "host" not in (edit_set / "base.yml").read_text()
        assert (edit_set / "overrides" / "local.yml").read_text() == LOCAL
        assert value_at(run, "database.host") == "localhost"


async def test_write_unset(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        await run.select("database.user")
        await run.pilot.press("U")
        await run.wait_for(lambda: value_at(run, "database.user") is None, "the key to leave")
        assert "  user: !unset\n" in (edit_set / "base.yml").read_text()
        assert run.tree.cursor_path is not None
        assert run.tree.cursor_path[0] == "database"


async def test_undo_and_redo(edit_set: Path) -> None:
    base = edit_set / "base.yml"
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        await open_dialog(run, "database.port")
        await retype(run, "6543")
        await run.pilot.press("enter")
        await closed(run)
        edited = base.read_bytes()
        await run.select("database.port")
        await run.pilot.press("ctrl+z")
        await run.wait_for(lambda: base.read_text() == BASE, "the undo")
        await run.wait_for(lambda: value_at(run, "database.port") == 5432, "the old value")
        assert run.tree.cursor_path == ("database", "port")
        await run.pilot.press("ctrl+y")
        await run.wait_for(lambda: base.read_bytes() == edited, "the redo")
        await run.wait_for(lambda: value_at(run, "database.port") == 6543, "the new value")
        await run.wait_for(
            lambda: any(n.startswith("saved base.yml: redid set") for n in run.notices()),
            "the redo notice",
        )
        # Undo again, and redo with the other key.
        await run.pilot.press("ctrl+z")
        await run.wait_for(lambda: base.read_text() == BASE, "the second undo")
        await run.wait_for(lambda: value_at(run, "database.port") == 5432, "the old value")
        await run.pilot.press("ctrl+shift+z")
        await run.wait_for(lambda: base.read_bytes() == edited, "the second redo")
        await run.wait_for(lambda: value_at(run, "database.port") == 6543, "the new value")
        # Someone else changes the file: the undo is refused and writes nothing.
        changed = edited.replace(b"admin", b"root")
        base.write_bytes(changed)
        await run.pilot.press("ctrl+z")
        await run.wait_for(
            lambda: any("changed on disk" in n for n in run.notices()), "the refusal"
        )
        assert base.read_bytes() == changed


async def test_a_file_changed_on_disk_is_not_written(edit_set: Path) -> None:
    base = edit_set / "base.yml"
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        screen = await open_dialog(run, "database.port")
        elsewhere = BASE.replace("admin", "root")
        base.write_text(elsewhere)
        await retype(run, "6543")
        await run.pilot.press("enter")
        await run.wait_for(lambda: screen.error, "the refusal")
        assert "changed on disk" in screen.error
        assert screen.stale and "ctrl+o reloads" in shown(screen, "#edit-error")
        assert base.read_text() == elsewhere
        await run.pilot.press("ctrl+o")
        await closed(run)
        await run.wait_for(lambda: value_at(run, "database.user") == "root", "the reload")
        assert run.tree.cursor_path == ("database", "port")


async def test_an_encrypted_value_is_refused_cleanly(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        screen = await open_dialog(run, "database.password")
        await run.wait_for(lambda: screen.error, "the refusal")
        assert "overrides/vault.yml" in screen.error
        assert "sops" in screen.error  # a fake sops file: refused, nothing written
        assert "Traceback" not in screen.error
        await run.pilot.press("escape")
        await run.wait_for(lambda: not isinstance(run.app.screen, EditScreen), "the close")
        assert (edit_set / "overrides" / "vault.yml").read_text() == VAULT


async def test_the_diff_preview(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        screen = await open_dialog(run, "database.port")
        await run.pilot.press("ctrl+t")
        await retype(run, "6543")
        diff = lambda: shown(screen, "#edit-diff")  # noqa: E731
        await run.wait_for(lambda: "+  port: 6543" in diff(), "the diff")
        assert "-  port: ${DB_PORT:-5432}" in diff()
        assert (edit_set / "base.yml").read_text() == BASE  # a preview writes nothing
        await run.pilot.press("escape")


async def test_editing_keys_have_ids_and_palette_commands(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        names = {str(command.title) for command in main_screen_commands(run.screen)}
        screen = await open_dialog(run, "database.port")
        in_dialog = {str(c.title) for c in run.app.get_system_commands(screen)}
        await run.pilot.press("escape")
    for binding in [*EDIT_BINDINGS, *EditScreen.BINDINGS]:
        assert not isinstance(binding, tuple)
        assert binding.id and binding.description
        assert binding.description in (names if binding in EDIT_BINDINGS else in_dialog)


def test_edit_dialog_snapshot(snap_compare: Compare, machine_free: None) -> None:
    async def open_it(pilot: object) -> None:
        await settled(select="database.pool.max_size")(pilot)  # type: ignore[arg-type]
        await pilot.press("L")  # type: ignore[attr-defined]
        await steady(pilot)  # type: ignore[arg-type]

    app = ConfscopeApp(SAMPLES, base_override_type="docker")
    assert snap_compare(app, terminal_size=SIZE, run_before=open_it)


async def test_a_mapping_is_not_edited_as_a_value(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        await run.select("database")
        await run.pilot.press("i")
        await run.wait_for(lambda: run.notices(), "the notice")
        assert "database is a mapping" in run.notices()[-1]
        assert not isinstance(run.app.screen, EditScreen)
        assert (edit_set / "base.yml").read_text() == BASE


async def test_an_unforeseen_failure_is_shown_not_raised(
    edit_set: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("tui.screens.edit.prepare_set", broken)
    monkeypatch.setattr("tui.screens.edit_actions.prepare_unset", broken)
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        screen = await open_dialog(run, "database.port")
        await run.wait_for(lambda: screen.error, "the failure in the dialog")
        assert screen.error == "the edit failed: RuntimeError: the disk is on fire"
        await run.pilot.press("escape")
        await run.wait_for(lambda: not isinstance(run.app.screen, EditScreen), "the close")
        await run.pilot.press("D")
        await run.wait_for(lambda: any("disk is on fire" in n for n in run.notices()), "notice")
        assert (edit_set / "base.yml").read_text() == BASE
        assert run.app.is_running


async def test_the_problems_follow_an_edit(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        assert not [p for p in problems(run) if "database.port" in p]
        await run.select("database.port")
        await run.pilot.press("D")  # the only definition: the schema's required field goes
        await run.wait_for(
            lambda: any(p.startswith("database.port ") for p in problems(run)), "the problem"
        )
        await run.pilot.press("ctrl+z")
        await run.wait_for(
            lambda: not any(p.startswith("database.port ") for p in problems(run)),
            "the problem to go",
        )
        assert (edit_set / "base.yml").read_text() == BASE


async def test_a_warning_shows_beside_the_value_and_after_the_save(edit_set: Path) -> None:
    async with running(edit_set, override_type="local", trust_schema=True) as run:
        screen = await open_dialog(run, "database.user")
        await retype(run, "12")
        await run.wait_for(lambda: "was text" in screen.error, "the warning in the dialog")
        assert screen.warning and "--string" in screen.error
        await run.pilot.press("enter")  # a warning does not stop the save
        await closed(run)
        assert "  user: 12\n" in (edit_set / "base.yml").read_text()
        assert any("was text" in notice for notice in run.notices())
