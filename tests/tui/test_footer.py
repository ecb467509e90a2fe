"""The footer rebuilds its keys when the keys to show change, and only then."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from tui.widgets.footer import SteadyFooter

pytestmark = pytest.mark.anyio


class Pane(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = []

    def action_noop(self) -> None:
        """A key for the footer to show."""


class Left(Pane):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("a", "noop", "Alpha")]


class Right(Pane):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("b", "noop", "Bravo")]


class FooterApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Left(id="left")
        yield Left(id="also-left")
        yield Right(id="right")
        yield SteadyFooter()


def shown(app: FooterApp) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey) if key.description]


def keys(app: FooterApp) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


async def test_the_footer_follows_the_keys_and_keeps_its_widgets_otherwise() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        app.query_one("#left").focus()
        await pilot.pause()
        assert "Alpha" in shown(app) and "Bravo" not in shown(app)
        before = keys(app)

        # Another widget with the same keys: the footer's widgets stay as they were.
        app.query_one("#also-left").focus()
        await pilot.pause()
        assert keys(app) == before
        app.screen.refresh_bindings()
        await pilot.pause()
        assert keys(app) == before

        # Other keys: rebuilt.
        app.query_one("#right").focus()
        await pilot.pause()
        assert "Bravo" in shown(app) and "Alpha" not in shown(app)
        assert keys(app) != before


async def test_a_change_while_the_app_is_unfocused_shows_once_it_is_back() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        app.query_one("#left").focus()
        await pilot.pause()
        assert "Alpha" in shown(app)
        app.app_focus = False  # Textual's footer does not rebuild meanwhile
        app.query_one("#right").focus()
        await pilot.pause()
        assert "Alpha" in shown(app)
        app.app_focus = True
        app.screen.refresh_bindings()  # what Textual does when the app gets the focus back
        await pilot.pause()
        assert "Bravo" in shown(app) and "Alpha" not in shown(app)
