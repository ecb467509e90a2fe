"""An encrypted layer in a layered config: its values decrypted in memory, once.

A sops file is a layer like any other; its `sops:` block stays with the file. When a
key for one of its recipients is at hand (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE or the OS
keyring) the data key is unwrapped once, every `ENC[...]` value is decrypted into a
copy of the parsed tree and the file's MAC is checked, so validation and the schema
see the real values. Decrypted values stay secrets (`Node.sealed`). Without a key the
values stay `Encrypted` and the layer says why and which recipients could open it.
Plaintext lives only in memory.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from core.loading import Document, ParsedFile
from core.model import MAPPING, SCALAR, SEQUENCE, Encrypted, KeyPath, Node, Problem

Identities = Callable[[Sequence[str]], list[str]]


@dataclass(frozen=True, slots=True)
class LayerSecrets:
    """What is known of an encrypted file's values: who can open it, and whether we did."""

    recipients: tuple[str, ...]
    opened: bool
    reason: str = ""  # why not opened: one sentence; empty when opened


def open_parsed(
    parsed: ParsedFile, display: str, identities: Identities | None = None
) -> tuple[ParsedFile, LayerSecrets, list[Problem]]:
    """`parsed` with its encrypted values decrypted, if a key is at hand.

    Returns the (possibly new) parsed file, what is known of its secrets and the
    problems met: a wrong key, a tampered value or MAC is an error at the file; a
    missing key is not a problem. `parsed` itself is never changed: it may be cached.
    """
    from core.secrets import metadata as meta
    from core.secrets.identities import identities as default_identities
    from core.secrets.sopsfile import SecretsError, unlock

    assert parsed.sops is not None
    block = _block_data(parsed.sops)
    try:
        recipients = tuple(meta.from_block(block).recipients)
    except meta.MetadataError as error:
        return _locked(parsed, (), str(error), True, display, parsed.sops.line)
    try:
        found = (identities or default_identities)(recipients)
    except Exception as error:
        # The keystore (and keyring with it) is loaded only when sops' variables hold
        # no key for the file; if it was never loaded, it cannot have refused.
        keystore = sys.modules.get("core.secrets.keystore")
        if keystore is None or not isinstance(error, keystore.KeystoreError):
            raise
        return _locked(parsed, recipients, str(error), False, display, parsed.sops.line)
    if not found:
        reason = (
            f"no key for {', '.join(recipients) or 'any recipient'} here (the OS keyring,"
            " SOPS_AGE_KEY and SOPS_AGE_KEY_FILE hold none of them)"
        )
        return _locked(parsed, recipients, reason, False, display, parsed.sops.line)
    documents = parsed.documents or []
    if len(documents) != 1:
        reason = "a sops file holds one YAML document; its values stay encrypted"
        return _locked(parsed, recipients, reason, True, display, parsed.sops.line)
    root = documents[0].root
    try:
        unlocked = unlock(block, found, display)
        plains = unlocked.open_leaves(_leaves(root))
    except SecretsError as error:
        return _locked(parsed, recipients, error.message, True, display, error.line, error.path)
    opened_root = _decrypted(root, (), plains)
    assert opened_root is not None
    document = replace(documents[0], root=opened_root)
    opened = ParsedFile(opened_root, list(parsed.problems), parsed.sops, [document])
    return opened, LayerSecrets(recipients, True), []


def _locked(
    parsed: ParsedFile,
    recipients: tuple[str, ...],
    reason: str,
    faulty: bool,
    display: str,
    line: int | None,
    path: str = "",
) -> tuple[ParsedFile, LayerSecrets, list[Problem]]:
    info = LayerSecrets(recipients, False, reason)
    if not faulty:
        # No key here is a fact of this machine, not a fault of the file: the values
        # stay encrypted (and `why` and the TUI say why), nothing is reported.
        return _without_comments(parsed), info, []
    problem = Problem(
        severity="error",
        message=f"its encrypted values cannot be opened: {reason}",
        path=path,
        file=display,
        line=line,
        column=1 if line else None,
        code="secrets",
    )
    return _without_comments(parsed), info, [problem]


