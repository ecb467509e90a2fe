"""What-if: switching the context in the layers panel re-resolves everything at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList
from textual.widgets import Input, Select

from core.whatif import WhatIf
from tests.tui.driver import running
from tui.widgets.layers import LayersPanel, LayerTable

pytestmark = pytest.mark.anyio


def verdicts(run: object) -> dict[str, str]:
    panel = run.screen.query_one(LayersPanel)  # type: ignore[attr-defined]
    table = panel.query_one(LayerTable)
    return {
        str(table.get_row_at(i)[0]).strip(): str(table.get_row_at(i)[2])
        for i in range(table.row_count)
    }


async def test_next_override_type_changes_values_and_verdicts(config_dir: Path) -> None:
    async with running(config_dir, override_type="docker") as run:
        assert run.label("database.host").startswith("host: db.docker")
        assert verdicts(run)["docker"].startswith("active")
        await run.pilot.press("t")  # docker → local
        await run.resolved()
        assert run.screen.view is not None
        assert run.screen.view.resolution.context.override_type == "local"
        host = await run.select("database.host")
        assert host.startswith("host: localhost") and " local " in host and "↑1" in host
        assert verdicts(run)["docker"].startswith("inactive")
        assert "CONFIG_OVERRIDE_TYPE=local" in run.screen.query_one(LayersPanel).changes_shown
        # The detail pane follows: the winner is now local.yml.
        assert "overrides/local.yml:6:3" in run.detail
        await run.pilot.press("t")  # local → no type: only the base is left
        await run.resolved()
        assert run.label("database.host").startswith("host: db.prod")


async def test_setting_and_unsetting_an_environment_variable(config_dir: Path) -> None:
    async with running(config_dir) as run:
        assert run.label("database.port").startswith("port: 5432")
        await run.pilot.press("x")
        field = run.screen.query_one("#whatif-env-var", Input)
        assert field.has_focus
        await run.pilot.press(*"DB_PORT=6000", "enter")
        await run.resolved()
        assert (await run.select("database.port")).startswith("port: 6000")
        assert "${DB_PORT} = '6000'" in run.detail
        assert "DB_PORT" in run.screen.query_one(LayersPanel).changes_shown
        assert field.value == ""
        assert not field.has_focus  # enter applied and gave the keyboard back
        await run.pilot.press("x", *"DB_PORT", "enter")  # forget DB_PORT
        await run.resolved()
        assert run.label("database.port").startswith("port: 5432")
        assert run.screen.whatif.set_env == ()


async def test_a_bad_environment_variable_entry_is_refused_politely(config_dir: Path) -> None:
    async with running(config_dir) as run:
        await run.pilot.press("x", *"1BAD=x", "enter")
        await run.wait_for(
            lambda: any("not an environment variable" in n for n in run.notices()), "a notice"
        )
        assert run.screen.whatif.set_env == ()


async def test_environment_from_the_command_palette(config_dir: Path) -> None:
    async with running(config_dir) as run:
        assert run.label("app.debug").startswith("debug: false")
        await run.pilot.press("ctrl+p", *"Environment: staging")
        await run.wait_for(
            lambda: any(c.option_count for c in run.app.screen.query(CommandList)), "a hit"
        )
        await run.pilot.press("enter")
        await run.wait_for(lambda: run.screen.whatif.environment == "staging", "the switch")
        await run.resolved()
        debug = run.label("app.debug")
        assert debug.startswith("debug: true") and " staging " in debug
        assert verdicts(run)["staging"].startswith("active")


async def test_forcing_a_layer_on_and_off(config_dir: Path) -> None:
    async with running(config_dir) as run:
        await run.pilot.press("l")
        table = run.screen.query_one(LayerTable)
        assert table.has_focus
        names = [str(table.get_row_at(i)[0]).strip() for i in range(table.row_count)]
        table.move_cursor(row=names.index("staging"))
        await run.pilot.pause()
        assert (
            "layer  staging \nfile       overrides/staging.yml" in run.detail
        )  # the detail pane describes the layer
        await run.pilot.press("f")  # forced on
        await run.resolved()
        assert verdicts(run)["staging"].startswith("active (forced)")
        assert run.label("app.debug").startswith("debug: true")
        assert run.screen.whatif.force_on == ("staging",)
        await run.pilot.press("l", "f")  # forced off
        await run.resolved()
        assert verdicts(run)["staging"].startswith("inactive (forced)")
        assert run.label("app.debug").startswith("debug: false")
        await run.pilot.press("R")  # back to the context the app started with
        await run.resolved()
        assert run.screen.whatif.force_off == ()
        assert (
            verdicts(run)["staging"].startswith("inactive")
            and "forced" not in verdicts(run)["staging"]
        )


async def test_choosing_in_the_selects_switches_type_and_environment(config_dir: Path) -> None:
    async with running(config_dir, override_type="docker") as run:
        type_select = run.screen.query_one("#whatif-type", Select)
        assert type_select.value == "docker"
        type_select.value = "local"  # what choosing it in the drop-down does
        await run.wait_for(lambda: run.screen.whatif.override_type == "local", "the type")
        await run.resolved()
        assert run.label("database.host").startswith("host: localhost")
        env_select = run.screen.query_one("#whatif-environment", Select)
        assert env_select.value == "development"
        env_select.value = "staging"
        await run.wait_for(lambda: run.screen.whatif.environment == "staging", "the env")
        await run.resolved()
        assert run.label("app.debug").startswith("debug: true")
        # Showing the new view does not echo back as another change.
        assert run.screen.whatif == WhatIf(environment="staging", override_type="local")
