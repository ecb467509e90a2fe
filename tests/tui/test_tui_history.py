"""The why pane's git history and the `git log -L` viewer, on a real repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea

from tests.gitrepo import commit, init, needs_git
from tests.tui.driver import Running, running
from tui.commands import main_screen_commands
from tui.screens.file_viewer import FileViewerScreen
from tui.widgets.detail import DetailPane

pytestmark = [pytest.mark.anyio, needs_git]


async def git_done(run: Running) -> None:
    """Wait until no git worker runs (the file watcher runs for ever: not that one)."""
    await run.wait_for(
        lambda: not any(w.group == "history" and not w.is_finished for w in run.app.workers),
        "the git workers",
    )
    await run.pilot.pause()


@pytest.fixture
def committed_set(config_dir: Path) -> Path:
    """The TUI test set in a repository: everything by Alice, then docker.yml by Bob."""
    init(config_dir)
    docker = config_dir / "overrides" / "docker.yml"
    text = docker.read_text()
    docker.write_text(text.replace("db.docker", "db.old"))
    commit(config_dir, "First cut", author="Alice Example", date="2024-01-02T03:04:05+00:00")
    docker.write_text(text)
    commit(
        config_dir,
        "Point docker at db.docker",
        author="Bob Builder",
        date="2024-03-04T05:06:07+00:00",
    )
    return config_dir


async def test_the_why_pane_names_who_changed_the_winner_and_the_beaten(
    committed_set: Path,
) -> None:
    async with running(committed_set, override_type="docker") as run:
        await run.select("database.host")
        await run.wait_for(lambda: "changed" in run.detail, "the history of database.host")
        lines = run.detail.splitlines()
        changed = next(line for line in lines if line.startswith("changed"))
        assert "Bob Builder 2024-03-04  Point docker at db.docker" in changed
        # local.yml and base.yml, beaten, each under its own row (indented under it)
        beaten = [line.strip() for line in lines if line.startswith(" ") and "changed " in line]
        assert len(beaten) == 2
        assert all("Alice Example 2024-01-02  First cut" in line for line in beaten)


async def test_an_uncommitted_line_is_marked(committed_set: Path) -> None:
    base = committed_set / "base.yml"
    base.write_text(base.read_text().replace("name: demo", "name: changed-here"))
    async with running(committed_set) as run:
        await run.select("app.name")
        await run.wait_for(lambda: "not committed yet" in run.detail, "the uncommitted mark")


async def test_the_history_key_opens_git_log_for_the_line(committed_set: Path) -> None:
    async with running(committed_set, override_type="docker") as run:
        await run.select("database.host")
        await run.pilot.press("h")
        await run.wait_for(lambda: isinstance(run.app.screen, FileViewerScreen), "the log viewer")
        area = run.app.screen.query_one(TextArea)
        assert area.read_only
        assert "Point docker at db.docker" in area.text and "First cut" in area.text
        assert "+  host: db.docker" in area.text


async def test_the_history_key_is_in_the_palette(committed_set: Path) -> None:
    async with running(committed_set) as run:
        titles = [str(command.title) for command in main_screen_commands(run.screen)]
        assert "Line history (git log)" in titles


async def test_outside_git_the_pane_says_nothing_and_the_key_says_why(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(config_dir.parent))
    async with running(config_dir, override_type="docker") as run:
        await run.select("database.host")
        await git_done(run)
        assert "changed" not in run.detail
        await run.pilot.press("h")
        await run.wait_for(lambda: run.notices(), "a notice")
        assert "not in a git work tree" in run.notices()[-1]
        assert not isinstance(run.app.screen, FileViewerScreen)


async def test_history_can_be_switched_off(committed_set: Path) -> None:
    async with running(committed_set, override_type="docker", history=False) as run:
        await run.select("database.host")
        assert run.screen.query_one(DetailPane).history is None
        await git_done(run)
        assert "changed" not in run.detail
