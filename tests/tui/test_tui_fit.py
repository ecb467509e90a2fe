"""The screen at the sizes users have: 80×24 keeps every panel one key away, 200×60
gives the panels the room; removed keys are shown; read off the screen as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select

from tests.tui.driver import SAMPLES, Running, running, screen_text
from tui.screens.matrix import MatrixScreen
from tui.widgets.layers import LayerTable
from tui.widgets.problems import ProblemsPanel

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("machine_free")]

SMALL, LARGE = (80, 24), (200, 60)


def shows(run: Running, *texts: str) -> bool:
    screen = "\n".join(screen_text(run.app))
    return all(text in screen for text in texts)


def fully_visible(run: Running, widget: object) -> bool:
    from textual.widget import Widget

    assert isinstance(widget, Widget)
    region = widget.region
    return bool(region) and run.app.screen.region.contains_region(region)


async def test_at_80x24_the_why_pane_leads_with_the_winner_and_what_it_beat() -> None:
    async with running(SAMPLES, size=SMALL, base_override_type="docker") as run:
        await run.select("database.pool.max_size")
        await run.pilot.pause(0.2)
        lines = screen_text(run.app)
        assert "tree + why" in lines[0] and "layers 3/11" in lines[0], lines[0]
        text = "\n".join(lines)
        for expected in ("value      10", "overrides/docker.yml:44:5", "beat", "base.yml:83:5  20"):
            assert expected in text, f"{expected!r} not on the 80x24 screen:\n{text}"


async def test_at_80x24_layers_and_problems_are_one_key_away() -> None:
    async with running(SAMPLES, size=SMALL, base_override_type="broken") as run:
        await run.pilot.press("l")
        await run.pilot.pause(0.2)
        panel = run.screen.query_one("#layers")
        assert fully_visible(run, panel)  # the bottom border too
        for widget in (
            run.screen.query_one("#whatif-environment", Select),
            run.screen.query_one("#whatif-type", Select),
            run.screen.query_one("#whatif-env-var", Input),
        ):
            assert fully_visible(run, widget), widget
        assert run.screen.query_one(LayerTable).has_focus
        assert shows(run, "local", "inactive: override type is 'broken'")
        await run.pilot.press("p")
        await run.pilot.pause(0.2)
        assert run.screen.query_one(ProblemsPanel).has_focus
        # Messages wrap to the width, "did you mean" included; the file:line under them.
        assert shows(run, "did you mean", "'database'?", "overrides/broken.yml:17:1")
        await run.pilot.press("escape")  # back to the tree and the why pane
        await run.pilot.pause(0.1)
        assert run.tree.has_focus and run.screen.panel == "why"


async def test_at_80x24_the_matrix_fits_with_its_header() -> None:
    async with running(SAMPLES, size=SMALL, base_override_type="docker") as run:
        await run.pilot.press("m")
        app = run.app
        await run.wait_for(
            lambda: isinstance(app.screen, MatrixScreen) and app.screen.matrix is not None,
            "the matrix",
        )
        await run.pilot.pause(0.3)
        matrix = app.screen
        assert isinstance(matrix, MatrixScreen)
        table = matrix.table
        assert table.virtual_size.width <= table.scrollable_content_region.width
        header = screen_text(app)[1]
        for label in ("key", "(none)", "broken", "docker", "local", "testing"):
            assert label in header, header


async def test_at_200x60_panels_use_the_room() -> None:
    async with running(SAMPLES, size=LARGE, base_override_type="broken") as run:
        await run.pilot.pause(0.3)
        layers = run.screen.query_one(LayerTable)
        assert layers.row_count == 11 and layers.max_scroll_y == 0  # every layer, no scrolling
        problems = run.screen.query_one(ProblemsPanel)
        assert problems.size.height > 10
        text = "\n".join(screen_text(run.app))
        message = "unknown key 'max_batch_sise' in ml.tensorflow_serving.batching; did you mean"
        assert message in text and "'max_batch_size'?" in text


async def test_at_200x60_matrix_cells_are_not_cut_when_there_is_room() -> None:
    async with running(SAMPLES, size=LARGE, base_override_type="docker") as run:
        await run.pilot.press("m")
        app = run.app
        await run.wait_for(
            lambda: isinstance(app.screen, MatrixScreen) and app.screen.matrix is not None,
            "the matrix",
        )
        screen = app.screen
        assert isinstance(screen, MatrixScreen)
        cell = screen.cell("app.name", "broken")
        assert cell is not None and cell.plain == "resonance-broken"  # 16 > the old 12
        cell = screen.cell("app.data_dir", "(none)")  # long values get the room left
        assert cell is not None and len(cell.plain) > 24


async def test_removed_keys_are_shown_struck_with_the_layer_that_removed_them() -> None:
    async with running(SAMPLES, base_override_type="docker") as run:
        await run.pilot.press("slash", *"sentinel", "enter")
        await run.wait_for(lambda: run.tree.shown_paths is not None, "the filter")
        await run.pilot.pause(0.2)
        label = run.label("redis.sentinel")
        assert label.startswith("sentinel: {4 keys} removed by  docker"), label
        assert "matches" in (run.tree.border_title or "")
        await run.select("redis.sentinel.nodes")
        detail = run.detail
        assert "removed with !unset" in detail
        assert "with its parent redis.sentinel, by  docker  overrides/docker.yml:56:3" in detail
        assert "it was     [3 items]" in detail and "base.yml:114:5" in detail


async def test_an_empty_problems_table_draws_no_stray_marks() -> None:
    async with running(SAMPLES, base_override_type="docker") as run:
        problems = run.screen.query_one(ProblemsPanel)
        assert problems.problems == [] and not problems.show_header
        region = problems.region
        lines = screen_text(run.app)[region.y : region.bottom]
        inside = [line[region.x + 1 : region.right - 1] for line in lines[1:-1]]
        assert all(not part.strip() for part in inside), lines
        assert "problems: none" in lines[0]


async def test_a_removed_secret_stays_masked(tmp_path: Path) -> None:
    root = tmp_path / "set"
    (root / "overrides").mkdir(parents=True)
    (root / "base.yml").write_text("db:\n  host: h\n  password: hunter2\n")
    (root / "overrides" / "off.yml").write_text("db: !unset\n")
    async with running(root) as run:
        label = run.label("db.password")
        assert "hunter2" not in label and "password" in label, label
        await run.select("db.password")
        assert "hunter2" not in run.detail and "removed with !unset" in run.detail
        assert all("hunter2" not in entry.haystack for entry in run.screen.view.index)  # type: ignore[union-attr]
