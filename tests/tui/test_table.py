"""The table's scrollbars follow its rows and its size, and are not repainted otherwise."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.scrollbar import ScrollBar

from tui.widgets.table import Table

pytestmark = pytest.mark.anyio


class TableApp(App[None]):
    CSS = "Table { height: 6; width: 30; }"

    def compose(self) -> ComposeResult:
        yield Table[str](id="table")

    def on_mount(self) -> None:
        table = self.query_one(Table)
        table.add_column("key", width=8)
        table.add_column("value", width=12)
        table.add_row("a", "1")


def repaints(bar: ScrollBar, counts: dict[str, int], name: str) -> None:
    """Count `bar`'s refreshes under `name`."""
    refresh = bar.refresh

    def counted(*args: object, **kwargs: object) -> ScrollBar:
        counts[name] = counts.get(name, 0) + 1
        return refresh(*args, **kwargs)  # type: ignore[arg-type]

    bar.refresh = counted  # type: ignore[method-assign]


async def test_scrollbars_follow_rows_and_size_and_stay_put_otherwise() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Table)
        await pilot.pause()
        assert not table.show_vertical_scrollbar

        for number in range(2, 20):  # more rows than the table is high
            table.add_row(str(number), str(number))
        await pilot.pause()
        await pilot.pause()
        assert table.show_vertical_scrollbar
        assert table.vertical_scrollbar.window_virtual_size == table.virtual_size.height

        counts: dict[str, int] = {}
        repaints(table.vertical_scrollbar, counts, "vertical")
        app.screen.refresh(layout=True)  # what closing a dialog does, say
        await pilot.pause()
        await pilot.pause()
        assert counts == {}

        table.styles.height = 30  # room for every row: the scrollbar goes
        await pilot.pause()
        await pilot.pause()
        assert not table.show_vertical_scrollbar

        table.clear()
        table.add_row("only", "one")
        table.styles.height = 3
        for number in range(2, 8):
            table.add_row(str(number), str(number))
        await pilot.pause()
        await pilot.pause()
        assert table.show_vertical_scrollbar
        assert table.vertical_scrollbar.window_virtual_size == table.virtual_size.height
