"""Browsing: the merged tree, why a value won, find, go-to, the file viewer, help."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.app import SystemCommand
from textual.binding import Binding
from textual.command import CommandList
from textual.widgets import DataTable, TextArea

from tests.tui.driver import running
from tui.commands import main_screen_commands
from tui.screens.file_viewer import FileViewerScreen
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.widgets.config_tree import ConfigTree
from tui.widgets.filter_bar import FilterBar

pytestmark = pytest.mark.anyio


async def test_each_node_shows_value_winning_layer_and_what_it_overrode(config_dir: Path) -> None:
    async with running(config_dir, override_type="docker") as run:
        host = run.label("database.host")
        assert host.startswith("host: db.docker")
        assert " docker " in host  # the badge of the winning layer
        assert host.rstrip().endswith("↑2")  # beat local and base
        user = run.label("database.user")
        assert user.startswith("user: dev") and " local " in user and "↑1" in user
        name = run.label("app.name")
        assert " base " in name and "↑" not in name
        assert run.label("servers").startswith("servers: [2 items]")
        assert run.label("servers[1]").startswith("[1]: beta")


async def test_secrets_are_masked_in_the_tree_the_detail_and_the_filter(
    config_dir: Path,
) -> None:
    ciphertext = "ENC[AES256_GCM,data:c2VjcmV0,iv:aXY=,tag:dGFn,type:str]"
    with (config_dir / "base.yml").open("a") as base:
        base.write(f"api_key: {ciphertext}\n")
    async with running(config_dir) as run:
        label = await run.select("api_key")
        assert label.startswith("api_key: <encrypted:str>")
        assert "c2VjcmV0" not in run.detail and "<encrypted:str>" in run.detail
        assert "type       encrypted str" in run.detail
        run.screen.apply_filter("c2VjcmV0")  # the ciphertext is not searchable text
        assert run.screen.query_one(ConfigTree).matched == set()


async def test_detail_pane_says_why_the_value_won(config_dir: Path) -> None:
    async with running(config_dir, override_type="docker") as run:
        await run.select("database.host")
        detail = run.detail
        assert "value      db.docker" in detail
        assert "type       str" in detail
        assert "overrides/docker.yml:6:3" in detail
        assert "directive  none" in detail
        # Every beaten definition, highest priority first, with its file:line:col.
        local = detail.index("overrides/local.yml:6:3  localhost")
        base = detail.index("base.yml:5:3  db.prod")
        assert local < base
        assert detail.index("beat ") < detail.index("type ")  # the winner and what it beat lead


async def test_detail_pane_shows_the_interpolation_trace(config_dir: Path) -> None:
    async with running(config_dir) as run:
        await run.select("database.port")
        detail = run.detail
        assert "value      5432" in detail
        assert "type       int" in detail
        assert "written    ${DB_PORT:-5432}" in detail
        assert "${DB_PORT} = unset  → default used" in detail


async def test_filter_shows_matches_with_their_ancestors(config_dir: Path) -> None:
    async with running(config_dir, override_type="docker") as run:
        await run.pilot.press("slash")
        assert run.screen.query_one(FilterBar).has_focus
        await run.pilot.press(*"db.d")  # a value: db.docker
        tree = run.screen.query_one(ConfigTree)
        # The whole query, not a debounce of its first letters on a slow machine.
        await run.wait_for(
            lambda: tree.shown_paths is not None and run.screen.filter_query == "db.d",
            "the filter",
        )
        shown = [str(node.label).split(":")[0] for node in tree.root.children]
        assert shown == ["database"]
        database = tree.root.children[0]
        assert database.is_expanded
        assert [str(n.label).split(":")[0] for n in database.children] == ["host"]
        assert tree.cursor_path == ("database", "host")
        # By key path: every key whose path contains "name" or "user".
        await run.pilot.press(*["backspace"] * 4, *"user")
        await run.wait_for(lambda: tree.matched == {("database", "user")}, "a path match")
        await run.pilot.press("escape")
        await run.wait_for(lambda: tree.shown_paths is None, "the filter to clear")
        assert [str(n.label).split(":")[0] for n in tree.root.children] == [
            "app",
            "database",
            "servers",
        ]
        assert tree.has_focus


async def test_keys_typed_with_the_one_that_opens_the_filter_land_in_it(
    config_dir: Path,
) -> None:
    async with running(config_dir) as run:
        # All at once, as from a paste or a slow link: sent before `/` moved the focus.
        for key, character in [("slash", "/"), ("u", "u"), ("s", "s"), ("e", "e")]:
            run.app.post_message(events.Key(key, character))
        bar = run.screen.query_one(FilterBar)
        await run.wait_for(lambda: bar.value == "use", "the keys in the filter")
        assert bar.has_focus


async def test_go_to_key_from_the_command_palette(config_dir: Path) -> None:
    async with running(config_dir) as run:
        await run.pilot.press("g")
        await run.pilot.press(*"servers[1]")
        await run.wait_for(
            lambda: any(c.option_count for c in run.app.screen.query(CommandList)), "a hit"
        )
        await run.pilot.press("enter")
        tree = run.screen.query_one(ConfigTree)
        await run.wait_for(lambda: tree.cursor_path == ("servers", 1), "the cursor on servers[1]")
        await run.wait_for(lambda: run.detail.startswith("servers[1]\n"), "its detail")


async def test_view_source_opens_the_winning_file_at_its_line(config_dir: Path) -> None:
    async with running(config_dir, override_type="docker") as run:
        run.label("database.host")
        await run.pilot.press("o")
        await run.wait_for(lambda: isinstance(run.app.screen, FileViewerScreen), "the viewer")
        area = run.app.screen.query_one(TextArea)
        assert area.read_only and area.language == "yaml"
        assert area.text == (config_dir / "overrides" / "docker.yml").read_text()
        assert area.cursor_location == (5, 2)  # line 6, column 3, 0-based
        await run.pilot.press("escape")
        await run.wait_for(lambda: isinstance(run.app.screen, MainScreen), "the main screen")


async def test_edit_without_an_editor_or_a_terminal_says_so(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(config_dir) as run:
        run.label("app.name")
        await run.pilot.press("e")
        await run.wait_for(lambda: any("$EDITOR" in n for n in run.notices()), "a notice")
        monkeypatch.setenv("EDITOR", "true")
        await run.pilot.press("e")  # the headless test driver cannot suspend
        await run.wait_for(lambda: any("editor" in n for n in run.notices()), "a notice")
        assert run.app.is_running


async def test_help_lists_every_binding(config_dir: Path) -> None:
    async with running(config_dir) as run:
        await run.pilot.press("question_mark")
        await run.wait_for(lambda: isinstance(run.app.screen, HelpScreen), "the help screen")
        table = run.app.screen.query_one(DataTable)
        described = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        for binding in MainScreen.BINDINGS:
            assert isinstance(binding, Binding) and binding.id and binding.description
            assert binding.description in described
        await run.pilot.press("escape")
        await run.wait_for(lambda: isinstance(run.app.screen, MainScreen), "the main screen")


async def test_every_action_is_in_the_command_palette(config_dir: Path) -> None:
    async with running(config_dir) as run:
        commands = list(run.app.get_system_commands(run.screen))
        titles = {command.title for command in commands}
        for binding in MainScreen.BINDINGS + run.app.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.description in titles, binding
        assert "Environment: staging" in titles
        assert "Force on: layer docker" in titles
        # A palette command does what its key does.
        command = next(c for c in main_screen_commands(run.screen) if c.title == "Filter")
        assert isinstance(command, SystemCommand)
        await command.callback()
        await run.pilot.pause()
        assert run.screen.query_one(FilterBar).has_focus
