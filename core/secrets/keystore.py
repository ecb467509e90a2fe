"""Age identities in the OS keyring, and the identities a sops file can be opened with.

Layout in the keyring (through `keyring`, so the Secret Service on Linux, the Keychain on
macOS, the Credential Manager on Windows): service ``confscope``, username = the recipient
(``age1…``), password = the identity (``AGE-SECRET-KEY-1…``); and one entry, username
``recipients``, listing the recipients stored, one a line, since keyring cannot enumerate.

The backend is chosen as keyring chooses it (``PYTHON_KEYRING_BACKEND``, keyringrc.cfg,
else the highest priority) but without setting keyring's process-wide default, and a
backend that is not a real secret store (priority below 1, such as keyrings.alt's
PlaintextKeyring, which writes passwords to a file in base64) is refused with the reason
unless ``CONFSCOPE_ALLOW_INSECURE_KEYRING=1``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass

from keyring import backend as keyring_backend
from keyring import core as keyring_core
from keyring.backends import chainer, fail, null
from keyring.errors import InitError, KeyringError, KeyringLocked, PasswordDeleteError

from core.secrets.agekeys import (
    AgeKey,
    KeystoreError,
    environment_keys,
    generate,
    is_recipient,
    key_from_identity,
)

__all__ = ["KeyListing", "Keystore", "KeystoreError", "identities_for", "list_keys"]

SERVICE = "confscope"
INDEX = "recipients"
ALLOW_INSECURE = "CONFSCOPE_ALLOW_INSECURE_KEYRING"
KEYRING = "keyring"


def backend_name(backend: keyring_backend.KeyringBackend) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def secret_service_problem() -> str:
    """Why the Secret Service cannot be used here, or "" when it can (or is not the way)."""
    if not sys.platform.startswith(("linux", "freebsd")):
        return ""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if not address:
        return "there is no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)"
    try:
        import secretstorage
    except ImportError:
        return "the secretstorage package, which keyring uses for the Secret Service, is missing"
    try:
        with closing(secretstorage.dbus_init()) as connection:
            if secretstorage.check_service_availability(connection):
                return ""
    except Exception as error:  # jeepney's socket and protocol errors vary by cause
        return f"the D-Bus session bus at {address} does not answer ({error})"
    return "no Secret Service (such as gnome-keyring or KeePassXC) runs on the D-Bus session"


def choose_backend() -> tuple[keyring_backend.KeyringBackend, bool]:
    """The backend keyring would pick, without making it keyring's process-wide default,
    and whether the user named it (PYTHON_KEYRING_BACKEND or keyringrc.cfg)."""
    try:
        named = keyring_core.load_env() or keyring_core.load_config()
    except Exception as error:  # a bad name or an unusable backend, named by the user
        raise KeystoreError(
            f"the keyring backend named by PYTHON_KEYRING_BACKEND or keyringrc.cfg"
            f" cannot be used: {error}"
        ) from None
    if named is not None:
        chosen = named
    else:
        # Asked afresh each time (keyring's own answer is cached for the process): the
        # Secret Service may come up after the first look, e.g. in a TUI left running.
        candidates = keyring_backend.get_all_keyring.__wrapped__()  # type: ignore[attr-defined]
        chosen = max(candidates, key=keyring_backend.by_priority, default=fail.Keyring())
    if isinstance(chosen, chainer.ChainerBackend):
        # The chainer reads from every backend, a plaintext one included: use only the
        # best of them, which is where the chainer writes anyway.
        members = list(chosen.backends)
        chosen = members[0] if members else fail.Keyring()
    return chosen, named is not None


def checked_backend() -> keyring_backend.KeyringBackend:
    """The chosen backend if it is a real secret store; KeystoreError with the reason if not."""
    backend, named = choose_backend()
    priority = float(backend.priority)
    if isinstance(backend, fail.Keyring | null.Keyring) or priority <= 0:
        problem = secret_service_problem()
        because = problem or f"keyring offers only {backend_name(backend)}"
        raise KeystoreError(
            f"no OS keyring is available: {because}; start a Secret Service (e.g."
            " gnome-keyring) in a D-Bus session, or give the key in SOPS_AGE_KEY_FILE"
        )
    if priority < 1 and os.environ.get(ALLOW_INSECURE) != "1":
        where = getattr(backend, "file_path", None)
        what = f"keeps passwords unencrypted in {where}" if where else "is no OS secret store"
        problem = "" if named else secret_service_problem()
        chosen = (
            "PYTHON_KEYRING_BACKEND or keyringrc.cfg names it"
            if named
            else f"keyring fell back to it because {problem}"
            if problem
            else "keyring found nothing better"
        )
        raise KeystoreError(
            f"refusing the keyring backend {backend_name(backend)}, which {what} (keyring"
            f" priority {priority:g}, below 1): {chosen}; set {ALLOW_INSECURE}=1 to use it"
            " anyway"
        )
    return backend


@contextmanager
def asking(action: str) -> Iterator[None]:
    """Turn what a keyring backend raises into one sentence for the user."""
    try:
        yield
    except KeyringLocked:
        raise KeystoreError(
            f"cannot {action}: the keyring is locked and was not unlocked (the unlock prompt"
            " was dismissed or could not be shown); unlock it and try again"
        ) from None
    except InitError as error:
        raise KeystoreError(
            f"cannot {action}: the keyring could not be opened ({error}); unlock or create"
            " its default collection, e.g. by logging in to the desktop, and try again"
        ) from None
    except KeyringError as error:
        raise KeystoreError(f"cannot {action}: {error}") from None
    except KeystoreError:
        raise
    except Exception as error:  # backends raise their own types (D-Bus, OS, protocol)
        raise KeystoreError(
            f"cannot {action}: the keyring failed ({type(error).__name__}: {error})"
        ) from None


@dataclass(frozen=True)
class KeyListing:
    """One recipient and where an identity for it is at hand ("keyring", a variable's name);
    no sources: none here (for a recipient the keyring's index lists: its entry is gone)."""

    recipient: str
    sources: tuple[str, ...]


class Keystore:
    """The age identities in the OS keyring; open() refuses a backend that is no secret store."""

    def __init__(self, backend: keyring_backend.KeyringBackend) -> None:
        self.backend = backend

    @classmethod
    def open(cls) -> Keystore:
        return cls(checked_backend())

    @property
    def name(self) -> str:
        return backend_name(self.backend)

    def recipients(self) -> list[str]:
        """The recipients the index lists, in the order they were stored."""
        with asking("read the keyring"):
            listed = self.backend.get_password(SERVICE, INDEX) or ""
        return [line.strip() for line in listed.splitlines() if is_recipient(line.strip())]

    def holds(self, recipient: str) -> bool:
        return self._entry(recipient) is not None

    def identity(self, recipient: str) -> str | None:
        """`recipient`'s identity, checked to be one and to be that recipient's."""
        identity = self._entry(recipient)
        if identity is None:
            return None
        try:
            matches = key_from_identity(identity).recipient == recipient
        except ValueError:
            matches = False
        if not matches:
            raise KeystoreError(
                f"the keyring's entry for {recipient} holds no identity of that recipient;"
                f" remove it with 'confscope keys delete {recipient}'"
            )
        return identity

    def _entry(self, recipient: str) -> str | None:
        with asking("read the keyring"):
            return self.backend.get_password(SERVICE, recipient)

    def stored_keys(self) -> list[AgeKey]:
        """Every stored key the index lists (a listed recipient with no identity is skipped)."""
        found = []
        for recipient in self.recipients():
            identity = self.identity(recipient)
            if identity:
                found.append(AgeKey(recipient=recipient, identity=identity))
        return found

    def create(self) -> AgeKey:
        """A new key from pyrage, stored; the caller shows its recipient, not its identity."""
        key = generate()
        self.store(key)
        return key

    def import_keys(self, keys: Sequence[AgeKey]) -> list[tuple[AgeKey, bool]]:
        """Store `keys` (from `parse_key_file`, so all are known good before any is stored);
        each with whether the keyring held it already."""
        known = set(self.recipients())
        imported = []
        for key in dict.fromkeys(keys):
            self.store(key)
            imported.append((key, key.recipient in known))
        return imported

    def store(self, key: AgeKey) -> None:
        """Keep `key`, then prove the backend kept it (a null-like backend would not)."""
        with asking("write to the keyring"):
            self.backend.set_password(SERVICE, key.recipient, key.identity)
        if self._entry(key.recipient) != key.identity:
            raise KeystoreError(
                f"the keyring backend {self.name} did not keep the identity for {key.recipient}"
            )
        listed = self.recipients()
        if key.recipient not in listed:
            self._write_index([*listed, key.recipient])

    def delete(self, recipient: str) -> bool:
        """Forget `recipient`'s identity; False when the keyring held none."""
        held = self.holds(recipient)
        if held:
            try:
                with asking("delete from the keyring"):
                    self.backend.delete_password(SERVICE, recipient)
            except KeystoreError:
                if self.holds(recipient):
                    raise
        listed = self.recipients()
        if recipient in listed:
            self._write_index([r for r in listed if r != recipient])
        return held

    def _write_index(self, recipients: Sequence[str]) -> None:
        with asking("write to the keyring"):
            if recipients:
                self.backend.set_password(SERVICE, INDEX, "\n".join(recipients))
            else:
                with suppress(PasswordDeleteError):
                    self.backend.delete_password(SERVICE, INDEX)


def list_keys(recipients: Sequence[str] = ()) -> tuple[list[KeyListing], KeystoreError | None]:
    """Where an identity is at hand for each recipient the keyring lists, then for each of
    `recipients` (say, those of the open files), then for each key in sops' variables; and
    why the keyring could not be read, if it could not (the variables count regardless)."""
    sources: dict[str, list[str]] = {}
    problem: KeystoreError | None = None
    try:
        store = Keystore.open()
        for recipient in dict.fromkeys([*store.recipients(), *recipients]):
            sources[recipient] = [KEYRING] if store.holds(recipient) else []
    except KeystoreError as error:
        problem = error
        sources = {recipient: [] for recipient in recipients}
    for found in environment_keys():
        sources.setdefault(found.key.recipient, []).append(found.source)
    listings = [KeyListing(recipient=r, sources=tuple(s)) for r, s in sources.items()]
    return listings, problem


def identities_for(recipients: Sequence[str]) -> list[str]:
    """AGE-SECRET-KEY-1… identities that may open a file encrypted for `recipients`:
    SOPS_AGE_KEY and SOPS_AGE_KEY_FILE first, then the OS keyring's identity for each
    recipient. Raises KeystoreError (with the reason) when none is found and the keyring
    could not be asked.

    When sops' variables already hold a key for one of the recipients, the keyring is not
    asked at all: one identity opens the file, and a locked keyring's unlock prompt for
    nothing would only be in the way.
    """
    wanted = list(dict.fromkeys(recipients))
    at_hand = environment_keys()
    from_environment = [found.key.identity for found in at_hand if found.key.recipient in wanted]
    if from_environment:
        return list(dict.fromkeys(from_environment))
    try:
        store = Keystore.open()
        held = [store.identity(recipient) for recipient in wanted]
    except KeystoreError as error:
        sources = sorted({found.source for found in at_hand})
        environment = (
            f"{' and '.join(sources)} {'holds' if len(sources) == 1 else 'hold'} keys for"
            " other recipients only"
            if sources
            else "neither SOPS_AGE_KEY nor SOPS_AGE_KEY_FILE is set"
        )
        raise KeystoreError(
            f"no key for {', '.join(wanted) or 'any recipient'} here: {environment}, and {error}"
        ) from None
    return [identity for identity in held if identity]
