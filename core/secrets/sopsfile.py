"""Opening a sops file: the data key once, every value by its key path, the MAC checked.

`unlock(block, identities)` is what a layered config needs: given a file's `sops:` block
and the age identities at hand, it opens the data key once and returns an `Unlocked`
that decrypts any `ENC[...]` value by its key path and checks a MAC. `open_text` does
the same for a whole file read by `document.read`, keeping every value's span so the
file can be rewritten byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from core.secrets import metadata as meta
from core.secrets.document import Comment, Document, DocumentError, Leaf, aad, read
from core.secrets.rules import Decider, RulesError
from core.secrets.values import Cipher, Plain, ValueError_, go_plain, is_encrypted

if TYPE_CHECKING:
    from core.model import KeyPath

# sha256("sops"): where the MAC starts when only encrypted values are covered.
MAC_ONLY_ENCRYPTED_INIT = hashlib.sha256(b"sops").digest()


class SecretsError(Exception):
    """A sops file that cannot be opened or written: one sentence with file, line, key."""

    def __init__(
        self, message: str, file: str = "", line: int | None = None, path: str = ""
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.file and self.line else self.file
        key = f"{self.path}: " if self.path else ""
        return f"{where}: {key}{self.message}" if where else f"{key}{self.message}"


def mac(entries: Iterable[Plain], mac_only_encrypted: bool) -> str:
    """sops' MAC: SHA-512 over the leaves' bytes, upper-case hex."""
    digest = hashlib.sha512()
    if mac_only_encrypted:
        digest.update(MAC_ONLY_ENCRYPTED_INIT)
    for plain in entries:
        digest.update(plain.mac_bytes())
    return digest.hexdigest().upper()


class Unlocked:
    """A file's data key, opened once: decrypts values by key path and checks the MAC."""

    def __init__(self, metadata: meta.Metadata, data_key: bytes, file: str = "") -> None:
        self.metadata = metadata
        self.cipher = Cipher(data_key)
        self.data_key = data_key
        self.file = file
        self.decider: Decider = metadata.rules.decider()

    def value(self, raw: str, path: KeyPath, line: int | None = None) -> Plain:
        """The plaintext of the `ENC[...]` value `raw` found at `path` in the file."""
        keys = tuple(k for k in path if isinstance(k, str))
        try:
            return self.cipher.open(raw, aad(keys))
        except ValueError_ as error:
            raise SecretsError(str(error), self.file, line, _dotted(path)) from None

    def encrypts(self, path: KeyPath) -> bool:
        """Whether the file's rules encrypt the value at `path`."""
        return self.decider.encrypts(tuple(k for k in path if isinstance(k, str)))

    def check_mac(self, leaves: Iterable[tuple[KeyPath, Plain]]) -> None:
        """Compare the stored MAC with one over `leaves` (document order, no comments)."""
        only = self.metadata.rules.mac_only_encrypted
        chosen = (plain for path, plain in leaves if not only or self.encrypts(path))
        computed = mac(chosen, only)
        try:
            stored = self.cipher.open(self.metadata.mac, self.metadata.lastmodified)
        except ValueError_:
            raise SecretsError(
                "the MAC does not decrypt: the sops: block was tampered with or truncated",
                self.file,
                path="sops.mac",
            ) from None
        if stored.value != computed:
            raise SecretsError(
                "the MAC does not match the values: the file was changed without its key",
                self.file,
                path="sops.mac",
            )

    def open_leaves(
        self, leaves: Iterable[tuple[KeyPath, Any, str | None, int | None]]
    ) -> dict[KeyPath, Plain]:
        """Decrypt a whole file's leaves and check its MAC, for a layered loader.

        `leaves` are the file's scalar leaves in document order, as (path, value, raw,
        line): `value` an `ENC[...]` string or an object with `.raw` holding one (the
        loader's `Encrypted`), or a plain value with `raw` its unquoted source text
        (None when quoted). Returns the plaintext of every encrypted leaf by path;
        sops' list-item comments are skipped. SecretsError on any fault.
        """
        opened: dict[KeyPath, Plain] = {}
        entries: list[tuple[KeyPath, Plain]] = []
        for path, value, raw, line in leaves:
            text = getattr(value, "raw", value)
            if isinstance(text, str) and is_encrypted(text) and self.encrypts(path):
                if text.endswith(",type:comment]"):
                    continue
                plain = self.value(text, path, line)
                opened[path] = plain
            else:
                found = leaf_plain(value, raw)
                if found is None:
                    continue
                plain = found
            entries.append((path, plain))
        self.check_mac(entries)
        return opened

    def sealed_mac(self, computed: str, lastmodified: str) -> str:
        return self.cipher.seal(Plain(computed, "str"), lastmodified)


