"""Keys as a new user presses them: the editor hand-over, go to key, fields and Esc,
keys in quick succession."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from tests.tui.driver import SAMPLES, Running, running
from tui.goto import EXACT, FUZZY, INNER_PREFIX, SUBSTRING, TOP_PREFIX, rank, tier
from tui.widgets.config_tree import ConfigTree
from tui.widgets.filter_bar import FilterBar

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("editor", ["vmi", "/nonexistent/editor", "vim 'unclosed"])
async def test_a_bad_editor_leaves_the_app_running_with_a_message(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch, editor: str
) -> None:
    monkeypatch.setenv("EDITOR", editor)
    async with running(config_dir) as run:
        run.label("app.name")
        await run.pilot.press("e")
        await run.wait_for(lambda: any("editor" in n.lower() for n in run.notices()), "a notice")
        notice = next(n for n in run.notices() if "editor" in n.lower())
        assert "could not be started" in notice or "cannot be read as a command" in notice
        # The app is still answering keys.
        await run.pilot.press("slash")
        assert run.screen.query_one(FilterBar).has_focus


def test_go_to_ranks_exact_then_segment_prefixes_then_the_rest() -> None:
    assert tier("database.port", "database.port") == EXACT
    assert tier("redis", "redis.host") == TOP_PREFIX
    assert tier("database.po", "database.pool.min_size") == TOP_PREFIX
    assert tier("pool.max", "database.pool.max_size") == INNER_PREFIX
    assert tier("ool.max", "database.pool.max_size") == SUBSTRING
    paths = [
        "database.pool.acquire_timeout_seconds",
        "redis.sentinel.port",
        "database.port",
        "database.portal",
        "redis",
    ]
    ranked = [paths[i] for i, _ in rank("database.port", paths)]
    assert ranked[:2] == ["database.port", "database.portal"]
    ranked = [paths[i] for i, _ in rank("redis", paths)]
    assert ranked == ["redis", "redis.sentinel.port"]
    fuzzy = rank("dbport", paths, fuzzy=lambda text: 1.0 if "port" in text else 0.0)
    assert all(r.tier == FUZZY for _, r in fuzzy)


async def _go_to(run: Running, query: str) -> list[str]:
    """Open go to key, type `query`, and read the offered keys once they settle."""
    await run.pilot.press("g")
    await run.wait_for(lambda: isinstance(run.app.screen, CommandPalette), "the palette")
    await run.pilot.press(*query)
    palette = run.app.screen
    shown: list[str] = []

    def offered() -> bool:
        nonlocal shown
        options = palette.query_one(CommandList)
        count = options.option_count
        now = [str(options.get_option_at_index(i).prompt).split("\n")[0] for i in range(count)]
        settled = bool(now) and now == shown
        shown = now
        return settled

    await run.wait_for(offered, f"the keys offered for {query!r}")
    return shown


@pytest.mark.usefixtures("machine_free")
async def test_go_to_key_finds_the_key_typed_first() -> None:
    async with running(SAMPLES, base_override_type="docker") as run:
        offered = await _go_to(run, "database.port")
        assert offered[0] == "database.port", offered[:5]
        await run.pilot.press("enter")
        await run.wait_for(lambda: run.tree.cursor_path == ("database", "port"), "the cursor")
        offered = await _go_to(run, "redis")
        assert offered[0] == "redis", offered[:7]
        assert all(key.startswith("redis") for key in offered[:7]), offered[:7]
        await run.pilot.press("escape")


async def test_enter_in_the_variable_field_applies_and_gives_the_focus_back(
    config_dir: Path,
) -> None:
    async with running(config_dir) as run:
        await run.pilot.press("x")
        field = run.screen.query_one("#whatif-env-var", Input)
        assert field.has_focus
        await run.pilot.press(*"DB_PORT=6000", "enter")
        await run.resolved()
        assert ("DB_PORT", "6000") in run.screen.whatif.set_env
        assert run.tree.has_focus and field.value == ""
        # The keys after it are the app's again: R resets the what-if.
        await run.pilot.press("R")
        await run.resolved()
        assert run.screen.whatif.set_env == ()


async def test_esc_leaves_any_field(config_dir: Path) -> None:
    async with running(config_dir) as run:
        await run.pilot.press("x", "A", "escape")
        assert run.tree.has_focus
        assert run.screen.whatif.set_env == ()
        await run.pilot.press("q")  # not typed into the field: the app quits
        await run.wait_for(lambda: not run.app.is_running, "the app to quit")


async def test_esc_in_the_tree_clears_the_filter(config_dir: Path) -> None:
    async with running(config_dir) as run:
        await run.pilot.press("slash", *"host", "enter")
        await run.wait_for(lambda: run.tree.shown_paths is not None, "the filter")
        assert run.tree.has_focus
        await run.pilot.press("escape")
        await run.wait_for(lambda: run.tree.shown_paths is None, "the filter to clear")
        assert run.screen.filter_query == ""
        assert not run.screen.query_one(FilterBar).has_class("-active")


async def test_keys_pressed_in_a_row_each_count(config_dir: Path) -> None:
    async with running(config_dir) as run:
        types = run.screen.view.override_types() if run.screen.view else []
        assert types == ["docker", "local"]
        await run.pilot.press("t", "t", "t")  # docker, local, none: three steps
        await run.resolved()
        assert run.screen.view is not None
        assert run.screen.view.resolution.context.override_type is None
        assert run.screen.whatif.override_type is not None  # "(none)" asked for
        await run.pilot.press("t", "t")
        await run.resolved()
        assert run.screen.view.resolution.context.override_type == "local"


async def test_every_binding_has_an_id_a_description_and_a_palette_command(
    config_dir: Path,
) -> None:
    from tui.screens.file_viewer import FileViewerScreen
    from tui.screens.help import HelpScreen
    from tui.screens.main import MainScreen
    from tui.screens.matrix import MatrixScreen

    async with running(config_dir) as run:
        titles = {c.title for c in run.app.get_system_commands(run.screen)}
        for owner in (run.app, MainScreen, ConfigTree, FilterBar):
            for binding in owner.BINDINGS:
                assert binding.id and binding.description, binding  # type: ignore[union-attr]
                assert binding.description in titles, binding  # type: ignore[union-attr]
        for screen in (MatrixScreen, HelpScreen, FileViewerScreen):
            for binding in screen.BINDINGS:
                assert binding.id and binding.description, binding  # type: ignore[union-attr]
