"""The `sops:` block of a file: its recipients, rules and MAC, and the data key it wraps.

The data key is 32 random bytes, age-encrypted (ASCII-armored) once per recipient with
`pyrage`. Only age recipients can be opened here; a file that also lists pgp or cloud
KMS keys keeps them untouched as long as the data key does not change.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from core.secrets.rules import Rules

SOPS_VERSION = "3.11.0"  # the format version confscope writes (what sops 3.11 writes)
OTHER_KEY_TYPES = ("pgp", "kms", "gcp_kms", "hckms", "azure_kv", "hc_vault")


class MetadataError(Exception):
    """The `sops:` block is missing or cannot be used; str(e) is one sentence."""


class AgeStanza:
    """One recipient and the data key encrypted (armored) for it."""

    __slots__ = ("enc", "recipient")

    def __init__(self, recipient: str, enc: str) -> None:
        self.recipient = recipient
        self.enc = enc


class Metadata:
    """The `sops:` block as data. `other_keys` names the kinds of non-age master keys
    the file lists; `extra` keeps keys this reader does not know."""

    __slots__ = ("age", "extra", "lastmodified", "mac", "other_keys", "rules", "version")

    def __init__(
        self,
        age: tuple[AgeStanza, ...],
        lastmodified: str,
        mac: str,
        rules: Rules,
        version: str = SOPS_VERSION,
        other_keys: tuple[str, ...] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.age = age
        self.lastmodified = lastmodified
        self.mac = mac
        self.rules = rules
        self.version = version
        self.other_keys = other_keys
        self.extra = extra or {}

    @property
    def recipients(self) -> list[str]:
        return [stanza.recipient for stanza in self.age]

    def but(self, **changes: Any) -> Metadata:
        """A copy with some fields changed."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return Metadata(**fields)


def now() -> str:
    """`lastmodified` as sops writes it: RFC 3339 in UTC, whole seconds."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_block(block: Mapping[str, Any] | None) -> Metadata:
    if not isinstance(block, Mapping):
        raise MetadataError("it has no sops: block, so it is not a sops-encrypted file")
    if block.get("key_groups"):
        raise MetadataError(
            "it uses sops key_groups (Shamir secret sharing), which confscope does not open"
        )
    age = []
    for entry in block.get("age") or ():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("recipient"), str):
            raise MetadataError("its sops: block has an age entry without a recipient")
        age.append(AgeStanza(entry["recipient"], str(entry.get("enc") or "")))
    lastmodified = block.get("lastmodified")
    mac = block.get("mac")
    mac = getattr(mac, "raw", mac)  # a loader may hand the ENC[...] text wrapped
    if not isinstance(lastmodified, str) or not isinstance(mac, str):
        raise MetadataError("its sops: block has no lastmodified or no mac (a truncated file?)")
    rules = Rules(
        unencrypted_suffix=_text(block, "unencrypted_suffix"),
        encrypted_suffix=_text(block, "encrypted_suffix"),
        unencrypted_regex=_text(block, "unencrypted_regex"),
        encrypted_regex=_text(block, "encrypted_regex"),
        unencrypted_comment_regex=_text(block, "unencrypted_comment_regex"),
        encrypted_comment_regex=_text(block, "encrypted_comment_regex"),
        mac_only_encrypted=block.get("mac_only_encrypted") is True,
    )
    others = tuple(kind for kind in OTHER_KEY_TYPES if block.get(kind))
    known = {"age", "lastmodified", "mac", "version", *OTHER_KEY_TYPES, *Rules.KEYS}
    extra = {k: v for k, v in block.items() if k not in known}
    return Metadata(
        tuple(age), lastmodified, mac, rules, str(block.get("version") or ""), others, extra
    )


def _text(block: Mapping[str, Any], key: str) -> str:
    value = block.get(key)
    return value if isinstance(value, str) else ""


def unwrap(metadata: Metadata, identities: Sequence[str]) -> bytes:
    """The data key, opened with the first identity that can; MetadataError if none."""
    import pyrage

    if not metadata.age:
        kinds = ", ".join(metadata.other_keys) or "no keys at all"
        raise MetadataError(f"it has no age recipients (it lists {kinds})")
    parsed = []
    for identity in identities:
        try:
            parsed.append(pyrage.x25519.Identity.from_str(identity.strip()))
        except Exception:
            continue  # a malformed line in a key file; others may still work
    if not parsed:
        raise MetadataError(
            "no age identity is available; set SOPS_AGE_KEY_FILE or store the key with"
            " 'confscope keys import'"
        )
    for stanza in metadata.age:
        try:
            key = pyrage.decrypt(stanza.enc.encode(), parsed)
        except Exception:
            continue
        if len(key) != 32:
            raise MetadataError(f"the data key stored for {stanza.recipient} is not 32 bytes")
        return bytes(key)
    listed = ", ".join(metadata.recipients)
    raise MetadataError(f"none of the available age identities opens it (recipients: {listed})")


def wrap(data_key: bytes, recipients: Sequence[str]) -> tuple[AgeStanza, ...]:
    import pyrage

    stanzas = []
    for recipient in recipients:
        try:
            parsed = pyrage.x25519.Recipient.from_str(recipient)
        except Exception:
            raise MetadataError(f"{recipient!r} is not an age recipient (age1...)") from None
        armored = pyrage.encrypt(data_key, [parsed], armored=True)
        stanzas.append(AgeStanza(recipient, armored.decode()))
    return tuple(stanzas)


def render(metadata: Metadata, indent: int = 4) -> str:
    """The `sops:` block as sops writes it (its key order and layout)."""
    pad = " " * indent
    lines = ["sops:"]
    if metadata.age:
        lines.append(f"{pad}age:")
        for stanza in metadata.age:
            item = pad * 2 + "- "
            lines.append(f"{item}recipient: {stanza.recipient}")
            lines.append(f"{' ' * len(item)}enc: |")
            for armored in stanza.enc.strip("\n").split("\n"):
                lines.append(f"{' ' * (len(item) + 2)}{armored}")
    lines.append(f'{pad}lastmodified: "{metadata.lastmodified}"')
    lines.append(f"{pad}mac: {metadata.mac}")
    for key, value in metadata.rules.items():
        lines.append(f"{pad}{key}: {_scalar(value)}")
    lines.append(f"{pad}version: {metadata.version or SOPS_VERSION}")
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    import json

    text = str(value)
    plain_ok = text and text == text.strip() and text[0] not in "!&*{}[]|>'\"%@`#,?:-"
    if plain_ok and all(c.isalnum() or c in "_-." for c in text):
        return text
    return json.dumps(text)
