"""Live problems: saving a file re-resolves through the real watcher, in place."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.tui.driver import DOCKER, Running, running
from tui.widgets.config_tree import ConfigTree
from tui.widgets.problems import ProblemsPanel

pytestmark = pytest.mark.anyio

BROKEN_INTERPOLATION = DOCKER.replace("db.docker", "${MISSING_HOST}")
BROKEN_SYNTAX = DOCKER + "  user: [unclosed\n"


def problems(run: Running) -> list[str]:
    return [
        f"{p.path} {p.location} {p.message}" for p in run.screen.query_one(ProblemsPanel).problems
    ]


async def save(run: Running, path: Path, text: str, until: object, what: str) -> None:
    """Write `text` to `path` (by rename, as editors do) and wait for the app to show it.

    The watcher may not be armed yet right after start-up, so a save that goes
    unnoticed is repeated rather than waited on forever.
    """
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        temporary = path.with_name(path.name + ".tmp~")
        temporary.write_text(text)
        temporary.replace(path)
        try:
            await run.wait_for(until, what, timeout=3)  # type: ignore[arg-type]
            return
        except AssertionError:
            continue
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_problem_appears_on_save_and_goes_when_fixed(config_dir: Path) -> None:
    docker = config_dir / "overrides" / "docker.yml"
    async with running(config_dir, override_type="docker") as run:
        tree = run.screen.query_one(ConfigTree)
        run.label("database.user")  # cursor on a sibling, database expanded
        assert problems(run) == []
        assert "✖" not in run.label("database.host")
        run.label("database.user")

        await save(run, docker, BROKEN_INTERPOLATION, lambda: problems(run), "the problem")
        [problem] = problems(run)
        assert problem.startswith("database.host overrides/docker.yml:6:")
        assert "MISSING_HOST" in problem
        # The notice is posted with the new tree but recorded when it is dispatched.
        await run.wait_for(
            lambda: "reloaded overrides/docker.yml" in run.notices(), "the reload notice"
        )
        # Refreshed in place: database is still expanded and the cursor is where it was.
        assert tree.cursor_path == ("database", "user")
        assert ("database",) in tree.expanded_paths()
        host = str(run.screen.query_one(ConfigTree)._by_path[("database", "host")].label)
        assert host.endswith("✖")
        database = str(tree._by_path[("database",)].label)
        assert database.endswith("✖")  # marked at and above the problem

        await save(run, docker, DOCKER, lambda: not problems(run), "the fix")
        host = str(tree._by_path[("database", "host")].label)
        assert host.startswith("host: db.docker") and "✖" not in host
        assert "✖" not in str(tree._by_path[("database",)].label)
        assert tree.cursor_path == ("database", "user")


async def test_a_syntax_error_keeps_the_last_good_tree(config_dir: Path) -> None:
    docker = config_dir / "overrides" / "docker.yml"
    async with running(config_dir, override_type="docker") as run:
        tree = run.screen.query_one(ConfigTree)
        run.label("database.host")

        def syntax_error() -> bool:
            return any("syntax" in p.code for p in run.screen.query_one(ProblemsPanel).problems)

        await save(run, docker, BROKEN_SYNTAX, syntax_error, "the syntax error")
        [syntax] = [p for p in run.screen.query_one(ProblemsPanel).problems if p.code == "syntax"]
        assert syntax.file == "overrides/docker.yml" and syntax.line is not None
        assert syntax.line >= 6
        # The tree on screen is the last good one, and says so.
        assert run.label("database.host").startswith("host: db.docker")
        assert "last good tree" in str(tree.border_title)
        assert "overrides/docker.yml" in str(tree.border_title)

        await save(run, docker, DOCKER, lambda: not syntax_error(), "the fix")
        assert "last good" not in str(tree.border_title)
        assert tree.cursor_path == ("database", "host")


async def test_choosing_a_problem_jumps_to_its_node(config_dir: Path) -> None:
    (config_dir / "overrides" / "docker.yml").write_text(BROKEN_INTERPOLATION)
    async with running(config_dir, override_type="docker") as run:
        tree = run.screen.query_one(ConfigTree)
        assert tree.cursor_path == ("app",)
        await run.pilot.press("p")
        panel = run.screen.query_one(ProblemsPanel)
        assert panel.has_focus and panel.problems[0].path == "database.host"
        await run.pilot.press("enter")
        await run.wait_for(lambda: tree.cursor_path == ("database", "host"), "the jump")
        assert tree.has_focus
        # The node's problems are in the detail pane.
        await run.wait_for(lambda: "MISSING_HOST" in run.detail, "the problem in the detail")
        # `]` walks the problems from anywhere.
        await run.pilot.press("c", "right_square_bracket")
        await run.wait_for(lambda: tree.cursor_path == ("database", "host"), "the next problem")
