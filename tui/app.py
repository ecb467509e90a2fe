"""The confscope TUI: browse the merged tree and see why each value won.

`run()` is what `confscope` with no command calls. The app itself is thin: it holds
the config set and the starting what-if, and the main screen does the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input

from core.activation import Context
from core.configset import ConfigSet
from core.history import GitHistory
from core.whatif import WhatIf
from tui.commands import binding_commands, main_screen_commands
from tui.screens.edit import EditScreen
from tui.screens.file_viewer import FileViewerScreen
from tui.screens.help import HelpScreen, binding_rows
from tui.screens.keys import KeysScreen
from tui.screens.main import MainScreen
from tui.screens.matrix import MatrixChoice, MatrixScreen
from tui.widgets.config_tree import ConfigTree
from tui.widgets.filter_bar import FilterBar


class ConfscopeApp(App[int]):
    TITLE = "confscope"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]

    def __init__(
        self,
        root: str | Path,
        context: Context | None = None,
        *,
        trust_schema: bool = False,
        history: bool = True,
        **context_kwargs: Any,
    ) -> None:
        super().__init__()
        self.config_set = ConfigSet(root, trust_schema=trust_schema)
        # git blame in the why pane; off where a test needs the screen not to move.
        self.history = GitHistory() if history else None
        self.initial_whatif = (
            whatif_from_context(context)
            if context is not None
            else WhatIf.from_kwargs(context_kwargs)
        )
        self.sub_title = str(self.config_set.root)

    def on_mount(self) -> None:
        # Pushed, not returned by `get_default_screen`: a default screen's CSS_PATH is
        # never loaded.
        self.push_screen(MainScreen(self.config_set, self.initial_whatif, self.history))

    def on_key(self, event: events.Key) -> None:
        """Keys typed right after one that focuses an input (`/` then a quick "max", or
        keys arriving together over ssh) were sent to the widget focused before; they
        reach here unused. An input stops every printable key it gets, so a printable key
        here while an input has the focus was meant for it."""
        focused = self.focused
        if event.is_printable and isinstance(focused, Input):
            event.stop()
            focused.post_message(events.Key(event.key, event.character))

    @property
    def main_screen(self) -> MainScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections: list[tuple[str, Iterable[BindingType]]] = [
            ("app", self.BINDINGS),
            ("main", MainScreen.BINDINGS),
            ("tree", ConfigTree.BINDINGS),
            ("filter", FilterBar.BINDINGS),
            ("matrix", MatrixScreen.BINDINGS),
            ("keys", KeysScreen.BINDINGS),
            ("file viewer", FileViewerScreen.BINDINGS),
            ("edit dialog", EditScreen.BINDINGS),
        ]
        self.push_screen(HelpScreen(binding_rows(sections, self)))

    def action_matrix(self) -> None:
        """Every key under every override type; choosing a cell shows it in the tree."""
        main = self.main_screen
        if main is None or isinstance(self.screen, MatrixScreen):
            return

        def chosen(choice: MatrixChoice | None) -> None:
            if choice is not None:
                main.set_whatif(choice.whatif, go_to=choice.path)

        self.push_screen(MatrixScreen(main.config_set, main.whatif, main.colours), chosen)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Show every key and what it does", self.action_help)
        if isinstance(screen, MainScreen):
            yield from main_screen_commands(screen)
            yield from binding_commands(self, screen.config_tree, ConfigTree.BINDINGS)
            yield from binding_commands(self, screen.query_one(FilterBar), FilterBar.BINDINGS)
        else:  # the matrix, the file viewer, help: their own keys
            yield from binding_commands(self, screen, screen.BINDINGS)


def whatif_from_context(context: Context) -> WhatIf:
    """The what-if a context was built with (its changes from the real context)."""
    return context.what_if


def run(root: Path, context_kwargs: dict[str, Any], *, trust_schema: bool = False) -> int:
    """Open the TUI on the config set at `root`; the exit code for the CLI."""
    app = ConfscopeApp(root, trust_schema=trust_schema, **context_kwargs)
    app.run()
    return app.return_code or 0
