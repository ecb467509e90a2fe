"""A footer that rebuilds its keys only when the keys it would show change."""

from __future__ import annotations

from collections.abc import Hashable

from textual.screen import Screen
from textual.widgets import Footer


class SteadyFooter(Footer):
    """Textual's footer throws away and re-mounts every key on each bindings signal:
    every focus change, and every time a dialog closes over the screen. On the main
    screen that costs about a third of the work after an edit (textual 8.2), to show
    the same keys again. This one passes the signal on only when what it shows would
    differ, so the footer looks exactly as before.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: Hashable | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        # The footer rebuilds only for its own screen while the app has the focus; a
        # signal it skips leaves `_shown` alone, so the next one rebuilds.
        rebuilds = screen.app.app_focus and self.is_attached and screen is self.screen
        if rebuilds:
            shown = self._keys(screen)
            if shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)

    def _keys(self, screen: Screen[object]) -> Hashable:
        """What `compose` makes keys of: each shown binding, whether it is enabled,
        its tooltip; and the command palette's key."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
            if binding.show or key == palette
        ) + (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE,)
