"""The question a new config set's schema raises: show its code, trust it or not now.

A set's schema is Python code and importing it runs it. Until the user trusts the
set, the main screen validates everything else and asks this once per version of the
file. The answer is the `SchemaCode` to trust (exactly the bytes shown), or None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from core.configset import ConfigSet
from core.trust import SchemaCode
from tui.screens.plain import PlainScreen


class TrustScreen(ModalScreen[SchemaCode | None]):
    CSS_PATH = "trust.tcss"
    # The safe answer has the focus: an Enter typed ahead does not trust.
    AUTO_FOCUS = "#not-now"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "not_now", "Not now", id="trust.not_now"),
    ]

    def __init__(self, code: SchemaCode, changed: bool = False) -> None:
        super().__init__()
        self.code = code
        self.changed = changed

    def compose(self) -> ComposeResult:
        source = (self.code.source or b"").decode("utf-8", errors="replace")
        with Vertical(id="trust-frame") as frame:
            frame.border_title = f"{self.code.display} (read-only)"
            what = "has changed since you trusted this set" if self.changed else "is Python code"
            yield Static(
                f"The schema {self.code.display} {what}. Validating against it runs it,"
                " with your permissions. Trust it only if you know where it came from;"
                " until then everything else is still checked.",
                id="trust-why",
                markup=False,
            )
            yield TextArea(
                source,
                language="python",
                read_only=True,
                show_line_numbers=True,
                soft_wrap=False,
                id="trust-source",
            )
            with Horizontal(id="trust-buttons"):
                yield Button("Trust", id="trust", variant="warning")
                yield Button("Not now", id="not-now", variant="primary")

    @on(Button.Pressed, "#trust")
    def _trust(self) -> None:
        self.dismiss(self.code)

    @on(Button.Pressed, "#not-now")
    def _not_now(self) -> None:
        self.dismiss(None)

    def action_not_now(self) -> None:
        self.dismiss(None)


class TrustQuestion:
    """Asks about a screen's set once per version of its schema, and records the answer.

    `resolve` is called with the reason (``trusted schema.py``) once trust is stored.
    """

    def __init__(
        self, screen: PlainScreen[None], config_set: ConfigSet, resolve: Callable[[str], None]
    ) -> None:
        self.screen = screen
        self.config_set = config_set
        self.resolve = resolve
        self.asked: set[str | None] = set()  # schema digests asked about

    def offer(self, code: SchemaCode, changed: bool) -> None:
        """Ask, unless this version of the schema was asked about already."""
        if code.digest not in self.asked:
            self.ask(code, changed)

    def ask(self, code: SchemaCode, changed: bool = False) -> None:
        """Show the schema's code and ask whether to trust it."""
        if isinstance(self.screen.app.screen, TrustScreen):
            return
        self.asked.add(code.digest)
        self.screen.app.push_screen(TrustScreen(code, changed), self._answered)

    def _answered(self, code: SchemaCode | None) -> None:
        if code is None:
            self.screen.notify(
                "The schema was not run. Choose its warning in the problems panel to be asked"
                " again, or run 'confscope trust'.",
                title="not trusted",
            )
            return
        try:
            self.config_set.trust(code)
        except OSError as error:
            store = self.config_set.trust_store.file
            self.screen.notify(f"cannot write {store}: {error.strerror or error}", severity="error")
            return
        self.resolve(f"trusted {code.display}")
