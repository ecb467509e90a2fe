"""An input that gives the keyboard back the moment the user is done with it.

The app hands each key to the widget focused when the key arrives. Keys sent together
(`/`, "max", Enter, `q` over ssh, or a fast typist) are all queued at the field before
it reads the Enter, and a binding on Enter runs only once the key has bubbled up to the
app: by then the `q` has been typed into the field. A `Field` acts on Enter and Esc as
soon as it reads them, lets go of the focus at once, and hands every key it reads after
that back to the app, which sends it where the focus now is.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class Field(Input):
    async def finish(self, key: str) -> bool:
        """Act on `key` (enter or escape); True to let go of the keyboard."""
        return False

    async def _on_key(self, event: events.Key) -> None:
        # `has_focus` changes only once the Blur event is read: ask the screen.
        if self.screen.focused is not self:
            event.stop()
            event.prevent_default()
            self.app.post_message(events.Key(event.key, event.character))
        elif event.key in ("enter", "escape"):
            event.stop()
            event.prevent_default()
            if await self.finish(event.key):
                self.screen.set_focus(None)
        else:
            await super()._on_key(event)
