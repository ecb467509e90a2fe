"""The keys screen: who can open the set's encrypted files, and which identities are here.

For each encrypted file of the set, its age recipients and where an identity for each is
at hand on this machine (the OS keyring, SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, sops'
keys.txt); then any other key held here. A new key can be created, or an age key file
imported, into the keyring. Everything that touches the keyring runs in a worker thread:
the Secret Service is a D-Bus call away and may wait on an unlock prompt. A keyring that
cannot be used is one sentence (the keystore's `KeystoreError`) in the status line. An
identity is never shown: only recipients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from core.secrets.agekeys import KeystoreError
from tui.reveal import FileSecrets, encrypted_files
from tui.screens.plain import PlainScreen
from tui.widgets.footer import SteadyFooter
from tui.widgets.table import Table

if TYPE_CHECKING:
    from core.secrets.keystore import KeyListing
    from tui.screens.main import MainScreen

NOT_HERE = "none here"
CHECKING = "checking…"
UNUSED = "(no file of this set)"


@dataclass(frozen=True)
class KeyRow:
    file: str
    recipient: str
    sources: tuple[str, ...] | None
    """Where an identity for `recipient` is at hand; None: not known yet."""
    state: str = ""
    """Whether the file opened in the last resolve (`file_state`); empty for a key no
    file of the set names."""


OPENED = "opened"
NO_KEY = "no key here"
CANNOT_OPEN = "cannot be opened"


RETRY = "a key is here now: opens when this screen closes"


def file_state(file: FileSecrets, key_here: bool, keys_changed: bool = False) -> str:
    """Whether `file` opened; if not, whether for want of a key or though one is here
    (`key_here`: tampered, or a key that is not what it says), or whether a key created
    or imported since (`keys_changed`) may open it."""
    if file.opened:
        return OPENED
    if file.failed:
        return CANNOT_OPEN
    if key_here:
        return RETRY if keys_changed else CANNOT_OPEN
    return NO_KEY


STATE_STYLE = {OPENED: "green", NO_KEY: "yellow", CANNOT_OPEN: "bold red", RETRY: "cyan"}


def key_rows(
    files: Sequence[FileSecrets],
    listings: Sequence[KeyListing] | None,
    keys_changed: bool = False,
) -> list[KeyRow]:
    """One row per recipient of each file, then one per other key held here."""
    sources = {listing.recipient: listing.sources for listing in listings or ()}
    rows: list[KeyRow] = []
    for file in files:
        key_here = any(sources.get(r) for r in file.recipients)
        state = file_state(file, key_here, keys_changed)
        for recipient in file.recipients:
            held = sources.get(recipient, ()) if listings is not None else None
            rows.append(KeyRow(file.file, recipient, held, state))
    used = {recipient for file in files for recipient in file.recipients}
    for recipient, where in sources.items():
        if recipient not in used and where:
            rows.append(KeyRow(UNUSED, recipient, where))
    return rows


def held_text(sources: tuple[str, ...] | None) -> Text:
    if sources is None:
        return Text(CHECKING, style="dim italic")
    if not sources:
        return Text(NOT_HERE, style="bold red")
    return Text(", ".join(sources), style="bold green")


class KeysScreen(PlainScreen[bool]):
    """Dismissed with whether a key was created or imported (the set should resolve again,
    so that what the new key opens is decrypted)."""

    CSS_PATH = "keys.tcss"
    AUTO_FOCUS = "#keys-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_key", "New key", id="keys.new"),
        Binding("i", "import_key", "Import key file", id="keys.import"),
        Binding("r", "refresh", "Refresh", id="keys.refresh"),
        Binding("escape", "close", "Close", id="keys.close"),
    ]

    @dataclass
    class Listed(Message):
        """Where the identities are, as the keystore says (in a worker)."""

        listings: list[KeyListing]
        problem: str

    @dataclass
    class Changed(Message):
        """A key was created or imported; `said` tells which (recipients only)."""

        said: str

    @dataclass
    class Refused(Message):
        """The keystore could not do it; one sentence."""

        problem: str

    def __init__(self, files: Sequence[FileSecrets]) -> None:
        super().__init__()
        self.files = list(files)
        self.listings: list[KeyListing] | None = None
        self.problem = ""
        self.changed = False
        self.said = ""
        """What the last create or import did, kept in the status line."""

    def compose(self) -> ComposeResult:
        count = len(self.files)
        title = (
            f"keys: {count} encrypted file{'s' if count != 1 else ''} in this set"
            if count
            else "keys: no encrypted file in this set"
        )
        yield Static(title, id="keys-title")
        yield Table(id="keys-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="keys-status")
        yield Input(
            placeholder="age key file to import (enter imports, escape cancels)", id="keys-import"
        )
        yield SteadyFooter()

    def on_mount(self) -> None:
        table = self.query_one(Table)
        table.add_columns("file / its recipients", "identity here")
        self._fill()
        self._status("Looking for the identities (the keyring may ask to be unlocked)…")
        self._list()

    # -- what is shown -----------------------------------------------------------------

    def _fill(self) -> None:
        table = self.query_one(Table)
        table.clear()
        # A row per file (with whether it opened), its recipients indented below it.
        file = None
        for row in key_rows(self.files, self.listings, self.changed):
            if row.file != file:
                file = row.file
                heading = Text(row.file, style="bold")
                if row.state:
                    heading.append(f"  {row.state}", style=STATE_STYLE.get(row.state, ""))
                table.add_row(heading, Text(""))
            table.add_row(Text(f"  {row.recipient}"), held_text(row.sources))

    def _status(self, text: str, style: str = "") -> None:
        if style == "bold red":
            self.said = ""
        self.query_one("#keys-status", Static).update(Text(text, style=style))

    @property
    def status(self) -> str:
        """The status line as shown (what a test reads)."""
        rendered = self.query_one("#keys-status", Static).render()
        return rendered.plain if isinstance(rendered, Text) else str(rendered)

    def shown_rows(self) -> list[tuple[str, str]]:
        """The table as shown, as text (what a test reads)."""
        table = self.query_one(Table)
        return [
            (str(row[0]), str(row[1]))
            for row in (table.get_row_at(index) for index in range(table.row_count))
        ]

    # -- workers: everything that asks the keyring -------------------------------------

    @work(thread=True, exclusive=True, group="keys-list", exit_on_error=False)
    def _list(self) -> None:
        from core.secrets.keystore import list_keys

        recipients = [r for file in self.files for r in file.recipients]
        try:
            listings, problem = list_keys(recipients)
        except KeystoreError as error:  # a SOPS_AGE_KEY_FILE that cannot be read, say
            listings, problem = [], error
        self.post_message(self.Listed(listings, str(problem) if problem else ""))

    @work(thread=True, exclusive=True, group="keys-change", exit_on_error=False)
    def _create(self) -> None:
        from core.secrets.keystore import Keystore

        try:
            store = Keystore.open()
            key = store.create()
        except KeystoreError as error:
            self.post_message(self.Refused(str(error)))
            return
        self.post_message(self.Changed(f"created {key.recipient} ({store.name})"))

    @work(thread=True, exclusive=True, group="keys-change", exit_on_error=False)
    def _import(self, path: Path) -> None:
        from core.secrets.agekeys import parse_key_file
        from core.secrets.keystore import Keystore

        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            self.post_message(self.Refused(f"cannot read {path}: {reason}"))
            return
        try:
            keys = parse_key_file(text, str(path))
            if not keys:
                raise KeystoreError(f"{path} holds no age identity (AGE-SECRET-KEY-1…)")
            imported = Keystore.open().import_keys(keys)
        except KeystoreError as error:
            self.post_message(self.Refused(str(error)))
            return
        said = ", ".join(
            f"{key.recipient}{' (held already)' if held else ''}" for key, held in imported
        )
        self.post_message(self.Changed(f"imported {said}"))

    def on_keys_screen_listed(self, message: Listed) -> None:
        self.listings = message.listings
        self.problem = message.problem
        self._fill()
        if self.said:
            return  # what was just done stays in view
        if message.problem:
            self._status(message.problem, "bold red")
        else:
            missing = [row for row in key_rows(self.files, self.listings) if not row.sources]
            self._status(
                f"{len(missing)} recipient{'s' if len(missing) != 1 else ''} with no identity"
                " here; n creates a key, i imports a key file"
                if missing
                else "n creates a key, i imports a key file"
            )

    def on_keys_screen_changed(self, message: Changed) -> None:
        self.changed = True
        self.said = message.said
        self._status(message.said, "bold green")
        self.notify(message.said, title="keys")
        self._list()

    def on_keys_screen_refused(self, message: Refused) -> None:
        self._status(message.problem, "bold red")
        self.notify(message.problem, title="keys", severity="error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Anything else a worker met: one line, never a traceback."""
        if event.state == WorkerState.ERROR and event.worker.group.startswith("keys"):
            error = event.worker.error
            self._status(f"the keyring failed: {type(error).__name__}: {error}", "bold red")

    # -- actions -----------------------------------------------------------------------

    def action_new_key(self) -> None:
        self._status("Creating a key in the keyring…")
        self._create()

    def action_import_key(self) -> None:
        field = self.query_one("#keys-import", Input)
        field.display = True
        field.focus()

    @on(Input.Submitted, "#keys-import")
    def _import_submitted(self, event: Input.Submitted) -> None:
        field = event.input
        typed = event.value.strip()
        field.value = ""
        field.display = False
        self.query_one(Table).focus()
        if typed:
            self._status(f"Importing {typed}…")
            self._import(Path(typed).expanduser())

    def action_refresh(self) -> None:
        self._list()

    def action_close(self) -> None:
        field = self.query_one("#keys-import", Input)
        if field.display:
            field.value = ""
            field.display = False
            self.query_one(Table).focus()
            return
        self.dismiss(self.changed)


def open_keys(screen: MainScreen) -> None:
    """Push the keys screen for the set `screen` shows; when a key was created or
    imported, resolve again, so that what it opens is decrypted."""
    files = encrypted_files(screen.view) if screen.view is not None else []

    def closed(changed: bool | None) -> None:
        if changed:
            screen.run_worker(forget, thread=True, group="keys-forget", exit_on_error=False)

    def forget() -> None:
        # Waits for a resolve in progress (the set resolves one at a time): not on the
        # UI thread.
        screen.config_set.forget_locked()
        screen.app.call_from_thread(screen.request_resolve, "keys changed: resolving again")

    screen.app.push_screen(KeysScreen(files), closed)
