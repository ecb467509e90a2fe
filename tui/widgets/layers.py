"""The layers panel: every candidate layer's verdict, and the what-if controls.

The panel never changes the context itself: it posts `LayersPanel.WhatIfChanged` with
the what-if the user asked for, and the screen resolves and sends the result down.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static

from core.model import Verdict
from core.whatif import WhatIf
from tui.render import LayerColours, same_text
from tui.view import View
from tui.widgets.field import Field
from tui.widgets.table import Table
from tui.widgets.titles import set_border_title


class LayerTable(Table[Text]):
    """One row per layer. Rows are keyed by position: layer names are not unique when
    the user gave two files the same name (the engine reports that)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.layer_names: list[str] = []

    @property
    def cursor_layer(self) -> str | None:
        if 0 <= self.cursor_row < len(self.layer_names):
            return self.layer_names[self.cursor_row]
        return None

    @dataclass
    class LayerHighlighted(Message):
        """The user moved onto the row of `layer`."""

        layer: str

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        layer = self.cursor_layer
        if self.has_focus and layer is not None:
            self.post_message(self.LayerHighlighted(layer))

    def on_focus(self) -> None:
        layer = self.cursor_layer
        if layer is not None:
            self.post_message(self.LayerHighlighted(layer))


class VariableField(Field):
    """The what-if variable field: Enter applies what it can use and gives the focus
    back (what it cannot use stays, to be fixed); Esc gives the focus back."""

    @dataclass
    class Done(Message):
        """The user is done with the field: the screen gives the focus back."""

        field: VariableField

    async def finish(self, key: str) -> bool:
        if key == "enter":
            await self.action_submit()
            try:
                WhatIf().with_env_change(self.value)
            except ValueError:
                return False
        self.post_message(self.Done(self))
        return True


