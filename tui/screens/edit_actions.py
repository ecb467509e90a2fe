"""The main screen's editing keys: edit a value, pick its layer, remove, `!unset`, undo.

`EditActions` is mixed into the main screen (which lists `EDIT_BINDINGS` among its
own, so help and the palette show them). Writes run in worker threads through the
engine; their results come back as messages. After a write the screen resolves
again, keeps the cursor on the key and says "saved FILE"; the watcher is told the
write was ours (`OwnWrites`) so it does not report it as a change on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message

from core.editing import EditPlan, WriteResult, prepare_unset, write_plan
from core.model import MAPPING, SEQUENCE, KeyPath, Problem, format_path
from tui.editing import EditHistory, OwnWrites
from tui.screens.edit import EditOutcome, EditScreen

if TYPE_CHECKING:
    from tui.screens.main import MainScreen

Step = Literal["edit", "undo", "redo"]

EDIT_BINDINGS: list[BindingType] = [
    Binding("i", "edit_value", "Edit value", id="main.edit_value"),
    Binding("L", "edit_in_layer", "Edit in layer…", show=False, id="main.edit_in_layer"),
    Binding("D", "remove_definition", "Remove definition", show=False, id="main.remove"),
    Binding("U", "unset_directive", "Write !unset", show=False, id="main.unset"),
    Binding("ctrl+z", "undo", "Undo edit", show=False, id="main.undo"),
    Binding(
        "ctrl+y,ctrl+shift+z",
        "redo",
        "Redo edit",
        show=False,
        key_display="^y ^⇧z",
        id="main.redo",
    ),
]


@dataclass
class EditWritten(Message):
    """A write made from the main screen (an edit, an undo, a redo) finished."""

    step: Step
    result: WriteResult | Problem


class EditActions:
    """Editing for the main screen; `self` is always the `MainScreen`."""

    edit_history: EditHistory
    own_writes: OwnWrites

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.edit_history = EditHistory()
        self.own_writes = OwnWrites()

    @property
    def _main(self) -> MainScreen:
        return self  # type: ignore[return-value]

    def _edit_target(self) -> KeyPath | None:
        screen = self._main
        path = screen.config_tree.cursor_path
        if screen.view is None or not path:
            screen.notify("Move the cursor onto a key first.", severity="warning")
            return None
        return path

    def _open_editor(self, pick_layer: bool) -> None:
        screen = self._main
        path = self._edit_target()
        if path is None or screen.view is None:
            return
        node = screen.view.resolution.get(path)
        if node is not None and node.kind in (MAPPING, SEQUENCE):
            kind = "a mapping" if node.kind == MAPPING else "a list"
            screen.notify(
                f"{format_path(path)} is {kind}: edit one of its values, or remove it (D).",
                severity="warning",
            )
            return
        dialog = EditScreen(
            screen.config_set,
            screen.view.resolution,
            path,
            screen.colours,
            self.own_writes,
            pick_layer=pick_layer,
            on_saved=self._dialog_saved,
        )
        screen.app.push_screen(dialog, self._edit_closed)

    def action_edit_value(self) -> None:
        """Edit the value under the cursor in the layer that won it (or another)."""
        self._open_editor(pick_layer=False)

    def action_edit_in_layer(self) -> None:
        """Edit the value under the cursor, choosing the layer first."""
        self._open_editor(pick_layer=True)

    def action_remove_definition(self) -> None:
        """Take the winning definition out of its layer: the next layer's value shows."""
        self._unset(directive=False)

    def action_unset_directive(self) -> None:
        """Write `key: !unset` in the winning layer: the key leaves the merged config."""
        self._unset(directive=True)

    def _unset(self, *, directive: bool) -> None:
        path = self._edit_target()
        if path is not None:
            self._write_unset(path, directive)

    def action_undo(self) -> None:
        plan = self.edit_history.undo_plan()
        if plan is None:
            self._main.notify("Nothing to undo.", severity="warning")
        else:
            self._write("undo", plan)

    def action_redo(self) -> None:
        plan = self.edit_history.redo_plan()
        if plan is None:
            self._main.notify("Nothing to redo.", severity="warning")
        else:
            self._write("redo", plan)

    # -- workers -----------------------------------------------------------------------

    # A description of its own: the default one is the repr of every argument.
    @work(thread=True, group="edit", exit_on_error=False, description="remove a definition")
    def _write_unset(self, path: KeyPath, directive: bool) -> None:
        screen = self._main
        view = screen.view
        if view is None:
            return
        try:
            plan = prepare_unset(
                screen.config_set, view.resolution, format_path(path), directive=directive
            )
            done: WriteResult | Problem = (
                plan
                if isinstance(plan, Problem)
                else write_plan(plan, on_written=self.own_writes.record)
            )
        except Exception as error:  # the engine collects its problems; this is a bug
            done = _failure(path, error)
        screen.post_message(EditWritten("edit", done))

    @work(thread=True, group="edit", exit_on_error=False, description="write an edit")
    def _write(self, step: Step, plan: EditPlan) -> None:
        try:
            done: WriteResult | Problem = write_plan(plan, on_written=self.own_writes.record)
        except Exception as error:  # the engine collects its problems; this is a bug
            done = _failure(plan.path, error)
        self._main.post_message(EditWritten(step, done))

    # -- results -----------------------------------------------------------------------

    def on_edit_written(self, message: EditWritten) -> None:
        screen = self._main
        result = message.result
        problem = result if isinstance(result, Problem) else result.problem
        if problem is not None:
            where = f"{problem.file}:{problem.line}: " if problem.file and problem.line else ""
            title = {"edit": "not edited", "undo": "cannot undo", "redo": "cannot redo"}
            screen.notify(where + problem.message, title=title[message.step], severity="error")
            return
        assert isinstance(result, WriteResult)
        if message.step == "undo":
            self.edit_history.undone(result)
        elif message.step == "redo":
            self.edit_history.redone(result)
        else:
            self.edit_history.wrote(result)
        self._saved(result, message.step)

    def _edit_closed(self, outcome: EditOutcome | None) -> None:
        screen = self._main
        if outcome is None:
            return
        if outcome.reload:
            screen._go_to_after_resolve = outcome.path
            screen.request_resolve("reloaded")
        elif outcome.result is not None and outcome.result.written:
            self.edit_history.wrote(outcome.result)
            self._saved(outcome.result, "edit")

    def _dialog_saved(self, result: WriteResult) -> None:
        self.edit_history.wrote(result)
        self._saved(result, "edit")

    def _saved(self, result: WriteResult, step: Step) -> None:
        """Show the written file: resolve again, cursor back on the key, say so."""
        screen = self._main
        plan = result.plan
        if not result.written:
            return
        what = plan.description
        while what.startswith("undo: "):  # an undo of an undo is the edit again
            what = what.removeprefix("undo: ")
        done = {"edit": "", "undo": "undid ", "redo": "redid "}[step]
        screen._go_to_after_resolve = plan.path
        screen.request_resolve(f"saved {plan.display}: {done}{what}")


def _failure(path: KeyPath, error: Exception) -> Problem:
    """An error the engine did not collect, as a problem the screen can show."""
    return Problem(
        severity="error",
        message=f"the edit failed: {type(error).__name__}: {error}",
        path=format_path(path),
        code="edit",
    )
