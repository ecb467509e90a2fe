"""The main screen's sops keys: rotate a file's data key, change its recipients, and
encrypt a plaintext secret the lint flags.

`SecretActions` is mixed into the main screen, which lists `SECRET_BINDINGS` among its
own (so help and the palette show them). Each action works on the file of the value
under the cursor, through the engine (`core.secrets.operations`, `core.editing`), in a
worker thread; the outcome comes back as a `SecretDone` message, shown as a notice
(an error is one sentence, never a traceback), and the tree is resolved again.
No plaintext is shown or written: the engine writes ciphertext only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from core.model import KeyPath, LayerFile, format_path

if TYPE_CHECKING:
    from tui.screens.main import MainScreen

SECRET_BINDINGS: list[BindingType] = [
    Binding("W", "rotate_data_key", "Rotate data key", show=False, id="main.rotate_data_key"),
    Binding(
        "A", "change_recipients", "Change recipients…", show=False, id="main.change_recipients"
    ),
    Binding("E", "encrypt_secret", "Encrypt this secret", show=False, id="main.encrypt_secret"),
]


@dataclass
class SecretDone(Message):
    """A sops action finished: what to tell the user, and whether it went wrong."""

    text: str
    failed: bool


class RecipientsScreen(ModalScreen[list[str] | None]):
    """A small input for age recipients, separated by commas or spaces."""

    DEFAULT_CSS = """
    RecipientsScreen { align: center middle; }
    RecipientsScreen > Vertical {
        width: 90%; max-width: 100; height: auto; border: round $accent;
        background: $surface; padding: 1 2;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="recipients.cancel"),
    ]

    def __init__(self, display: str, current: list[str]) -> None:
        super().__init__()
        self.file_display = display
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Age recipients of {self.file_display} (enter saves, escape cancels)")
            yield Input(", ".join(self.current), placeholder="age1…, age1…", id="recipients")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        chosen = [r for r in event.value.replace(",", " ").split() if r]
        self.dismiss(chosen or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _rule_recipients(file: Path) -> list[str]:
    """The `.sops.yaml` rule's recipients for `file` ([] without a rule)."""
    from core.secrets.rules import creation_rule

    try:
        rule = creation_rule(file)
    except Exception:  # a broken .sops.yaml: the user types the recipients
        return []
    return list(rule.age) if rule is not None else []


def _file_recipients(file: Path) -> list[str]:
    from core.secrets import metadata as meta
    from core.secrets.sopsfile import parse

    try:
        doc = parse(file.read_text(encoding="utf-8"), str(file))
        return list(meta.from_block(doc.metadata).recipients)
    except Exception:  # unreadable: the action itself will say why
        return []


class SecretActions:
    """Sops actions for the main screen; `self` is always the `MainScreen`."""

    @property
    def _secret_screen(self) -> MainScreen:
        return self  # type: ignore[return-value]

    def _selected_layer(self) -> tuple[KeyPath, LayerFile] | None:
        screen = self._secret_screen
        path = screen.config_tree.cursor_path
        view = screen.view
        if view is None or not path:
            screen.notify("Move the cursor onto a value first.", severity="warning")
            return None
        node = view.resolution.get(path)
        layer = next(
            (c for c in view.resolution.active_layers if node and c.name == node.layer), None
        )
        if layer is None:
            screen.notify(f"{format_path(path)} is not defined in a file.", severity="warning")
            return None
        return path, layer

    def _sops_layer(self) -> LayerFile | None:
        selected = self._selected_layer()
        if selected is None:
            return None
        path, layer = selected
        if layer.sops is None:
            self._secret_screen.notify(
                f"{format_path(path)} comes from {layer.display}, which is not a sops file.",
                severity="warning",
            )
            return None
        return layer

    def action_rotate_data_key(self) -> None:
        layer = self._sops_layer()
        if layer is not None:
            self._run_secret_action("rotate", layer.path, layer.display, None)

    def action_change_recipients(self) -> None:
        layer = self._sops_layer()
        if layer is None:
            return
        current = _rule_recipients(layer.path) or _file_recipients(layer.path)

        def chosen(recipients: list[str] | None) -> None:
            if recipients:
                self._run_secret_action("updatekeys", layer.path, layer.display, recipients)

        self._secret_screen.app.push_screen(RecipientsScreen(layer.display, current), chosen)

    def action_encrypt_secret(self) -> None:
        screen = self._secret_screen
        selected = self._selected_layer()
        if selected is None or screen.view is None:
            return
        path, layer = selected
        dotted = format_path(path)
        flagged = any(
            p.code == "plaintext-secret" and p.path == dotted
            for p in screen.view.resolution.problems
        )
        if not flagged:
            screen.notify(
                f"{dotted} is not flagged as a plaintext secret; nothing to encrypt.",
                severity="warning",
            )
            return
        self._run_secret_action("encrypt", layer.path, layer.display, [dotted, layer.name])

    @work(thread=True, group="secrets", exit_on_error=False, description="secrets action")
    def _run_secret_action(
        self, action: str, file: Path, display: str, extra: list[str] | None
    ) -> None:
        screen = self._secret_screen
        try:
            text = _carry_out(screen, action, file, display, extra)
        except Exception as error:  # one sentence, never a traceback
            message = getattr(error, "message", None)
            where = getattr(error, "file", "") or display
            text = f"{where}: {message}" if message else f"{display}: {error}"
            screen.post_message(SecretDone(text, True))
            return
        screen.post_message(SecretDone(text, text.startswith("!")))

    def on_secret_done(self, message: SecretDone) -> None:
        screen = self._secret_screen
        text = message.text.removeprefix("!")
        if message.failed:
            screen.notify(text, title="secrets", severity="error")
            return
        screen.notify(text, title="secrets")
        screen.request_resolve()  # the watcher would too; this one needs no debounce


def _carry_out(
    screen: MainScreen, action: str, file: Path, display: str, extra: list[str] | None
) -> str:
    """Run one action; a refusal comes back as text starting with '!'."""
    from core.editing.source import current_stamp
    from core.secrets import operations

    def ours() -> None:  # the watcher then knows this write was the app's own
        stamp, _data = current_stamp(file)
        if stamp is not None:
            screen.own_writes.record(file, stamp)

    if action == "rotate":
        operations.rotate(file)
        ours()
        return f"{display}: new data key, every value re-encrypted"
    if action == "updatekeys":
        added, removed = operations.updatekeys(file, extra or [])
        if not added and not removed:
            return f"{display}: the recipients are already those"
        ours()
        return f"{display}: recipients updated (+{len(added)} −{len(removed)})"
    from core.editing import prepare_encrypt, write_plan
    from core.model import Problem

    assert extra is not None
    view: Any = screen.view
    plan = prepare_encrypt(screen.config_set, view.resolution, extra[0], layer=extra[1])
    if isinstance(plan, Problem):
        return f"!{plan}"
    result = write_plan(plan, on_written=screen.own_writes.record)
    if result.problem is not None:
        return f"!{result.problem}"
    return f"encrypted {display} per its .sops.yaml rule"
