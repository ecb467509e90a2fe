"""Edits of a sops file: the value re-encrypted with the file's data key, the MAC kept valid.

The editing path (`core.editing.requests`) hands a sops layer here. The byte-level work
is `core.secrets.setting` (the one sops writer: the value's line, `lastmodified` and
`mac` change, nothing else; a removal keeps every other ciphertext and recomputes the
MAC). What comes back is an ordinary `EditPlan`, so the conflict check, the dry-run diff
(ciphertext lines only) and the atomic write are the editing engine's own. Plaintext
exists only in memory: the plan holds the file's new bytes, which are ciphertext
wherever the file's rules encrypt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from core.editing.planning import EditPlan, plan_remove
from core.editing.refusals import refusal
from core.editing.rendering import render_inline
from core.editing.source import Source, read
from core.editing.splicing import Splice
from core.model import KeyPath, LayerFile, Problem, format_path

Identities = Callable[[Sequence[str]], list[str]]


def _identities(given: Identities | None) -> Identities:
    if given is not None:
        return given
    from core.secrets.identities import identities

    return identities


def _open(source: Source, path: KeyPath, identities: Identities | None) -> Any:
    """The file opened with a key at hand, or the refusal naming file, key and recipients."""
    from core.secrets import metadata as meta
    from core.secrets.sopsfile import SecretsError, open_document, parse, unlock

    display, dotted = source.display, format_path(path)
    try:
        doc = parse(source.text, display)
        if doc.metadata is None:
            return refusal(f"{display} has no sops: block", path, display)
        try:
            recipients = list(meta.from_block(doc.metadata).recipients)
        except meta.MetadataError as error:
            return refusal(f"{display}: {error}", path, display)
        shown = ", ".join(recipients) or "none"
        try:
            found = _identities(identities)(recipients)
            unlocked = unlock(doc.metadata, found, display)
        except Exception as error:  # no keyring, locked collection, wrong key: one sentence
            reason = getattr(error, "message", None) or str(error)
            named = any(recipient in reason for recipient in recipients)
            who = "" if named else f" (recipients: {shown})"
            return refusal(
                f"cannot edit {dotted} in {display}{who}: {reason}; nothing was written",
                path,
                display,
            )
        return open_document(doc, unlocked, display)
    except SecretsError as error:
        return refusal(
            f"cannot edit {dotted}: {error}; nothing was written", path, display, error.line
        )


def _read_and_open(
    layer: LayerFile, path: KeyPath, identities: Identities | None
) -> tuple[Source, Any] | Problem:
    """The layer's file read and decrypted (sops' `Opened`), or why not."""
    source = read(layer.path, layer.display)
    if isinstance(source, str):
        return refusal(source, path, layer.display)
    opened = _open(source, path, identities)
    if isinstance(opened, Problem):
        return opened
    return source, opened


def changed_span(before: str, after: str) -> Splice:
    """The smallest splice turning `before` into `after` (for the plan's record)."""
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end_b, end_a = len(before), len(after)
    while end_b > start and end_a > start and before[end_b - 1] == after[end_a - 1]:
        end_b -= 1
        end_a -= 1
    return Splice(start, end_b, after[start:end_a])


def _plan(
    source: Source,
    action: Any,
    path: KeyPath,
    layer: str,
    after: str,
    line: int,
    description: str,
) -> EditPlan:
    splice = changed_span(source.text, after)
    return EditPlan.from_source(source, action, path, layer, after, splice, line, description)


def _line_of(leaves: Sequence[Any], path: KeyPath, text: str) -> int:
    for leaf in leaves:
        if leaf.path == path:
            return int(text.count("\n", 0, leaf.start) + 1)
    return 1


def plan_sops_set(
    layer: LayerFile, path: KeyPath, value: Any, identities: Identities | None = None
) -> EditPlan | Problem:
    """`path = value` in the sops file of `layer`, encrypted if its rules say so."""
    from core.secrets.setting import set_text
    from core.secrets.sopsfile import SecretsError

    read_open = _read_and_open(layer, path, identities)
    if isinstance(read_open, Problem):
        return read_open
    source, opened = read_open
    try:
        after = set_text(source.text, opened, path, value, source.display)
    except SecretsError as error:
        return refusal(f"{error}; nothing was written", path, source.display, error.line)
    encrypted = opened.unlocked.encrypts(path) and value is not None and value != ""
    shown = "<encrypted>" if encrypted else render_inline(value)
    description = f"set {format_path(path)} = {shown} in"
    if after is None:
        line = _line_of(opened.doc.leaves, path, source.text)
        return _plan(source, "set", path, layer.name, source.text, line, description)
    from core.secrets.sopsfile import parse

    line = _line_of(parse(after, source.display).leaves, path, after)
    return _plan(source, "set", path, layer.name, after, line, description)


def plan_sops_remove(
    layer: LayerFile, path: KeyPath, identities: Identities | None = None
) -> EditPlan | Problem:
    """Take `path` out of the sops file of `layer`; the other values keep their
    ciphertext, and `lastmodified` and the MAC are recomputed over what is left."""
    from core.secrets import metadata as meta
    from core.secrets.setting import reseal_moved_comments, retouch, text_path
    from core.secrets.sopsfile import SecretsError, Unlocked, open_document, parse

    read_open = _read_and_open(layer, path, identities)
    if isinstance(read_open, Problem):
        return read_open
    source, opened = read_open
    # sops counts list items without the comments it writes as items; the text does not.
    in_text = text_path(source.text, path)
    removal = plan_remove(
        layer.path,
        layer.display,
        in_text,
        layer=layer.name,
        loaded=layer if in_text == path else None,
        document=layer.document,
    )
    if isinstance(removal, Problem):
        if in_text != path:
            return replace(removal, path=format_path(path))
        return removal
    try:
        removed = reseal_moved_comments(
            removal.after.decode(source.encoding), opened, source.display
        )
        after = retouch(removed, opened, source.display)
        reread = parse(after, source.display)
        fresh = Unlocked(meta.from_block(reread.metadata), opened.unlocked.data_key, source.display)
        open_document(reread, fresh, source.display)
    except (SecretsError, meta.MetadataError) as error:
        return refusal(
            f"the rewritten file would not open ({error}); nothing was written",
            path,
            source.display,
            removal.line,
        )
    description = removal.description.rsplit(" ", 1)[0]
    if in_text != path:
        description = f"remove {format_path(path)} from"
    return _plan(source, "remove", path, layer.name, after, removal.line, description)
