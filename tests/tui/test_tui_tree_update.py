"""After an edit the tree is updated in place: it must read exactly as a tree built anew.

Each test makes a change through the app (an edit, `!unset`, a removal and its undo, a
file saved elsewhere), then checks the key on screen, the cursor, and that every line
of the tree equals what a full rebuild of the same view shows (a stale label, a node
left behind or missing, or a key in the wrong place fails that comparison).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input
from textual.widgets.tree import TreeNode

from core.model import KeyPath
from tests.tui.driver import LOCAL, Running, running, screen_text
from tests.tui.test_tui_live import save
from tui.screens.edit import EditScreen
from tui.widgets.config_tree import ConfigTree
from tui.widgets.key_tree import Entry

pytestmark = pytest.mark.anyio


def tree_lines(tree: ConfigTree) -> list[str]:
    """The tree as it reads, top to bottom: depth, open/closed mark, label."""
    lines: list[str] = []

    def walk(node: TreeNode[Entry], depth: int) -> None:
        for child in node.children:
            mark = ("v " if child.is_expanded else "> ") if child.allow_expand else "  "
            lines.append(f"{depth}{mark}{child.label}")
            if child.is_expanded:
                walk(child, depth + 1)

    walk(tree.root, 0)
    return lines


def keys_under(lines: list[str], key: str) -> list[str]:
    """The keys shown one level below the top-level `key`, in order."""
    start = next(i for i, line in enumerate(lines) if line[3:].startswith(f"{key}:"))
    below = []
    for line in lines[start + 1 :]:
        if line.startswith("0"):
            break
        if line.startswith("1"):
            below.append(line[3:].split(":")[0])
    return below


def assert_as_rebuilt(tree: ConfigTree) -> list[str]:
    """The tree on screen equals the tree rebuilt from its view, cursor included."""
    updated, on = tree_lines(tree), tree.cursor_path
    tree.apply_filter(None, [])  # no filter: a rebuild of what is open, cursor kept
    assert tree_lines(tree) == updated
    assert cursor(tree) == on
    return updated


def cursor(tree: ConfigTree) -> KeyPath | None:
    """Where the cursor is now (a call, so that a type checker does not hold on to an
    earlier answer)."""
    return tree.cursor_path


def on_screen(run: Running, text: str) -> bool:
    return any(text in line for line in screen_text(run.app))


def node(tree: ConfigTree, *path: str | int) -> TreeNode[Entry]:
    found = tree._by_path.get(path)
    assert found is not None, f"{path} is not in the tree"
    return found


async def saved(run: Running, file: str) -> None:
    """Wait for the notice of the app's own write to `file` and for its resolve."""
    await run.wait_for(
        lambda: any(n.startswith(f"saved {file}") for n in run.notices()), f"saved {file}"
    )
    await run.resolved()
    run.messages.clear()


async def test_an_edited_value_is_relabelled_in_place(config_dir: Path) -> None:
    async with running(config_dir, override_type="local") as run:
        tree = run.tree
        await run.select("servers[1]")
        await run.select("database.port")
        before = tree_lines(tree)
        assert "  port: 5432" in "\n".join(before)

        await run.pilot.press("i")
        await run.wait_for(lambda: isinstance(run.app.screen, EditScreen), "the dialog")
        await run.pilot.pause()
        run.app.screen.query_one("#edit-value", Input).value = "6543"
        await run.pilot.press("enter")
        await saved(run, "base.yml")

        assert tree.shown_label(("database", "port")) == "port: 6543  base "
        assert on_screen(run, "port: 6543")
        assert cursor(tree) == ("database", "port")
        # Only that line changed; the nodes around it are the ones that were there.
        after = assert_as_rebuilt(tree)
        changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
        assert changed == [("1  port: 5432  base ", "1  port: 6543  base ")]
        assert node(tree, "servers").is_expanded


async def test_an_unset_key_is_struck_and_the_cursor_stays(config_dir: Path) -> None:
    async with running(config_dir, override_type="local") as run:
        tree = run.tree
        await run.select("app.debug")
        await run.select("database.user")  # dev in local.yml, over admin in base.yml
        await run.pilot.press("U")  # `user: !unset` in local.yml: the key leaves the config
        await saved(run, "overrides/local.yml")

        assert "  user: !unset\n" in (config_dir / "overrides" / "local.yml").read_text()
        view = run.screen.view
        assert view is not None and view.resolution.get("database.user") is None
        assert tree.shown_label(("database", "user")) == "user: admin removed by  local "
        assert on_screen(run, "user: admin removed by")
        assert cursor(tree) == ("database", "user")
        lines = assert_as_rebuilt(tree)
        assert keys_under(lines, "database") == ["host", "port", "user"]
        assert node(tree, "app").is_expanded


