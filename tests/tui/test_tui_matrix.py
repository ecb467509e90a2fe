"""The matrix screen: every key under every override type of `sample_configs/`."""

from __future__ import annotations

import pytest
from textual.app import SystemCommand

from core.compare import compute_matrix
from core.configset import ConfigSet
from core.context import NO_TYPE
from core.whatif import WhatIf
from tests.tui.driver import SAMPLES, Running, running
from tui.screens import matrix as matrix_module
from tui.screens.main import MainScreen
from tui.screens.matrix import DIFFERS_STYLE, MatrixScreen

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("machine_free")]


async def open_matrix(run: Running) -> MatrixScreen:
    await run.pilot.press("m")
    await run.wait_for(
        lambda: isinstance(run.app.screen, MatrixScreen) and run.app.screen.matrix is not None,
        "the matrix",
    )
    await run.pilot.pause()
    screen = run.app.screen
    assert isinstance(screen, MatrixScreen)
    return screen


async def put_cursor(run: Running, screen: MatrixScreen, dotted: str, label: str) -> None:
    assert screen.matrix is not None
    row = next(i for i, r in enumerate(screen.shown_rows) if r.dotted == dotted)
    column = 1 + [c.label for c in screen.matrix.columns].index(label)
    screen.table.move_cursor(row=row, column=column, animate=False)
    await run.wait_for(
        lambda: (
            screen.source_text.startswith(dotted + " ") and f"under {label}" in screen.source_text
        ),
        f"the source of {dotted} under {label}",
    )


async def test_each_type_has_a_column_and_rows_that_differ_are_highlighted() -> None:
    async with running(SAMPLES, override_type="docker") as run:
        screen = await open_matrix(run)
        assert screen.matrix is not None
        labels = [column.label for column in screen.matrix.columns]
        assert labels == [NO_TYPE, "broken", "docker", "local", "testing"]
        docker, testing = screen.cell("api.port", "docker"), screen.cell("api.port", "testing")
        assert docker is not None and testing is not None
        assert (docker.plain, testing.plain) == ("8000", "8001")
        assert str(docker.style) == str(testing.style) == DIFFERS_STYLE
        key = screen.cell("api.port", "key")
        assert key is not None and key.plain == "≠ api.port" and str(key.style) == DIFFERS_STYLE
        # Secrets stay masked; a key a type does not have is a dash.
        assert screen.cell("redis.password", "broken") is not None
        assert screen.cell("redis.password", "broken").plain == "<secret>"  # type: ignore[union-attr]
        assert screen.cell("database.ssl.mode", "docker").plain == "—"  # type: ignore[union-attr]
        # The cursor starts in the main screen's type.
        assert screen.table.cursor_coordinate.column == 1 + labels.index("docker")


async def test_keys_equal_everywhere_show_only_when_asked() -> None:
    async with running(SAMPLES, override_type="docker") as run:
        screen = await open_matrix(run)
        assert screen.differing_only
        assert screen.cell("app.timezone", "docker") is None
        assert all(row.differs for row in screen.shown_rows)
        await run.pilot.press("d")
        timezone = screen.cell("app.timezone", "docker")
        assert timezone is not None and timezone.plain == "UTC"
        assert DIFFERS_STYLE not in str(timezone.style)
        key = screen.cell("app.timezone", "key")
        assert key is not None and not key.plain.startswith("≠")
        assert screen.cell("api.port", "testing") is not None  # differing rows stay
        await run.pilot.press("d")
        assert screen.cell("app.timezone", "docker") is None


async def test_the_cell_under_the_cursor_shows_where_its_value_came_from() -> None:
    async with running(SAMPLES, override_type="docker") as run:
        screen = await open_matrix(run)
        await put_cursor(run, screen, "api.port", "testing")
        assert screen.source_text.startswith(
            "api.port = 8001 under testing, from  testing  overrides/testing.yml:20:3"
        )
        await put_cursor(run, screen, "api.port", "docker")
        assert "from  docker  overrides/docker.yml:21:3" in screen.source_text
        await put_cursor(run, screen, "database.ssl.mode", "docker")
        assert screen.source_text == "database.ssl.mode is not set under docker"
        # Cursor keys move through the table like anywhere else.
        await run.pilot.press("left")
        await run.wait_for(lambda: "under broken" in screen.source_text, "the broken cell")
        assert "overrides/broken.yml:33:5" in screen.source_text


