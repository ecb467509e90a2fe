"""The confscope TUI: browse the merged tree and see why each value won.

`run()` is what `confscope` with no command calls. The app itself is thin: it holds
the config set and the starting what-if, and the main screen does the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from core.activation import Context
from core.configset import ConfigSet
from tui.commands import main_screen_commands
from tui.screens.file_viewer import FileViewerScreen
from tui.screens.help import HelpScreen, binding_rows
from tui.screens.main import MainScreen
from tui.whatif import WhatIf
from tui.widgets.config_tree import ConfigTree
from tui.widgets.filter_bar import FilterBar


class ConfscopeApp(App[int]):
    TITLE = "confscope"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]

    def __init__(
        self, root: str | Path, context: Context | None = None, **context_kwargs: Any
    ) -> None:
        super().__init__()
        self.config_set = ConfigSet(root)
        self.initial_whatif = (
            whatif_from_context(context)
            if context is not None
            else WhatIf.from_kwargs(context_kwargs)
        )
        self.sub_title = str(self.config_set.root)

    def on_mount(self) -> None:
        # Pushed, not returned by `get_default_screen`: a default screen's CSS_PATH is
        # never loaded.
        self.push_screen(MainScreen(self.config_set, self.initial_whatif))

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
            ("file viewer", FileViewerScreen.BINDINGS),
        ]
        self.push_screen(HelpScreen(binding_rows(sections, self)))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Show every key and what it does", self.action_help)
        if isinstance(screen, MainScreen):
            yield from main_screen_commands(screen)


def whatif_from_context(context: Context) -> WhatIf:
    """The what-if a context was built with (its changes from the real context)."""
    inputs = context.what_if
    return WhatIf(
        environment=inputs.environment,
        override_type=inputs.override_type,
        set_env=tuple(sorted(inputs.set_env.items())),
        unset_env=tuple(sorted(inputs.unset_env)),
        force_on=tuple(sorted(inputs.force_on)),
        force_off=tuple(sorted(inputs.force_off)),
    )


def run(root: Path, context_kwargs: dict[str, Any]) -> int:
    """Open the TUI on the config set at `root`; the exit code for the CLI."""
    app = ConfscopeApp(root, **context_kwargs)
    app.run()
    return app.return_code or 0