async def test_a_removed_key_goes_and_comes_back_with_undo(config_dir: Path) -> None:
    async with running(config_dir, override_type="local") as run:
        tree = run.tree
        await run.select("servers[0]")
        await run.select("app.name")  # defined in base.yml only
        before = tree_lines(tree)

        await run.pilot.press("D")
        await saved(run, "base.yml")
        assert ("app", "name") not in tree._by_path
        assert not on_screen(run, "name: demo")
        assert cursor(tree) == ("app",)  # the nearest key still there
        removed = assert_as_rebuilt(tree)
        assert len(removed) == len(before) - 1

        await run.select("app.debug")
        await run.pilot.press("ctrl+z")  # the key is added back where it was
        await saved(run, "base.yml")
        assert tree.shown_label(("app", "name")) == "name: demo  base "
        assert on_screen(run, "name: demo")
        assert cursor(tree) == ("app", "name")  # the undone edit's key
        assert assert_as_rebuilt(tree) == before


async def test_a_key_added_above_the_cursor_keeps_it_on_its_key(config_dir: Path) -> None:
    local = config_dir / "overrides" / "local.yml"
    async with running(config_dir, override_type="local") as run:
        tree = run.tree
        await run.select("servers[1]")
        await run.select("database.user")
        await run.select("servers[1]")
        line = tree.cursor_line

        added = LOCAL.replace("  user: dev\n", "  pool: 5\n  user: dev\n")
        await save(run, local, added, lambda: ("database", "pool") in tree._by_path, "the key")
        await run.resolved()
        assert cursor(tree) == ("servers", 1)
        assert tree.cursor_line == line + 1  # one line more above it
        assert tree.shown_label(("database", "pool")) == "pool: 5  local "
        lines = assert_as_rebuilt(tree)
        assert keys_under(lines, "database") == ["host", "port", "user", "pool"]

        # And taken away again, from the file: the cursor still follows its key.
        await save(run, local, LOCAL, lambda: ("database", "pool") not in tree._by_path, "gone")
        await run.resolved()
        assert cursor(tree) == ("servers", 1)
        assert tree.cursor_line == line
        assert_as_rebuilt(tree)

        # A key that goes from under the cursor leaves it on the nearest key still there.
        await save(run, local, added, lambda: ("database", "pool") in tree._by_path, "back")
        await run.select("database.pool")
        await save(run, local, LOCAL, lambda: ("database", "pool") not in tree._by_path, "gone")
        await run.resolved()
        assert cursor(tree) == ("database",)
        assert tree.cursor_node is node(tree, "database")
        assert_as_rebuilt(tree)


async def test_a_value_that_becomes_a_mapping_opens_its_keys(config_dir: Path) -> None:
    local = config_dir / "overrides" / "local.yml"
    async with running(config_dir, override_type="local") as run:
        tree = run.tree
        await run.select("database.user")
        assert not node(tree, "database", "user").allow_expand
        as_mapping = LOCAL.replace("  user: dev\n", "  user:\n    name: dev\n    role: ro\n")
        await save(
            run, local, as_mapping, lambda: node(tree, "database", "user").allow_expand, "a map"
        )
        await run.resolved()
        assert cursor(tree) == ("database", "user")
        assert_as_rebuilt(tree)
        await run.select("database.user.role")
        assert tree.shown_label(("database", "user", "role")) == "role: ro  local "
        await save(
            run, local, LOCAL, lambda: not node(tree, "database", "user").allow_expand, "a value"
        )
        await run.resolved()
        assert ("database", "user", "role") not in tree._by_path
        assert cursor(tree) == ("database", "user")
        assert_as_rebuilt(tree)


async def test_keys_in_a_new_order_are_shown_in_it(config_dir: Path) -> None:
    base = config_dir / "base.yml"
    async with running(config_dir, override_type="local") as run:
        tree = run.tree
        await run.select("servers[0]")
        await run.select("database.user")
        text = base.read_text()
        app, rest = text.split("database:\n")
        reordered = "database:\n" + rest.replace("servers:\n", app + "servers:\n")
        assert reordered != text and sorted(reordered) == sorted(text)

        def database_first() -> bool:
            return bool(tree.root.children) and str(tree.root.children[0].label).startswith(
                "database"
            )

        await save(run, base, reordered, database_first, "the new order")
        await run.resolved()
        assert cursor(tree) == ("database", "user")
        lines = assert_as_rebuilt(tree)
        assert [line[3:].split(":")[0] for line in lines if line.startswith("0")] == [
            "database",
            "app",
            "servers",
        ]
        assert node(tree, "servers").is_expanded and node(tree, "database").is_expanded