async def test_the_what_if_is_kept_and_only_the_type_varies() -> None:
    context = {
        "override_type": "docker",
        "environment": "production",
        "set_env": {"API_WORKERS": "3"},
    }
    async with running(SAMPLES, **context) as run:
        screen = await open_matrix(run)
        # In production the docker layer is off: its column is the base value, as read
        # from the what-if variable; testing (no environment condition) still applies.
        assert screen.cell("api.workers", "docker").plain == "3"  # type: ignore[union-attr]
        assert screen.cell("api.workers", NO_TYPE).plain == "3"  # type: ignore[union-attr]
        assert screen.cell("api.workers", "testing").plain == "1"  # type: ignore[union-attr]
        title = screen.heading.plain
        assert "environment production" in title and "API_WORKERS=3" in title


async def test_enter_shows_the_key_in_the_tree_under_that_type() -> None:
    async with running(SAMPLES, override_type="docker") as run:
        screen = await open_matrix(run)
        await put_cursor(run, screen, "api.port", "testing")
        await run.pilot.press("enter")
        await run.wait_for(lambda: isinstance(run.app.screen, MainScreen), "the main screen")
        assert run.screen.whatif.override_type == "testing"
        await run.resolved()
        await run.wait_for(
            lambda: run.tree.cursor_path == ("api", "port"), "the cursor on api.port"
        )
        await run.wait_for(lambda: run.detail.startswith("api.port\n"), "its detail")
        assert "value      8001" in run.detail


async def test_the_palette_opens_it_and_escape_closes_it() -> None:
    async with running(SAMPLES, override_type="docker") as run:
        command = next(c for c in run.app.get_system_commands(run.screen) if c.title == "Matrix")
        assert isinstance(command, SystemCommand)
        await command.callback()
        await run.wait_for(lambda: isinstance(run.app.screen, MatrixScreen), "the matrix")
        matrix_commands = {c.title for c in run.app.get_system_commands(run.app.screen)}
        assert {"Close", "All / differing keys", "Reload"} <= matrix_commands
        await run.pilot.press("escape")
        await run.wait_for(lambda: isinstance(run.app.screen, MainScreen), "the main screen")
        assert run.screen.whatif.override_type == "docker"


async def test_a_failure_is_told_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(config_set: ConfigSet, whatif: WhatIf) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(matrix_module, "compute_matrix", fail)
    async with running(SAMPLES, override_type="docker") as run:
        await run.pilot.press("m")
        await run.wait_for(lambda: any("disk on fire" in n for n in run.notices()), "the notice")
        screen = run.app.screen
        assert isinstance(screen, MatrixScreen) and not screen.table.loading
        assert "could not be built" in screen.source_text
        await run.pilot.press("escape")
        await run.wait_for(lambda: isinstance(run.app.screen, MainScreen), "the main screen")
        assert run.app.is_running


def test_no_type_means_no_type_even_with_the_variable_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONFIG_OVERRIDE_TYPE", "docker")
    matrix = compute_matrix(ConfigSet(SAMPLES), WhatIf())
    workers = next(row for row in matrix.rows if row.dotted == "api.workers")
    by_type = {c.label: s.value for c, s in zip(matrix.columns, workers.sides, strict=True)}
    assert by_type[NO_TYPE] == 4 and by_type["docker"] == 2


def test_rows_keep_keys_with_their_siblings() -> None:
    matrix = compute_matrix(ConfigSet(SAMPLES), WhatIf())
    dotted = [row.dotted for row in matrix.rows]
    # `database.ssl.mode` exists only under broken: it follows database.ssl, not the end.
    assert dotted.index("database.ssl") < dotted.index("database.ssl.mode")
    assert dotted.index("database.ssl.mode") < dotted.index("database.statement_timeout_ms")
