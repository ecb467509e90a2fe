"""The main screen's what-if keys: step the environment or override type, force a
layer, set or unset a variable, reset. `WhatIfActions` is mixed into the main screen;
its keys are in the screen's own bindings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from core.activation import Context
from core.context import NO_TYPE
from tui.whatif import cycle
from tui.widgets.layers import LayersPanel

if TYPE_CHECKING:
    from tui.screens.main import MainScreen


class WhatIfActions:
    """What-if for the main screen; `self` is always the `MainScreen`."""

    @property
    def _main(self) -> MainScreen:
        return self  # type: ignore[return-value]

    def requested_context(self) -> Context | None:
        """The context the user asked for last, resolved or not: keys pressed in a row
        (`t t t`) each step from the one before, not from the tree still shown."""
        screen = self._main
        if screen.view is None:
            return None
        whatif = screen.whatif
        return screen.view.resolution.context.with_changes(
            environment=whatif.environment,
            override_type=whatif.override_type,
            set_env=dict(whatif.set_env),
            unset_env=whatif.unset_env,
            force_on=whatif.force_on,
            force_off=whatif.force_off,
        )

    def action_next_environment(self) -> None:
        screen = self._main
        context = screen.requested_context()
        if screen.view is not None and context is not None:
            following = cycle(screen.view.environments(), context.environment)
            screen.set_whatif(screen.whatif.with_environment(following))

    def action_next_override_type(self) -> None:
        screen = self._main
        context = screen.requested_context()
        if screen.view is None or context is None:
            return
        choices: list[str] = screen.view.override_types()
        current = context.override_type
        if not choices:
            screen.notify("No layer names an override type.", severity="warning")
        elif current is not None and current == choices[-1]:
            screen.set_whatif(screen.whatif.with_override_type(NO_TYPE))
        else:
            screen.set_whatif(screen.whatif.with_override_type(cycle(choices, current)))

    def action_force_layer(self) -> None:
        screen = self._main
        layer = screen.query_one(LayersPanel).highlighted_layer
        verdict = screen.view.resolution.verdict(layer) if screen.view and layer else None
        if layer is None or verdict is None:
            screen.notify(
                "No layer to force: pick one in the layers panel (l).", severity="warning"
            )
        elif verdict.is_base:
            screen.notify(f"{layer} is a base layer: always active.", severity="warning")
        else:
            whatif = screen.whatif.cycle_force(layer)
            state = whatif.force_state(layer)
            screen.notify(
                f"layer {layer}: " + (f"forced {state}" if state else "by its conditions")
            )
            screen.set_whatif(whatif)

    def action_env_var(self) -> None:
        screen = self._main
        screen.focus_return = screen.focused
        screen.show_panel("layers")
        # At once, not after the keys already queued: they belong in the field.
        screen.set_focus(screen.query_one("#whatif-env-var", Input))

    def action_reset_what_if(self) -> None:
        screen = self._main
        screen.set_whatif(screen.initial_whatif)
