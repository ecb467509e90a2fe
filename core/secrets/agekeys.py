"""Age X25519 keys as text: generating one, reading key files, and sops' key variables.

An identity (`AGE-SECRET-KEY-1…`) is a secret; its recipient (`age1…`) is public. Nothing
here writes either anywhere: the keystore keeps identities in the OS keyring, and sops'
variables (`SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE`, sops' own `keys.txt`) are only read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyrage


class KeystoreError(Exception):
    """A key could not be had; ``str(error)`` is one sentence for the user."""


@dataclass(frozen=True)
class AgeKey:
    """An identity with the recipient it opens files for; ``repr`` never shows the identity."""

    recipient: str
    identity: str = field(repr=False)


@dataclass(frozen=True)
class EnvironmentKey:
    """A key that one of sops' sources gives, and which source (for `keys list`)."""

    key: AgeKey
    source: str


def generate() -> AgeKey:
    """A fresh X25519 key from pyrage (the age library), never made by hand."""
    identity = pyrage.x25519.Identity.generate()
    return AgeKey(recipient=str(identity.to_public()), identity=str(identity))


def key_from_identity(text: str) -> AgeKey:
    """The key for one `AGE-SECRET-KEY-1…` string; raises ValueError when it is not one."""
    try:
        identity = pyrage.x25519.Identity.from_str(text.strip())
    except pyrage.IdentityError as error:
        raise ValueError(str(error)) from None
    return AgeKey(recipient=str(identity.to_public()), identity=str(identity))


def is_recipient(text: str) -> bool:
    """Whether `text` is an age X25519 recipient (`age1…`)."""
    try:
        pyrage.x25519.Recipient.from_str(text)
    except pyrage.RecipientError:
        return False
    return True


PUBLIC_KEY_COMMENT = "# public key:"


def parse_key_file(text: str, source: str, *, skip_plugins: bool = False) -> list[AgeKey]:
    """The identities of an age key file (as `age-keygen` writes it), in order.

    Blank lines and `#` comments are skipped; a `# public key: age1…` comment is checked
    against the identity that follows it, so a key file whose two halves do not belong
    together is refused rather than imported. Errors name `source` and the line, and never
    quote the line itself (it may be most of a secret). Plugin identities are refused, or
    skipped with `skip_plugins` (sops' own sources may hold them for sops alone).
    """
    keys: list[AgeKey] = []
    announced: tuple[int, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.lower().startswith(PUBLIC_KEY_COMMENT):
                announced = (number, line[len(PUBLIC_KEY_COMMENT) :].strip())
            continue
        if line.upper().startswith("AGE-PLUGIN-"):
            if skip_plugins:
                continue
            raise KeystoreError(
                f"{source}:{number}: an age plugin identity cannot be kept in the keyring,"
                " which holds X25519 identities (AGE-SECRET-KEY-1…) only; import a copy of"
                " the file without that line"
            )
        try:
            key = key_from_identity(line)
        except ValueError as error:
            raise KeystoreError(
                f"{source}:{number}: not an age identity ({error}); expected a line"
                " AGE-SECRET-KEY-1… as age-keygen writes it"
            ) from None
        if announced is not None and announced[1] != key.recipient:
            raise KeystoreError(
                f"{source}:{number}: this identity belongs to {key.recipient}, not to the"
                f" public key {announced[1]} given on line {announced[0]}"
            )
        announced = None
        keys.append(key)
    return keys


def key_file_text(key: AgeKey) -> str:
    """`key` as an age key file, which `parse_key_file` and age itself read back."""
    return f"{PUBLIC_KEY_COMMENT} {key.recipient}\n{key.identity}\n"


SOPS_KEYS_TXT = "sops keys.txt"


def sops_default_key_file(environ: Mapping[str, str]) -> Path | None:
    """Where sops always looks for keys (Go's os.UserConfigDir, then sops/age/keys.txt)."""
    if sys.platform == "win32":
        base = environ.get("APPDATA")
        return Path(base) / "sops" / "age" / "keys.txt" if base else None
    home = environ.get("HOME")
    if sys.platform == "darwin":
        return Path(home) / "Library/Application Support/sops/age/keys.txt" if home else None
    config = environ.get("XDG_CONFIG_HOME") or (str(Path(home) / ".config") if home else "")
    return Path(config) / "sops" / "age" / "keys.txt" if config else None


def environment_keys(environ: Mapping[str, str] | None = None) -> list[EnvironmentKey]:
    """The keys sops itself reads (3.11): `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE`, and sops'
    default `keys.txt` if it exists (whether or not SOPS_AGE_KEY_FILE is set, as sops
    does). Read, never written.

    A variable that is set but unusable (a missing file, a garbled identity) raises
    KeystoreError: the user asked for that key, so silently ignoring it would mislead.
    """
    env = os.environ if environ is None else environ
    found: list[EnvironmentKey] = []
    inline = env.get("SOPS_AGE_KEY", "")
    if inline.strip():
        for key in parse_key_file(inline, "SOPS_AGE_KEY", skip_plugins=True):
            found.append(EnvironmentKey(key=key, source="SOPS_AGE_KEY"))
    files: list[tuple[Path, str]] = []
    if env.get("SOPS_AGE_KEY_FILE"):
        files.append((Path(env["SOPS_AGE_KEY_FILE"]), "SOPS_AGE_KEY_FILE"))
    default = sops_default_key_file(env)
    if default is not None and default.is_file():
        files.append((default, SOPS_KEYS_TXT))
    for path, source in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise KeystoreError(f"{source} {path} cannot be read: {reason}") from None
        for key in parse_key_file(text, str(path), skip_plugins=True):
            found.append(EnvironmentKey(key=key, source=source))
    return found
