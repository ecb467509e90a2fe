"""The file-level sops operations: encrypt, decrypt, set, rotate, updatekeys.

Each one reads the file, works on its text in memory and, when it writes, replaces only
the spans it changes (a value, a comment, `lastmodified`, `mac`; the `sops:` block when
the keys change) and writes atomically: a temp file in the same directory holding only
ciphertext, fsync, rename, the file's mode kept. Before writing, the new text is opened
again in memory, so a write never leaves a file that its key cannot open.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.secrets import metadata as meta
from core.secrets.document import Document, Leaf, aad
from core.secrets.keystore import KeystoreError, identities_for
from core.secrets.rules import CreationRule, Rules, RulesError, creation_rule
from core.secrets.sopsfile import (
    Opened,
    SecretsError,
    Unlocked,
    mac,
    open_document,
    open_text,
    parse,
    unlock,
)
from core.secrets.text import content_end, newline_of, splice, yaml_scalar
from core.secrets.values import Cipher, Plain, ValueError_

if TYPE_CHECKING:
    from core.model import KeyPath

Identities = Callable[[Sequence[str]], list[str]]


def _read(file: Path) -> tuple[str, bytes]:
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise SecretsError("no such file", str(file)) from None
    except OSError as error:
        raise SecretsError(f"cannot be read: {error.strerror}", str(file)) from None
    try:
        return raw.decode("utf-8"), raw
    except UnicodeDecodeError:
        raise SecretsError("is not UTF-8 text", str(file)) from None


def _identities(file: Path, recipients: Sequence[str], source: Identities) -> list[str]:
    try:
        return source(recipients)
    except KeystoreError as error:
        raise SecretsError(str(error), str(file)) from None


def open_file(file: Path, identities: Identities = identities_for) -> tuple[Opened, str, bytes]:
    """Read, decrypt and verify a sops file: (the opened file, its text, its bytes)."""
    text, raw = _read(file)
    doc = parse(text, str(file))
    if doc.metadata is None:
        raise SecretsError("has no sops: block, so it is not a sops-encrypted file", str(file))
    try:
        recipients = meta.from_block(doc.metadata).recipients
    except meta.MetadataError as error:
        raise SecretsError(str(error), str(file)) from None
    found = _identities(file, recipients, identities)
    unlocked = unlock(doc.metadata, found, str(file))
    return open_document(doc, unlocked, str(file)), text, raw


def decrypt(file: Path, identities: Identities = identities_for) -> str:
    """The plaintext YAML: values and comments decrypted in place, the sops: block gone."""
    opened, text, _ = open_file(file, identities)
    doc = opened.doc
    edits: list[tuple[int, int, str]] = []
    for leaf, plain in zip(doc.leaves, opened.plains):
        if leaf.encrypted and opened.unlocked.decider.encrypts(leaf.keys):
            edits.append((leaf.start, content_end(text, leaf), yaml_scalar(plain, leaf.flow)))
    for comment, opened_comment in zip(doc.comments, opened.comments):
        if opened_comment is not None:
            plaintext = opened_comment[0]
            if comment.item:
                edits.append((comment.start, comment.end, "#" + plaintext))
            else:
                edits.append((comment.start, comment.end, plaintext))
    if doc.meta_span is not None:
        edits.append((*doc.meta_span, ""))
    return splice(text, edits)


def encrypt(file: Path, age: Sequence[str] = ()) -> str:
    """The file encrypted for `age` (or its `.sops.yaml` rule's recipients), as text."""
    text, _ = _read(file)
    doc = parse(text, str(file))
    if doc.metadata is not None:
        raise SecretsError("is already encrypted (it has a sops: block)", str(file))
    rule = _rule(file)
    recipients = tuple(age) or (rule.age if rule else ())
    if not recipients:
        raise SecretsError(
            "no age recipients: pass --age RECIPIENT or add a creation rule with age: to"
            " .sops.yaml",
            str(file),
        )
    rules = (rule.rules if rule else Rules()).with_default()
    try:
        decider = rules.decider()
    except RulesError as error:
        raise SecretsError(str(error), str(file)) from None
    data_key = os.urandom(32)
    cipher = Cipher(data_key)
    edits: list[tuple[int, int, str]] = []
    entries: list[Plain] = []
    for leaf in doc.leaves:
        plain = leaf.plain()
        if plain is None:
            continue
        encrypts = decider.encrypts(leaf.keys)
        if not rules.mac_only_encrypted or encrypts:
            entries.append(plain)
        if encrypts and plain.value != "":
            sealed = cipher.seal(plain, leaf.aad)
            edits.append((leaf.start, content_end(text, leaf), _quoted(sealed, leaf)))
    for comment in doc.comments:
        if comment.text and not comment.item and decider.encrypts(comment.keys):
            sealed = cipher.seal(Plain(comment.text, "comment"), aad(comment.keys))
            edits.append((comment.start, comment.end, sealed))
    lastmodified = meta.now()
    try:
        stanzas = meta.wrap(data_key, recipients)
    except meta.MetadataError as error:
        raise SecretsError(str(error), str(file)) from None
    computed = mac(entries, rules.mac_only_encrypted)
    metadata = meta.Metadata(
        stanzas, lastmodified, cipher.seal(Plain(computed, "str"), lastmodified), rules
    )
    body = splice(text, edits)
    newline = newline_of(text)
    if body and not body.endswith("\n"):
        body += newline
    result = body + meta.render(metadata, doc.indent).replace("\n", newline)
    _prove(result, Unlocked(metadata, data_key, str(file)), str(file))
    return result


def set_value(
    file: Path, path: KeyPath, value: Any, identities: Identities = identities_for
) -> bool:
    """Change one value (re-encrypted with the file's data key); False if unchanged."""
    opened, text, raw = open_file(file, identities)
    doc, unlocked = opened.doc, opened.unlocked
    index = next((i for i, leaf in enumerate(doc.leaves) if leaf.path == path), None)
    if index is None:
        from core.model import format_path

        raise SecretsError(
            f"there is no value {format_path(path)} to set (secrets set changes existing"
            " values; add the key with 'confscope secrets decrypt --in-place' and encrypt"
            " again, or with sops set)",
            str(file),
        )
    leaf = doc.leaves[index]
    new = to_plain(value)
    if new == opened.plains[index]:
        return False
    if new is not None and new.value != "" and unlocked.decider.encrypts(leaf.keys):
        replacement = _quoted(unlocked.cipher.seal(new, leaf.aad), leaf)
    else:
        replacement = yaml_scalar(new, leaf.flow)
    opened.plains[index] = new
    lastmodified = meta.now()
    only = unlocked.metadata.rules.mac_only_encrypted
    computed = mac(
        (p for pth, p in opened.mac_entries() if not only or unlocked.encrypts(pth)), only
    )
    sealed_mac = unlocked.sealed_mac(computed, lastmodified)
    edits = [(leaf.start, content_end(text, leaf), replacement)]
    for key, new_text in ((("lastmodified",), f'"{lastmodified}"'), (("mac",), sealed_mac)):
        spot = doc.meta_leaves.get(key)
        if spot is None:
            raise SecretsError(f"its sops: block has no {key[0]}", str(file))
        edits.append((spot.start, spot.end, new_text))
    result = splice(text, edits)
    _prove_one_change(result, opened, index, new, sealed_mac, lastmodified, str(file))
    write_atomic(file, result, raw)
    return True


def rotate(file: Path, identities: Identities = identities_for) -> None:
    """A new data key for the same recipients; every value and comment re-encrypted."""
    opened, text, raw = open_file(file, identities)
    _refuse_other_keys(opened, file, "rotate")
    doc, old = opened.doc, opened.unlocked
    data_key = os.urandom(32)
    cipher = Cipher(data_key)
    edits: list[tuple[int, int, str]] = []
    for leaf, plain in zip(doc.leaves, opened.plains):
        if plain is not None and leaf.encrypted and old.decider.encrypts(leaf.keys):
            edits.append(
                (leaf.start, content_end(text, leaf), _quoted(cipher.seal(plain, leaf.aad), leaf))
            )
    for comment, opened_comment in zip(doc.comments, opened.comments):
        if opened_comment is not None:
            plaintext, keys = opened_comment
            sealed = cipher.seal(Plain(plaintext, "comment"), aad(keys))
            edits.append((comment.start, comment.end, f"- {sealed}" if comment.item else sealed))
    only = old.metadata.rules.mac_only_encrypted
    computed = mac((p for pth, p in opened.mac_entries() if not only or old.encrypts(pth)), only)
    lastmodified = meta.now()
    try:
        stanzas = meta.wrap(data_key, old.metadata.recipients)
    except meta.MetadataError as error:
        raise SecretsError(str(error), str(file)) from None
    metadata = old.metadata.but(
        age=stanzas,
        lastmodified=lastmodified,
        mac=cipher.seal(Plain(computed, "str"), lastmodified),
        version=meta.SOPS_VERSION,
    )
    result = _with_block(text, doc, edits, metadata)
    _prove_with_identities(result, file, identities)
    write_atomic(file, result, raw)


def updatekeys(
    file: Path, age: Sequence[str] = (), identities: Identities = identities_for
) -> tuple[list[str], list[str]]:
    """Make the recipients exactly `age` (or the `.sops.yaml` rule's); values untouched.

    Returns (added, removed). Refuses a change after which no identity at hand could
    open the file.
    """
    opened, text, raw = open_file(file, identities)
    _refuse_other_keys(opened, file, "updatekeys")
    recipients = list(dict.fromkeys(age))
    if not recipients:
        rule = _rule(file)
        if rule is None or not rule.age:
            raise SecretsError(
                "no recipients: pass --age RECIPIENT (repeatable) or add a creation rule"
                " with age: to .sops.yaml",
                str(file),
            )
        recipients = list(rule.age)
    old = opened.unlocked.metadata
    try:
        stanzas = meta.wrap(opened.unlocked.data_key, recipients)
    except meta.MetadataError as error:
        raise SecretsError(str(error), str(file)) from None
    added = [r for r in recipients if r not in old.recipients]
    removed = [r for r in old.recipients if r not in recipients]
    if not added and not removed:
        return [], []
    result = _with_block(text, opened.doc, [], old.but(age=stanzas))
    _prove_with_identities(result, file, identities, locked_out=True)
    write_atomic(file, result, raw)
    return added, removed


def _rule(file: Path) -> CreationRule | None:
    try:
        return creation_rule(file)
    except RulesError as error:
        raise SecretsError(str(error), str(file)) from None


def _refuse_other_keys(opened: Opened, file: Path, command: str) -> None:
    others = opened.unlocked.metadata.other_keys
    if others:
        raise SecretsError(
            f"it also lists {', '.join(others)} keys, which confscope cannot re-encrypt the"
            f" data key for; run 'sops {command}' instead",
            str(file),
        )


def _with_block(
    text: str, doc: Document, edits: list[tuple[int, int, str]], metadata: meta.Metadata
) -> str:
    assert doc.meta_span is not None
    block = meta.render(metadata, doc.indent).replace("\n", newline_of(text))
    return splice(text, [*edits, (*doc.meta_span, block)])


def _quoted(sealed: str, leaf: Leaf) -> str:
    """An ENC value as the leaf's place needs it: a flow collection needs quotes."""
    return f'"{sealed}"' if leaf.flow else sealed


def _prove(text: str, unlocked: Unlocked, file: str) -> None:
    """Open the new text in memory before it is written; a failure is our bug, not data."""
    try:
        open_document(parse(text, file), unlocked, file)
    except SecretsError as error:
        raise SecretsError(
            f"the rewritten file would not open ({error.message}); nothing was written", file
        ) from None


def _prove_one_change(
    text: str,
    opened: Opened,
    index: int,
    new: Plain | None,
    sealed_mac: str,
    lastmodified: str,
    file: str,
) -> None:
    """Re-read the rewritten file: the same leaves, the same ciphertext for all but the
    changed one (so the same plaintext), that one opening to its new value, and the new
    MAC opening to the MAC of those values. Cheaper than opening every value again."""
    doc = parse(text, file)
    old = opened.doc
    cipher = opened.unlocked.cipher
    problem = ""
    if [leaf.path for leaf in doc.leaves] != [leaf.path for leaf in old.leaves]:
        problem = "its keys moved"
    elif any(
        a.text != b.text for i, (a, b) in enumerate(zip(doc.leaves, old.leaves)) if i != index
    ):
        problem = "another value changed"
    else:
        changed = doc.leaves[index]
        try:
            got = cipher.open(changed.text, changed.aad) if changed.encrypted else changed.plain()
            stored = cipher.open(sealed_mac, lastmodified).value
        except ValueError_:
            got, stored = None, None
        only = opened.metadata.rules.mac_only_encrypted
        entries = (
            p for pth, p in opened.mac_entries() if not only or opened.unlocked.encrypts(pth)
        )
        if got != new or stored != mac(entries, only) or doc.metadata is None:
            problem = "the new value or MAC does not read back"
    if problem:
        raise SecretsError(
            f"the rewritten file would be wrong ({problem}); nothing was written", file
        )


def _prove_with_identities(
    text: str, file: Path, identities: Identities, locked_out: bool = False
) -> None:
    doc = parse(text, str(file))
    try:
        recipients = meta.from_block(doc.metadata).recipients
        open_text(text, _identities(file, recipients, identities), str(file))
    except (SecretsError, meta.MetadataError):
        why = (
            "none of the new recipients has an identity available here, so the file would"
            " be locked for you"
            if locked_out
            else "the rewritten file would not open"
        )
        raise SecretsError(f"{why}; nothing was written", str(file)) from None


def to_plain(value: Any) -> Plain | None:
    """A Python value (as `set` parses it) as a sops leaf."""
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


def write_atomic(file: Path, text: str, expected: bytes) -> None:
    """Replace `file` with `text` unless it changed since it was read as `expected`."""
    try:
        if file.read_bytes() != expected:
            raise SecretsError(
                "changed on disk while confscope worked on it; nothing was written", str(file)
            )
        mode = stat.S_IMODE(os.stat(file).st_mode)
        temp = str(file.parent / f".{file.name}.{os.urandom(6).hex()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise SecretsError(f"cannot be written: {error.strerror}", str(file)) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
            os.fchmod(out.fileno(), mode)
        os.replace(temp, file)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise SecretsError(f"cannot be written: {error.strerror}", str(file)) from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    try:
        directory = os.open(file.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError:
        pass  # the rename is done; a directory that cannot be fsynced is not an error
