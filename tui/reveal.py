"""Secrets in the TUI: what the why pane says of one, and revealing one on request.

The engine decides what is a secret and how it is masked (`core.secrets.policy`); the
engine also decrypts an encrypted layer in memory while it resolves (in the screen's
resolve worker), when a key is at hand. Here only the showing is decided: at most one
value is revealed at a time, the one under the tree's cursor, until the same key is
pressed again or the cursor leaves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from core.model import SCALAR, Encrypted, KeyPath, LayerFile, Merged, Node, format_path
from core.secrets.policy import is_secret, sealed_type
from tui.view import View

if TYPE_CHECKING:
    from tui.screens.main import MainScreen

# Keys that the main and keys screens bind (shown in the why pane's hints).
REVEAL_KEY = "v"
KEYS_KEY = "k"


@dataclass(frozen=True)
class FileSecrets:
    """What the TUI knows of one encrypted layer: who can open it, and whether it opened."""

    layer: str
    file: str
    recipients: tuple[str, ...]
    opened: bool
    reason: str
    """Why it did not open, one sentence; empty when it opened."""
    failed: bool = False
    """It did not open for a fault of the file or the key (tampered, wrong key), not for
    want of a key: the engine reported it as a problem."""


def sops_recipients(sops: Node | None) -> tuple[str, ...]:
    """The age recipients a file's `sops:` block names (`age: [{recipient: …}]`)."""
    if sops is None or not isinstance(sops.value, dict):
        return ()
    age = sops.value.get("age")
    if age is None or not isinstance(age.value, list):
        return ()
    found: list[str] = []
    for stanza in age.value:
        recipient = stanza.value.get("recipient") if isinstance(stanza.value, dict) else None
        if recipient is not None and isinstance(recipient.value, str):
            found.append(recipient.value.strip())
    return tuple(dict.fromkeys(found))


def file_secrets(view: View, layer: LayerFile) -> FileSecrets:
    known = view.resolution.secrets.get(layer.name)
    if known is None:  # not a file the engine tried to open (it always does, today)
        return FileSecrets(layer.name, layer.source, sops_recipients(layer.sops), False, "")
    failed = not known.opened and any(
        p.code == "secrets" and p.file == layer.display for p in view.problems
    )
    return FileSecrets(
        layer.name, layer.source, tuple(known.recipients), known.opened, known.reason, failed
    )


def encrypted_files(view: View) -> list[FileSecrets]:
    """Every layer of the set that is a sops file, in the set's order."""
    return [file_secrets(view, layer) for layer in view.resolution.layers if layer.sops]


def _layer(view: View, name: str) -> LayerFile | None:
    return view.resolution.layer(name)


def environment_recipients() -> list[str]:
    """The recipients whose identity sops' variables (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE,
    sops' keys.txt) hold: read from the environment, never from the keyring."""
    from core.secrets.agekeys import KeystoreError, environment_keys

    try:
        return [found.key.recipient for found in environment_keys()]
    except KeystoreError:
        return []


def revealable(node: Merged | None) -> bool:
    """Whether `node` is a masked value the reveal key applies to: a secret scalar (the
    items of a secret-named list are revealed one by one)."""
    return node is not None and node.kind == SCALAR and is_secret(node)


def locked(node: Merged) -> bool:
    """An encrypted value whose key was not at hand: there is nothing to reveal."""
    return isinstance(node.value, Encrypted)


def secret_text(view: View, node: Merged, revealed: bool, opened_by: Sequence[str]) -> Text:
    """The why pane's lines about a secret value: whether it is encrypted, whether a key
    opened it (and whose), who could open it, and how to reveal or hide it.

    `opened_by` lists the recipients whose identity sops' variables hold here (the
    keyring is not asked on the UI thread)."""
    text = Text()
    layer = _layer(view, node.layer)
    files = file_secrets(view, layer) if layer is not None and layer.sops else None
    sealed = sealed_type(node)
    if locked(node) and files is not None and files.failed:
        text.append("secret     ", style="bold")
        text.append(f"encrypted in {node.file}; it cannot be opened\n", style="bold red")
        text.append(f"           {files.reason}\n", style="dim")
        return text
    if locked(node):
        text.append("secret     ", style="bold")
        text.append(f"encrypted in {node.file}; no key is available here\n", style="magenta")
        if files is not None and files.reason:
            text.append(f"           {files.reason}\n", style="dim")
        if files is not None and files.recipients:
            text.append("           any of these recipients could open it:\n")
            for recipient in files.recipients:
                text.append(f"             {recipient}\n")
        text.append(f"           {KEYS_KEY}: keys (create or import one)\n", style="dim")
        return text
    text.append("secret     ", style="bold")
    if sealed is not None:
        recipients = files.recipients if files is not None else ()
        whose = [r for r in opened_by if r in recipients]
        if whose:
            text.append(f"decrypted in memory with the key of {whose[0]}\n", style="magenta")
        elif files is not None and files.opened:
            # sops' variables hold none of its keys, so the keyring's identity opened it.
            text.append(
                "decrypted in memory with an identity from the OS keyring\n", style="magenta"
            )
        else:
            text.append("decrypted in memory\n", style="magenta")
    else:
        text.append("masked: its key names a secret\n", style="magenta")
    verb = "hides it again" if revealed else "reveals it (until the cursor leaves it)"
    text.append(f"           {REVEAL_KEY} {verb}\n", style="dim")
    return text


def toggle_reveal(screen: MainScreen) -> None:
    """The reveal key: show the secret under the cursor in the clear, or hide it again."""
    tree = screen.config_tree
    path = tree.cursor_path
    if path is not None and path == tree.revealed:
        hide(screen, path)
        return
    node = tree.merged(path) if path is not None else None
    if path is None or node is None or screen.view is None:
        screen.notify("Move the cursor onto a secret value first.", severity="warning")
        return
    if not revealable(node):
        screen.notify(f"{format_path(path)} is not a masked value.", severity="warning")
        return
    layer = _layer(screen.view, node.layer)
    files = file_secrets(screen.view, layer) if layer is not None else None
    if locked(node) and files is not None and files.failed:
        screen.notify(f"{node.file} cannot be opened: {files.reason}", severity="error")
        return
    if locked(node):
        who = ", ".join(files.recipients) if files is not None and files.recipients else ""
        screen.notify(
            f"No key is available for {node.file}, so {format_path(path)} cannot be shown"
            + (f"; a key of {who} would open it" if who else "")
            + f" ({KEYS_KEY}: keys).",
            severity="warning",
        )
        return
    _show(screen, path)


def hide(screen: MainScreen, showing: KeyPath | None) -> None:
    """Mask the revealed secret again (if any) and redraw the why pane for `showing`,
    at once: the plaintext must not linger while the pane waits to follow the cursor."""
    if screen.config_tree.revealed is None:
        return
    _show(screen, None, showing)


def _show(screen: MainScreen, path: KeyPath | None, showing: KeyPath | None = None) -> None:
    from tui.widgets.detail import DetailPane

    detail = screen.query_one(DetailPane)
    screen.config_tree.set_revealed(path)
    detail.revealed = path
    detail.show(screen.view, path if path is not None else showing)
