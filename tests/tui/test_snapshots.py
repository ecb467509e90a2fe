"""Snapshots of the app on `sample_configs/` at a fixed terminal size.

The environment is pinned (`machine_free`: HOME and PATH only, linux) so a snapshot
shows the same on every machine, and git history is off (sample_configs/ is committed:
its blame moves with every commit). After a deliberate change to what the app shows:
`pytest tests/tui/test_snapshots.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.driver import SAMPLES, Running
from tui.app import ConfscopeApp
from tui.screens.matrix import MatrixScreen

pytestmark = pytest.mark.usefixtures("machine_free")

SIZE = (120, 40)
SMALL = (80, 24)
LARGE = (200, 60)
Compare = Callable[..., bool]


async def steady(pilot: Pilot[Any], timeout: float = 5.0) -> None:
    """Wait until two screenshots a moment apart are the same.

    A DataTable measures its columns when idle and repaints its header after the
    resize that follows: a shot taken in between has a header narrower than its rows.
    """
    previous = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        shot = pilot.app.export_screenshot()
        if shot == previous:
            return
        previous = shot
    raise AssertionError("the screen kept changing")


def settled(
    select: str | None = None, press: tuple[str, ...] = ()
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Wait for the first resolve, put the cursor on `select`, press keys, and wait
    for the screen to stop changing."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, ConfscopeApp)
        run = Running(app, pilot)
        await run.wait_for(lambda: len(app.screen_stack) > 1, "the main screen")
        await run.resolved()
        if select is not None:
            await run.select(select)
        await pilot.press(*press)
        await steady(pilot)

    return run_before


def test_main_screen_says_why_a_value_won(snap_compare: Compare) -> None:
    app = ConfscopeApp(SAMPLES, base_override_type="docker", history=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("database.pool.max_size"))


def test_help_screen(snap_compare: Compare) -> None:
    app = ConfscopeApp(SAMPLES, base_override_type="docker", history=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(press=("question_mark",)))


def test_matrix_screen(snap_compare: Compare) -> None:
    async def open_matrix(pilot: Pilot[Any]) -> None:
        await settled()(pilot)
        await pilot.press("m")
        app = pilot.app
        assert isinstance(app, ConfscopeApp)
        await Running(app, pilot).wait_for(
            lambda: isinstance(app.screen, MatrixScreen) and app.screen.matrix is not None,
            "the matrix",
        )
        await steady(pilot)

    app = ConfscopeApp(SAMPLES, base_override_type="docker", history=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_matrix)


def test_broken_type_shows_its_problems(snap_compare: Compare) -> None:
    app = ConfscopeApp(SAMPLES, base_override_type="broken", history=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled("api.port"))


def test_small_terminal_leads_with_the_winner(snap_compare: Compare) -> None:
    app = ConfscopeApp(SAMPLES, base_override_type="docker", history=False)
    assert snap_compare(app, terminal_size=SMALL, run_before=settled("database.pool.max_size"))


def test_small_terminal_layers_tab(snap_compare: Compare) -> None:
    app = ConfscopeApp(SAMPLES, base_override_type="docker", history=False)
    assert snap_compare(app, terminal_size=SMALL, run_before=settled(press=("l",)))


def test_small_terminal_removed_key(snap_compare: Compare) -> None:
    app = ConfscopeApp(SAMPLES, base_override_type="docker", history=False)
    assert snap_compare(app, terminal_size=SMALL, run_before=settled("redis.sentinel.nodes"))


def test_large_terminal_broken_type(snap_compare: Compare) -> None:
    app = ConfscopeApp(SAMPLES, base_override_type="broken", history=False)
    assert snap_compare(app, terminal_size=LARGE, run_before=settled("api.port"))
