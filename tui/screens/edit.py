"""The edit dialog: a new value for one key, in the layer the user picks.

The dialog plans and writes through the engine (`core.editing.prepare_set`,
`prepare_unset`, `write_plan`) in a worker thread and shows every refusal in place,
without closing: the schema's message, a value shared through an alias or a merge
(with its line), a file changed on disk (with a reload offered), a sops file. It
closes with an `EditOutcome` once something was written, or when the user asks to
reload.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from core.configset import ConfigSet, Resolution
from core.editing import EditPlan, WriteResult, prepare_set, prepare_unset, write_plan
from core.editing.fields import LayerDefinition, as_written, definitions, describe_field
from core.editing.source import current_stamp, same_version
from core.model import Encrypted, KeyPath, Problem, format_path
from tui.editing import OwnWrites
from tui.render import LayerColours, plain_text, type_name

TYPING_PAUSE_S = 0.15  # plan the typed value once typing has paused this long

Action = Literal["set", "remove", "unset"]


@dataclass(frozen=True, slots=True)
class EditOutcome:
    """Why the dialog closed: an edit was written (`result`), or a reload was asked."""

    path: KeyPath
    result: WriteResult | None = None
    reload: bool = False


def definition_label(entry: LayerDefinition, colours: LayerColours, secret: bool) -> Text:
    """One row of the layer list: the layer, where it defines the key, and how."""
    layer = entry.layer
    text = Text.assemble(colours.badge(layer.name), " ")
    node = entry.node
    if node is None:
        text.append(f"{layer.source}  ", style="dim")
        text.append("not defined", style="dim italic")
    else:
        text.append(f"{layer.source}:{node.line}  ", style="dim")
        if node.tag == "!unset":
            shown = "!unset"
        elif isinstance(node.value, Encrypted) or (secret and node.value not in (None, "")):
            shown = str(node.value) if isinstance(node.value, Encrypted) else "••••••"
        else:
            shown = plain_text(node.plain(), 48)
            written = as_written(node)
            if written and written != shown and "${" in written:
                shown = written
        text.append(shown)
    if entry.won:
        text.append("  ← wins", style="bold")
    return text


class EditScreen(ModalScreen[EditOutcome | None]):
    CSS_PATH = "edit.tcss"
    AUTO_FOCUS = "#edit-value"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
        Binding("ctrl+s", "save", "Save", id="edit.save"),
        Binding("ctrl+l", "pick_layer", "Pick layer", id="edit.pick_layer"),
        Binding("ctrl+t", "toggle_preview", "Diff preview", id="edit.toggle_preview"),
        Binding("ctrl+r", "remove", "Remove from layer", id="edit.remove"),
        Binding("ctrl+n", "unset", "Write !unset", id="edit.unset"),
        Binding("ctrl+o", "reload", "Reload from disk", show=False, id="edit.reload"),
    ]

    @dataclass
    class Planned(Message):
        """A plan (or its refusal) for `action`; `ticket` drops a superseded preview."""

        plan: EditPlan | Problem
        action: Action
        ticket: int
        stale: bool = False  # the layer's file changed on disk since it was loaded

    @dataclass
    class Done(Message):
        """A write finished: written, or refused (the file changed, the disk said no)."""

        result: WriteResult
        stale: bool = False
        notes: tuple[str, ...] = ()  # what the plan warned of, told once it is saved

    def __init__(
        self,
        config_set: ConfigSet,
        resolution: Resolution,
        path: KeyPath,
        colours: LayerColours,
        own_writes: OwnWrites,
        *,
        pick_layer: bool = False,
        on_saved: Callable[[WriteResult], None] | None = None,
    ) -> None:
        super().__init__()
        self.config_set = config_set
        self.resolution = resolution
        self.path = path
        self.colours = colours
        self.own_writes = own_writes
        self.start_on_layers = pick_layer
        self.on_saved = on_saved
        self.merged = resolution.get(path)
        self.entries = definitions(resolution, path)
        winner = next((i for i, e in enumerate(self.entries) if e.won), 0)
        self.layer_index = winner
        self.preview = False
        self.busy = False
        self.error = ""
        self.stale = False
        self.warning = False
        self._typing: Timer | None = None  # plans what is typed once typing pauses
        self._diff_shown: EditPlan | None = None
        self._ticket = 0
        self._prefill = self._prefill_for(winner)

    # -- what it shows -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        secret = bool(self.merged is not None and self.merged.secret)
        with Vertical(id="edit-dialog") as dialog:
            dialog.border_title = f"edit {format_path(self.path)}"
            yield Label("layer (ctrl+l)", classes="edit-caption")
            yield OptionList(
                *[
                    Option(definition_label(entry, self.colours, secret), id=entry.layer.name)
                    for entry in self.entries
                ],
                id="edit-layers",
            )
            yield Label("value", classes="edit-caption")
            with Horizontal(id="edit-row"):
                yield Input(self._prefill, id="edit-value", password=secret, select_on_focus=False)
                yield Static(self._field_text(), id="edit-field")
            yield Static("", id="edit-error")
            with VerticalScroll(id="edit-preview"):
                yield Static(nothing_written(), id="edit-diff")
            yield Static(self._keys_text(), id="edit-keys")

    def on_mount(self) -> None:
        layers = self.query_one("#edit-layers", OptionList)
        layers.highlighted = self.layer_index
        self.query_one("#edit-preview").display = False
        if self.start_on_layers:
            layers.focus()
        self._plan_quietly()

    def _field_text(self) -> Text:
        text = Text()
        merged = self.merged
        if merged is not None:
            text.append(f"now {type_name(merged)}", style="bold")
            text.append(f" from {merged.layer}\n", style="dim")
        else:
            text.append("not in the merged config\n", style="dim")
        schema = describe_field(self.config_set, self.resolution, self.path)
        text.append("schema: ", style="bold")
        text.append(schema or "no constraint", style="" if schema else "dim")
        return text

    def _keys_text(self) -> Text:
        keys = (
            ("enter", "save"),
            ("ctrl+l", "layer"),
            ("ctrl+t", "diff"),
            ("ctrl+r", "remove"),
            ("ctrl+n", "!unset"),
            ("esc", "cancel"),
        )
        text = Text()
        for key, what in keys:
            text.append(f" {key} ", style="bold reverse")
            text.append(f" {what}  ")
        return text

    def _prefill_for(self, index: int) -> str:
        """The chosen layer's own value as written; where it defines none, the value
        that wins now (so "override this here" starts from what is in effect)."""
        entry = self.entries[index] if self.entries else None
        if entry is not None and entry.node is not None:
            return as_written(entry.node)
        winner = next((e for e in self.entries if e.won), None)
        return as_written(winner.node) if winner is not None else ""

    def _show_error(self, message: str, *, stale: bool = False, warning: bool = False) -> None:
        """A refusal in red, or (`warning`) what the edit would do that the user should
        know, in yellow; an empty message hides the line."""
        if (message, stale, warning) == (self.error, self.stale, self.warning):
            return  # shown already (at first: nothing, hidden): no new layout
        self.error = message
        self.stale = stale
        self.warning = warning
        shown = Text(message, style="yellow" if warning else "bold red") if message else Text()
        if stale:
            shown.append("\nctrl+o reloads from disk (what you typed is lost)", style="red")
        error = self.query_one("#edit-error", Static)
        error.update(shown)
        error.display = bool(message)

    def _show_diff(self, plan: EditPlan | None) -> None:
        if plan is None and self._diff_shown is None:
            return  # "nothing would be written" is shown already
        self._diff_shown = plan
        text = nothing_written()
        if plan is not None and plan.changed:
            text = Text()
            for line in plan.diff().splitlines():
                style = ""
                if line.startswith(("+++", "---")):
                    style = "bold"
                elif line.startswith("+"):
                    style = "green"
                elif line.startswith("-"):
                    style = "red"
                elif line.startswith("@@"):
                    style = "cyan"
                text.append(line + "\n", style=style)
        self.query_one("#edit-diff", Static).update(text)

    @property
    def layer_name(self) -> str | None:
        return self.entries[self.layer_index].layer.name if self.entries else None

    # -- planning and writing, off the UI thread ---------------------------------------

    def _plan_quietly(self) -> None:
        """Plan what the input holds without writing: refusals show at once, and the
        preview (when on) shows the diff."""
        self._ticket += 1
        self._plan("set", self.query_one("#edit-value", Input).value, self._ticket, False)

    def _start(self, action: Action) -> None:
        if self.busy:
            return
        if self._typing is not None:
            self._typing.stop()
        self.busy = True
        self._ticket += 1
        self._plan(action, self.query_one("#edit-value", Input).value, self._ticket, True)

    @work(thread=True, group="edit-plan", exit_on_error=False, description="plan an edit")
    def _plan(self, action: Action, text: str, ticket: int, write: bool) -> None:
        key = format_path(self.path)
        layer = self.layer_name
        plan: EditPlan | Problem
        if action == "set":
            plan = prepare_set(self.config_set, self.resolution, key, text, layer=layer)
        else:
            plan = prepare_unset(
                self.config_set, self.resolution, key, layer=layer, directive=action == "unset"
            )
        if isinstance(plan, Problem):
            self.post_message(self.Planned(plan, action, ticket, self._file_changed(layer)))
            return
        self.post_message(self.Planned(plan, action, ticket))
        if write:
            result = write_plan(plan, on_written=self.own_writes.record)
            stale = not result.written and self._file_changed(layer)
            self.post_message(self.Done(result, stale, plan.notes))

    @on(Planned)
    def _planned(self, message: Planned) -> None:
        if message.ticket != self._ticket:
            return
        plan = message.plan
        if isinstance(plan, Problem):
            self.busy = False
            self._show_error(_sentence(plan), stale=message.stale)
            self._show_diff(None)
        else:
            self._show_error("\n".join(plan.notes), warning=True)
            self._show_diff(plan if self.preview else None)

    @on(Done)
    def _done(self, message: Done) -> None:
        self.busy = False
        result = message.result
        if not result.written:
            if result.problem is not None:
                self._show_error(_sentence(result.problem), stale=message.stale)
            else:  # nothing to change: the file already says so
                self.dismiss(EditOutcome(self.path))
            return
        for note in message.notes:  # the dialog closes: the notes outlive it
            self.app.notify(note, title="Saved, but", severity="warning")
        if self.on_saved is not None:
            # Told before the dialog closes: the new resolve overlaps the closing.
            self.on_saved(result)
            self.dismiss(EditOutcome(self.path))
        else:
            self.dismiss(EditOutcome(self.path, result))

    def _file_changed(self, name: str | None) -> bool:
        """Whether the layer's file differs on disk from what the dialog shows."""
        layer = next((e.layer for e in self.entries if e.layer.name == name), None)
        if layer is None:
            return False
        stamp, data = current_stamp(layer.path)
        if stamp is None or data is None:
            return True
        return not same_version(layer.identity, stamp, data)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A planning or writing failure the engine did not foresee: said, not raised."""
        if event.state == WorkerState.ERROR:
            self.busy = False
            error = event.worker.error
            self._show_error(f"the edit failed: {type(error).__name__}: {error}")

    # -- what the user does ------------------------------------------------------------

    @on(Input.Changed, "#edit-value")
    def _typed(self) -> None:
        # Refusals and warnings show as the value is typed, once typing pauses.
        if self._typing is not None:
            self._typing.stop()
        self._typing = self.set_timer(TYPING_PAUSE_S, self._plan_quietly)

    @on(Input.Submitted, "#edit-value")
    def _submitted(self) -> None:
        self._start("set")

    @on(OptionList.OptionHighlighted, "#edit-layers")
    def _layer_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index == self.layer_index:
            return
        self.layer_index = event.option_index
        value = self.query_one("#edit-value", Input)
        if value.value == self._prefill:
            self._prefill = self._prefill_for(self.layer_index)
            value.value = self._prefill
        self._plan_quietly()

    @on(OptionList.OptionSelected, "#edit-layers")
    def _layer_chosen(self) -> None:
        self.query_one("#edit-value", Input).focus()

    def action_save(self) -> None:
        self._start("set")

    def action_remove(self) -> None:
        self._start("remove")

    def action_unset(self) -> None:
        self._start("unset")

    def action_pick_layer(self) -> None:
        self.query_one("#edit-layers", OptionList).focus()

    def action_toggle_preview(self) -> None:
        self.preview = not self.preview
        self.query_one("#edit-preview").display = self.preview
        self._plan_quietly()

    def action_reload(self) -> None:
        self.dismiss(EditOutcome(self.path, reload=True))

    def action_cancel(self) -> None:
        self.dismiss(None)


def nothing_written() -> Text:
    return Text("nothing would be written", style="dim italic")


def _sentence(problem: Problem) -> str:
    """A refusal as one line: where (file:line) and why."""
    if problem.file and problem.line:
        return f"{problem.file}:{problem.line}: {problem.message}"
    return problem.message