class LayersPanel(Vertical):
    DEFAULT_CSS = """
    LayersPanel {
        border: round $primary 50%;
        border-title-color: $text-muted;
        height: auto;
        &:focus-within { border: round $primary; }
        & > LayerTable { height: auto; max-height: 9; }
        & > #whatif-controls { height: auto; }
        & > #whatif-controls > Select { width: 1fr; margin: 0 1; }
        & > #whatif-env-var { margin: 0 1; }
        & > #whatif-changes { padding: 0 1; color: $text-muted; }
    }
    """

    @dataclass
    class WhatIfChanged(Message):
        """The user asked for this what-if."""

        panel: LayersPanel
        whatif: WhatIf

    @dataclass
    class Invalid(Message):
        """The user typed something the panel cannot use; `reason` says why."""

        reason: str

    def __init__(self, colours: LayerColours, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.colours = colours
        self.border_title = "layers"
        self.view: View | None = None
        self._environments: list[str] = []
        self._types: list[str] = []
        self.wrap = False
        """Wrap each verdict's reasons to the width (when the panel has rows to spare)."""
        self._wrapped_at = 0
        self._rows_for: tuple[object, ...] | None = None
        """What the table's rows were made from (verdicts, colours, wrap width)."""
        self._changes_shown = Text()

    def set_wrap(self, wrap: bool) -> None:
        if wrap != self.wrap:
            self.wrap = wrap
            self.show(self.view)

    def on_resize(self, event: events.Resize) -> None:
        if self.wrap and event.size.width != self._wrapped_at:
            self.show(self.view)

    def compose(self) -> ComposeResult:
        table = LayerTable(id="layers-table")
        table.add_column("layer", key="layer")
        table.add_column("prio", key="priority")
        table.add_column("verdict", key="verdict")
        yield table
        with Horizontal(id="whatif-controls"):
            yield Select[str](
                [], prompt="environment", allow_blank=True, compact=True, id="whatif-environment"
            )
            yield Select[str]([], prompt="no override type", compact=True, id="whatif-type")
        yield VariableField(
            placeholder="env var: K=V sets, -K unsets, K forgets",
            compact=True,
            id="whatif-env-var",
        )
        yield Static(id="whatif-changes")

    @property
    def whatif(self) -> WhatIf:
        return self.view.whatif if self.view is not None else WhatIf()

    def show(self, view: View | None) -> None:
        """Show the verdicts and the context of `view`."""
        self.view = view
        table = self.query_one(LayerTable)
        if view is None:
            self._rows_for = None
            table.clear()
            table.layer_names = []
            self._changes_shown = Text()
            self.query_one("#whatif-changes", Static).update("")
            return
        resolution = view.resolution
        verdict_width: int | None = None
        if self.wrap:
            self._wrapped_at = self.size.width
            names = max((len(v.layer) for v in resolution.verdicts), default=5) + 2
            used = names + 4 + 3 * 2 + 2 + table.styles.scrollbar_size_vertical
            verdict_width = max(self.size.width - used - 2, 20)
        # Most resolves (an edit, a save) leave every verdict as it was: the rows
        # on screen stay, and so do the lines the table has rendered.
        rows_for = (
            list(resolution.verdicts),
            [self.colours.colour(v.layer) for v in resolution.verdicts],
            verdict_width,
        )
        if rows_for != self._rows_for:
            self._rows_for = rows_for
            self._fill(table, resolution.verdicts, verdict_width)
        active = sum(1 for v in resolution.verdicts if v.active)
        set_border_title(self, f"layers: {active} of {len(resolution.verdicts)} active")
        self._show_context(view)

    def _fill(self, table: LayerTable, verdicts: list[Verdict], verdict_width: int | None) -> None:
        cursor = table.cursor_row
        table.clear()
        table.layer_names = []
        table.columns[table.ordered_columns[2].key].width = verdict_width or 0
        table.columns[table.ordered_columns[2].key].auto_width = verdict_width is None
        for verdict in verdicts:
            state = Text("active" if verdict.active else "inactive")
            state.stylize("bold green" if verdict.active else "dim")
            if verdict.forced:
                state.append(" (forced)", style="bold yellow")
            if verdict.reasons:
                state.append(
                    ": " + "; ".join(verdict.reasons), style="" if verdict.active else "dim"
                )
            height = len(state.wrap(self.app.console, verdict_width)) if verdict_width else 1
            table.add_row(
                self.colours.badge(verdict.layer),
                Text("base" if verdict.is_base else str(verdict.priority), justify="right"),
                state,
                height=height,
            )
            table.layer_names.append(verdict.layer)
        if table.row_count:
            table.move_cursor(row=min(max(cursor, 0), table.row_count - 1), animate=False)

    def _offer(
        self, selector: str, choices: list[str], shown: list[str], current: str | None
    ) -> list[str]:
        """Show `choices` in a select (options rebuilt only when they changed), with
        `current` chosen or nothing; returns what it now shows."""
        select = self.query_one(selector, Select)
        if choices != shown:
            select.set_options((Text(name), name) for name in choices)
        if current in choices:
            select.value = current
        else:
            select.clear()
        return choices

    def _show_context(self, view: View) -> None:
        context = view.resolution.context
        environments = view.environments()
        types = view.override_types()
        with self.prevent(Select.Changed):
            self._environments = self._offer(
                "#whatif-environment", environments, self._environments, context.environment
            )
            self._types = self._offer("#whatif-type", types, self._types, context.override_type)
        changes = Text()
        if context.changes:
            changes.append("what-if: ", style="bold yellow")
            changes.append("; ".join(context.changes))
        else:
            changes.append("the real context: no what-if changes", style="dim")
        if not same_text(changes, self._changes_shown):
            self._changes_shown = changes
            self.query_one("#whatif-changes", Static).update(changes)

    @property
    def changes_shown(self) -> str:
        """The what-if line as shown (plain text), for tests and the help screen."""
        view = self.view
        if view is None or not view.resolution.context.changes:
            return "the real context: no what-if changes"
        return "what-if: " + "; ".join(view.resolution.context.changes)

    @property
    def highlighted_layer(self) -> str | None:
        return self.query_one(LayerTable).cursor_layer

    def request(self, whatif: WhatIf) -> None:
        if whatif != self.whatif:
            self.post_message(self.WhatIfChanged(self, whatif))

    @on(Select.Changed, "#whatif-environment")
    def _environment_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if self.view is None or not isinstance(event.value, str):
            return
        if event.value != self.view.resolution.context.environment:
            self.request(self.whatif.with_environment(event.value))

    @on(Select.Changed, "#whatif-type")
    def _type_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if self.view is None:
            return
        chosen = event.value if isinstance(event.value, str) else None
        if chosen != self.view.resolution.context.override_type:
            self.request(self.whatif.with_override_type(chosen))

    @on(Input.Submitted, "#whatif-env-var")
    def _env_var_entered(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            whatif = self.whatif.with_env_change(event.value)
        except ValueError as error:
            self.post_message(self.Invalid(str(error)))
            return
        event.input.clear()
        self.request(whatif)
