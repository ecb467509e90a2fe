"""The question a new config set's schema raises: show its code, trust it or not now.

A set's schema is Python code and importing it runs it. Until the user trusts the
set, the main screen validates everything else and asks this once per version of the
file. The answer is the `SchemaCode` to trust (exactly the bytes shown), or None.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from core.trust import SchemaCode


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
