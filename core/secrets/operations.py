"""The file-level sops operations: encrypt, decrypt, set, rotate, updatekeys.

Each one reads the file, works on its text in memory and, when it writes, replaces only
the spans it changes (a value, a comment, `lastmodified`, `mac`; the `sops:` block when
the keys change) and writes atomically: a temp file in the same directory holding only
ciphertext, fsync, rename, the file's mode kept. Before writing, the new text is opened
again in memory, so a write never leaves a file that its key cannot open.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.secrets import metadata as meta
from core.secrets.document import Comment, Document, Leaf, aad
from core.secrets.identities import identities as default_identities
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
from core.secrets.text import block_literal_at, content_end, newline_of, splice, yaml_scalar
from core.secrets.values import Cipher, Plain, int64_problem
from core.secrets.writing import read_text, write_atomic

if TYPE_CHECKING:
    pass

Identities = Callable[[Sequence[str]], list[str]]


def _identities(file: Path, recipients: Sequence[str], source: Identities) -> list[str]:
    try:
        return source(recipients)
    except Exception as error:
        from core.secrets.agekeys import KeystoreError  # loaded already by whoever raised it

        if isinstance(error, KeystoreError):
            raise SecretsError(str(error), str(file)) from None
        raise


def open_file(file: Path, identities: Identities = default_identities) -> tuple[Opened, str, bytes]:
    """Read, decrypt and verify a sops file: (the opened file, its text, its bytes)."""
    text, raw = read_text(file)
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


def decrypt(file: Path, identities: Identities = default_identities) -> str:
    """The plaintext YAML: values and comments decrypted in place, the sops: block gone."""
    opened, text, _ = open_file(file, identities)
    doc = opened.doc
    edits: list[tuple[int, int, str]] = []
    step = max(doc.indent, 2)
    for leaf, plain in zip(doc.leaves, opened.plains):
        if leaf.encrypted and opened.unlocked.decider.encrypts(leaf.keys):
            written = yaml_scalar(plain, leaf.flow)
            end = content_end(text, leaf)
            if plain is not None and plain.type == "str" and not leaf.flow and "\n" in plain.value:
                end, written = block_literal_at(text, leaf, plain.value, step) or (end, written)
            edits.append((leaf.start, end, written))
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
    text, _ = read_text(file)
    rule = _rule(file)
    recipients = tuple(age) or (rule.age if rule else ())
    return encrypt_text(text, str(file), recipients, rule.rules if rule else None)


def encrypt_text(
    text: str, file: str, recipients: Sequence[str], rules: Rules | None = None
) -> str:
    """YAML `text` encrypted for `recipients` under `rules` (default: every value), in
    memory; `file` names it in messages."""
    doc = parse(text, file)
    if doc.metadata is not None:
        raise SecretsError("is already encrypted (it has a sops: block)", file)
    if doc.root_flow:
        raise SecretsError(
            "its top-level mapping is written in flow style ({...}), which leaves no place"
            " for the sops: block; write it in block style first",
            file,
        )
    if not recipients:
        raise SecretsError(
            "no age recipients: pass --age RECIPIENT or add a creation rule with age: to"
            " .sops.yaml",
            file,
        )
    rules = (rules or Rules()).with_default()
    try:
        decider = rules.decider()
    except RulesError as error:
        raise SecretsError(str(error), file) from None
    data_key = os.urandom(32)
    cipher = Cipher(data_key)
    edits: list[tuple[int, int, str]] = []
    entries: list[Plain] = []
    for leaf in doc.leaves:
        plain = leaf.plain()
        if plain is None:
            continue
        too_big = int64_problem(plain)
        if too_big is not None:
            from core.model import format_path  # only when there is an error to word

            message = f"{too_big}; quote it to keep it as text"
            raise SecretsError(message, file, leaf.line, format_path(leaf.path))
        encrypts = decider.encrypts(leaf.keys)
        if not rules.mac_only_encrypted or encrypts:
            entries.append(plain)
        if encrypts and plain.value != "":
            sealed = cipher.seal(plain, leaf.aad)
            edits.append((leaf.start, content_end(text, leaf), _quoted(sealed, leaf)))
    for comment in doc.comments:
        written = comment.text
        if comment.text and not comment.item and decider.encrypts(comment.keys):
            written = cipher.seal(Plain(comment.text, "comment"), aad(comment.keys))
        lift = _lifted(text, doc.item_blocks, comment)
        if lift is not None:
            line_start, indent, content_end_at = lift
            edits.append((line_start, line_start, f"{indent}#{written}{newline_of(text)}"))
            edits.append((content_end_at, comment.end, ""))
        elif written != comment.text:
            edits.append((comment.start, comment.end, written))
    lastmodified = meta.now()
    try:
        stanzas = meta.wrap(data_key, recipients)
    except meta.MetadataError as error:
        raise SecretsError(str(error), file) from None
    computed = mac(entries, rules.mac_only_encrypted)
    metadata = meta.Metadata(
        stanzas, lastmodified, cipher.seal(Plain(computed, "str"), lastmodified), rules
    )
    body = splice(text, edits)
    newline = newline_of(text)
    if body and not body.endswith("\n"):
        body += newline
    result = body + meta.render(metadata, doc.indent).replace("\n", newline)
    _prove(result, Unlocked(metadata, data_key, file), file)
    return result


def _lifted(text: str, item_blocks: set[int], comment: Comment) -> tuple[int, str, int] | None:
    """Where an end-of-line comment must go on a line of its own for sops to keep it.

    The case: the comment ends the first line of a block-list item that is itself a
    block collection (`- key: value  # note`, `- - 1  # note`) and comment lines stand
    just above that item. go-yaml gives the item both a head and a line comment, and
    sops, writing the file back out when it decrypts, drops the head one. sops puts such
    a comment on its own line above the item when it encrypts, and confscope does too,
    only in that case. Returns the line's start, its indent and where its content ends;
    or None to leave the comment where it is.
    """
    if comment.item:
        return None
    hash_at = comment.start - 1
    line_start = text.rfind("\n", 0, hash_at) + 1
    content = text[line_start:hash_at].rstrip(" \t")
    body = content.lstrip(" ")
    if line_start not in item_blocks or not body.startswith("- "):
        return None
    above = line_start
    while above > 0:
        previous = text.rfind("\n", 0, above - 1) + 1
        line = text[previous:above].strip()
        if line.startswith("#"):
            return line_start, content[: len(content) - len(body)], line_start + len(content)
        if line:
            return None
        above = previous
    return None


def rotate(file: Path, identities: Identities = default_identities) -> None:
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
    file: Path, age: Sequence[str] = (), identities: Identities = default_identities
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