def leaf_plain(value: Any, raw: str | None) -> Plain | None:
    """How sops sees a leaf that is not encrypted: typed from its source text `raw` if
    unquoted (go-yaml's types: `2020-01-01` is a time), else as the value it is."""
    if raw is not None:
        return go_plain(raw)
    if value is not None and not isinstance(value, bool | int | float | str):
        value = str(value)
    return to_plain(value)


def to_plain(value: Any) -> Plain | None:
    """A Python value (as `set` parses it) as a sops leaf; None for a null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return Plain(value, "bool")
    if isinstance(value, int):
        return Plain(value, "int")
    if isinstance(value, float):
        return Plain(value, "float")
    if isinstance(value, str):
        return Plain(value, "str")
    raise SecretsError(f"a {type(value).__name__} cannot be stored as one sops value")


def unlock(block: Mapping[str, Any] | None, identities: Sequence[str], file: str = "") -> Unlocked:
    """Open the data key of a file whose `sops:` block is `block`."""
    try:
        metadata = meta.from_block(block)
        return Unlocked(metadata, meta.unwrap(metadata, identities), file)
    except (meta.MetadataError, RulesError) as error:
        raise SecretsError(str(error), file) from None


class Opened:
    """A whole sops file, decrypted in memory, with the spans to rewrite it.

    `plains` has one entry per leaf of `doc.leaves` (None for a null); `comments` one
    per comment: its plaintext and the keys (AAD) it opened with, or None where the
    comment stays as it is.
    """

    __slots__ = ("comments", "doc", "plains", "unlocked")

    def __init__(
        self,
        doc: Document,
        unlocked: Unlocked,
        plains: list[Plain | None],
        comments: list[tuple[str, tuple[str, ...]] | None],
    ) -> None:
        self.doc = doc
        self.unlocked = unlocked
        self.plains = plains
        self.comments = comments

    @property
    def metadata(self) -> meta.Metadata:
        return self.unlocked.metadata

    def mac_entries(self) -> list[tuple[KeyPath, Plain]]:
        return [
            (leaf.path, plain)
            for leaf, plain in zip(self.doc.leaves, self.plains)
            if plain is not None
        ]


def parse(text: str, file: str) -> Document:
    try:
        return read(text)
    except DocumentError as error:
        raise SecretsError(str(error), file, error.line) from None


def open_text(text: str, identities: Sequence[str], file: str) -> Opened:
    """Decrypt every value of a sops file and check its MAC; SecretsError on any fault."""
    doc = parse(text, file)
    if doc.metadata is None:
        raise SecretsError("it has no sops: block, so it is not a sops-encrypted file", file)
    unlocked = unlock(doc.metadata, identities, file)
    return open_document(doc, unlocked, file)


def open_document(doc: Document, unlocked: Unlocked, file: str) -> Opened:
    decider = unlocked.decider
    plains: list[Plain | None] = []
    for leaf in doc.leaves:
        plains.append(_open_leaf(leaf, unlocked, decider, file))
    opened = Opened(doc, unlocked, plains, [_open_comment(c, unlocked) for c in doc.comments])
    unlocked.check_mac(opened.mac_entries())
    return opened


def _open_leaf(leaf: Leaf, unlocked: Unlocked, decider: Decider, file: str) -> Plain | None:
    if decider.encrypts(leaf.keys) and leaf.encrypted:
        return unlocked.value(leaf.text, leaf.path, leaf.line)
    plain = leaf.plain()
    if plain is not None and plain.value != "" and decider.encrypts(leaf.keys):
        raise SecretsError(
            "this value should be encrypted by the file's rules but is plain text;"
            " encrypt it with 'confscope secrets set'",
            file,
            leaf.line,
            _dotted(leaf.path),
        )
    return plain


def _open_comment(comment: Comment, unlocked: Unlocked) -> tuple[str, tuple[str, ...]] | None:
    """A comment's plaintext; None when it is not encrypted or will not open (as sops)."""
    if not comment.text.startswith("ENC[") or not unlocked.decider.encrypts(comment.keys):
        return None
    for keys in comment.candidates:
        try:
            return str(unlocked.cipher.open(comment.text, aad(keys)).value), keys
        except ValueError_:
            continue
    return None


def _dotted(path: KeyPath) -> str:
    from core.model import format_path  # only when there is an error to word

    return format_path(path)