def _block_data(node: Node) -> Any:
    """The `sops:` block as plain data, its `ENC[...]` texts (the MAC) as text."""
    if node.kind == MAPPING:
        return {key: _block_data(child) for key, child in node.value.items()}
    if node.kind == SEQUENCE:
        return [_block_data(child) for child in node.value]
    value = node.value
    return value.raw if isinstance(value, Encrypted) else value


def _leaves(root: Node) -> Iterator[tuple[KeyPath, Any, str | None, int | None]]:
    """Every scalar leaf in document order, as `Unlocked.open_leaves` reads them."""
    stack: list[tuple[KeyPath, Node]] = [((), root)]
    while stack:
        path, node = stack.pop()
        if node.kind == SCALAR:
            yield path, node.value, node.raw, node.line
            continue
        if node.kind == MAPPING:
            children = [((*path, key), child) for key, child in node.value.items()]
        else:
            children = [((*path, index), child) for index, child in enumerate(node.value)]
        stack.extend(reversed(children))


def _is_comment(node: Node) -> bool:
    """sops keeps a comment inside a list as an encrypted list item: not data."""
    return isinstance(node.value, Encrypted) and node.value.type == "comment"


def _decrypted(node: Node, path: KeyPath, plains: dict[KeyPath, Any]) -> Node | None:
    """A copy of `node` with every decrypted value in place; None for a comment item.

    Subtrees without an encrypted value are shared, not copied.
    """
    if node.kind == SCALAR:
        if _is_comment(node):
            return None
        plain = plains.get(path)
        if plain is None:
            return node
        value = plain.value
        if not isinstance(value, str | int | float | bool) and value is not None:
            value = str(value)
        opened = Node(SCALAR, value, node.line, node.column, node.tag)
        opened.sealed = plain.type
        return opened
    keyed = node.kind == MAPPING
    children = node.value.items() if keyed else enumerate(node.value)
    kept: list[tuple[Any, Node]] = []
    changed = False
    for key, child in children:
        new = _decrypted(child, (*path, key), plains)
        changed = changed or new is not child
        if new is not None:
            kept.append((key, new))
    if not changed:
        return node
    copy = Node(
        node.kind,
        dict(kept) if keyed else [new for _, new in kept],
        node.line,
        node.column,
        node.tag,
    )
    copy.via = node.via
    return copy


def _without_comments(parsed: ParsedFile) -> ParsedFile:
    """`parsed` with sops' comment items taken out of its lists (values stay locked)."""
    documents: list[Document] = []
    changed = False
    for document in parsed.documents:
        root = _decrypted(document.root, (), {})
        assert root is not None
        changed = changed or root is not document.root
        documents.append(replace(document, root=root))
    if not changed:
        return parsed
    return ParsedFile(documents[0].root, list(parsed.problems), parsed.sops, documents)


@dataclass(frozen=True, slots=True)
class SecretState:
    """What `why` says of an encrypted value: its type, and whether it was opened here."""

    type: str
    opened: bool
    recipients: tuple[str, ...] = ()
    reason: str = ""

    @property
    def text(self) -> str:
        if self.opened:
            return f"encrypted ({self.type}) in its file; decrypted in memory"
        who = (
            f"; recipients who can open it: {', '.join(self.recipients)}" if self.recipients else ""
        )
        why = self.reason or "its file has no sops: block to open it with"
        return f"encrypted ({self.type}); no key is available here: {why}{who}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "opened": self.opened,
            "recipients": list(self.recipients),
            "reason": self.reason,
        }


def secret_state(node: Any, secrets: dict[str, LayerSecrets]) -> SecretState | None:
    """The state of a merged value that is encrypted in its file, or None."""
    from core.secrets.policy import sealed_type

    kind = sealed_type(node)
    if kind is None:
        return None
    info = secrets.get(node.layer)
    if not isinstance(node.value, Encrypted):
        return SecretState(kind, True, info.recipients if info else ())
    if info is None:
        return SecretState(kind, False)
    return SecretState(kind, False, info.recipients, info.reason)
