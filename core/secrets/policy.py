"""What a secret is and how one is shown: the one policy every face renders.

A value is a secret when it was encrypted in its file (an ``ENC[...]`` value, or one
decrypted in memory), or when its nearest key matches the set's `secret_keys`
pattern, whatever its source: a password read from an environment variable is as
secret as one written in a file. Secrets show as ``<encrypted:TYPE>`` or ``<secret>``
unless the caller asks to reveal them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from core.model import MAPPING, SEQUENCE, Encrypted, KeyPath, Merged

# Keys (and environment variable names) that hold secrets, unless a set says otherwise.
DEFAULT_SECRET_KEYS = (
    r"(?i)(password|passwd|passphrase|secret|secret_key_base|secret_access_key|token"
    r"|api_?key|private_?key|credentials?)$"
)
SECRET_MASK = "<secret>"
_ENC_PREFIX = "ENC["


class Pattern(Protocol):
    """A compiled regular expression (`re` or RE2): all the policy needs of one."""

    def search(self, string: str) -> Any: ...


def encrypted_value(text: str) -> Encrypted | None:
    """The sops value `text` is, if it is one: ``ENC[AES256_GCM,…,type:T]``."""
    if text.startswith(_ENC_PREFIX) and text.endswith("]"):
        at = text.rfind(",type:")
        return Encrypted(text, text[at + 6 : -1] if at != -1 else "str")
    return None


def default_pattern() -> Pattern:
    import re

    return re.compile(DEFAULT_SECRET_KEYS)


class SecretKeys:
    """Whether a key names a secret; keys repeat, so each is matched once."""

    __slots__ = ("pattern", "matched")

    def __init__(self, pattern: Pattern | None = None) -> None:
        self.pattern = pattern if pattern is not None else default_pattern()
        self.matched: dict[str, bool] = {}

    def __call__(self, key: str | int | None) -> bool:
        if not isinstance(key, str):
            return False
        hit = self.matched.get(key)
        if hit is None:
            hit = self.matched[key] = self.pattern.search(key) is not None
        return hit

    def on_path(self, path: Iterable[str | int]) -> bool:
        """Whether the value at `path` is secret by name: its nearest key decides
        (list items are as secret as their list's key)."""
        nearest = next((key for key in reversed(tuple(path)) if isinstance(key, str)), None)
        return self(nearest)


def sealed_type(node: Merged) -> str | None:
    """The sops type of a value that is encrypted in its file (decrypted or not)."""
    value = node.value
    if isinstance(value, Encrypted):
        return value.type
    return node.node.sealed


def is_secret(node: Merged) -> bool:
    """Whether a merged value is a secret: encrypted in its file, or named like one
    (the resolve marks those as it lints them)."""
    return node.secret or sealed_type(node) is not None


class Reveal:
    """How values may be shown: secrets masked unless `reveal` is asked for.

    An encrypted value whose key is not at hand stays ``<encrypted:TYPE>`` even when
    revealed: there is nothing else to show.
    """

    __slots__ = ("reveal",)

    def __init__(self, reveal: bool = False) -> None:
        self.reveal = reveal

    def scalar(self, node: Merged) -> Any:
        """A scalar node's value as it may be shown."""
        return self.value(node, node.value)

    def plain(self, node: Merged) -> Any:
        """The subtree as plain data, every secret in it masked."""
        if node.kind == MAPPING:
            return {key: self.plain(child) for key, child in node.value.items()}
        if node.kind == SEQUENCE:
            return [self.plain(child) for child in node.value]
        return self.scalar(node)

    def by_name(self, node: Merged, path: KeyPath, names: SecretKeys) -> Any:
        """A subtree no resolve marked (one an `!unset` removed) as plain data, each
        value masked when its key at `path` (or below) is named like a secret."""
        if node.kind == MAPPING:
            return {k: self.by_name(c, (*path, k), names) for k, c in node.value.items()}
        if node.kind == SEQUENCE:
            return [self.by_name(c, (*path, i), names) for i, c in enumerate(node.value)]
        return self.masked(node.value, secret=names.on_path(path), sealed=sealed_type(node))

    def value(self, node: Merged | None, value: Any) -> Any:
        """`value` tied to `node` (its own, a definition it beat, a variable it read)
        as it may be shown: masked when the node is a secret."""
        if node is None:
            return self.masked(value, secret=False)
        return self.masked(value, secret=is_secret(node), sealed=sealed_type(node))

    def masked(self, value: Any, *, secret: bool, sealed: str | None = None) -> Any:
        """`value` as it may be shown, when it is (`secret`) or is not a secret;
        `sealed` is its sops type if it was encrypted in its file."""
        if isinstance(value, Encrypted):
            return str(value)
        if isinstance(value, dict):
            return {k: self.masked(v, secret=False) for k, v in value.items()}
        if isinstance(value, list):
            return [self.masked(v, secret=secret, sealed=sealed) for v in value]
        if self.reveal or not secret or value is None or value == "":
            return value
        return f"<encrypted:{sealed}>" if sealed is not None else SECRET_MASK
