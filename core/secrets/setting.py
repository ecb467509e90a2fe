"""`secrets set`: one value changed in place, or a missing key added, with the file's key.

The value's span is replaced (a new key gets a line of its own, indented like its
siblings), then `lastmodified` and `mac`; every other byte stays. The new text is read
back before it is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.secrets import metadata as meta
from core.secrets.document import Leaf, aad
from core.secrets.identities import identities as default_identities
from core.secrets.operations import Identities, _quoted, open_file
from core.secrets.sopsfile import Opened, SecretsError, mac, parse, to_plain
from core.secrets.text import content_end, newline_of, splice, yaml_scalar
from core.secrets.values import Plain, ValueError_, int64_problem
from core.secrets.writing import write_atomic

if TYPE_CHECKING:
    from core.model import KeyPath

# A block explicit key's '?', after the line's indentation and any list dashes.
_EXPLICIT_KEY = re.compile(r"^((?:[ \t]*-)*[ \t]*)\?(?=[ \t\r\n])", re.M)


def set_value(
    file: Path, path: KeyPath, value: Any, identities: Identities = default_identities
) -> bool:
    """Change one value (re-encrypted with the file's data key); False if unchanged."""
    opened, text, raw = open_file(file, identities)
    result = set_text(text, opened, path, value, str(file))
    if result is None:
        return False
    write_atomic(file, result, raw)
    return True


def set_text(text: str, opened: Opened, path: KeyPath, value: Any, file: str) -> str | None:
    """`text` (the opened sops file) with `path` set to `value`, proven to read back;
    None when it already holds that value. Nothing is written: the caller writes."""
    doc, unlocked = opened.doc, opened.unlocked
    path = _indexed(doc.leaves, path)
    index = next((i for i, leaf in enumerate(doc.leaves) if leaf.path == path), None)
    new = to_plain(value)
    too_big = None if new is None else int64_problem(new)
    if too_big is not None:
        from core.model import format_path  # only when there is an error to word

        raise SecretsError(f"{too_big}; store it as text", file, path=format_path(path))
    if index is None:
        return _add(file, opened, text, path, new)
    leaf = doc.leaves[index]
    if new == opened.plains[index]:
        return None
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
    start, end = leaf.start, content_end(text, leaf)
    if start == end:
        start, replacement = _fill_empty(text, leaf, replacement)
        end = start
    edits = [(start, end, replacement)]
    for key, new_text in ((("lastmodified",), f'"{lastmodified}"'), (("mac",), sealed_mac)):
        spot = doc.meta_leaves.get(key)
        if spot is None:
            raise SecretsError(f"its sops: block has no {key[0]}", file)
        edits.append((spot.start, spot.end, new_text))
    result = splice(text, edits)
    _prove_one_change(result, opened, index, new, sealed_mac, lastmodified, file)
    return result


def _fill_empty(text: str, leaf: Leaf, replacement: str) -> tuple[int, str]:
    """Where a value with no text yet goes, and its text there: (offset, text to insert).

    Its empty span sits right after the ':' or '-', or, for a key written without ':',
    at the next token, where the new text would join the key or the next line. In a
    flow collection (`{a, b: 1}`, `[?a]`, as ruamel writes a string starting with '?')
    the value goes right after the key with the ':' it lacked; a block `? key` gets a
    `: value` line of its own under the '?'."""
    before = len(text[: leaf.start].rstrip(" \t\r\n"))
    if text[before - 1 : before] == ":" or (not leaf.flow and leaf.start == before):
        return leaf.start, " " + replacement  # right after ':' or a block '-'
    if leaf.flow:
        return before, ": " + replacement
    indicators = list(_EXPLICIT_KEY.finditer(text, 0, before))
    line_end = text.find("\n", before)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_end - 1 : line_end] == "\r":
        line_end -= 1
    column = indicators[-1].end() - 1 - indicators[-1].start() if indicators else 0
    return line_end, f"{newline_of(text)}{' ' * column}: {replacement}"


def _indexed(leaves: Any, path: KeyPath) -> KeyPath:
    """`servers.0.port` as `servers[0].port` where the file has a list at `servers`."""
    out: list[Any] = []
    for key in path:
        if isinstance(key, str) and key.isascii() and key.isdigit():
            depth = len(out)
            if any(
                len(leaf.path) > depth
                and isinstance(leaf.path[depth], int)
                and list(leaf.path[:depth]) == out
                for leaf in leaves
            ):
                out.append(int(key))
                continue
        out.append(key)
    return tuple(out)


def retouch(text: str, opened: Opened, file: str) -> str:
    """`text` with lastmodified and a MAC over its leaves as they now stand (after an
    edit of the text that kept every value's ciphertext, such as a removal)."""
    doc = parse(text, file)
    unlocked = opened.unlocked
    lastmodified = meta.now()
    only = unlocked.metadata.rules.mac_only_encrypted
    entries = []
    for leaf in doc.leaves:
        if leaf.encrypted and unlocked.decider.encrypts(leaf.keys):
            entries.append((leaf.path, unlocked.value(leaf.text, leaf.path, leaf.line)))
        elif (plain := leaf.plain()) is not None:
            entries.append((leaf.path, plain))
    computed = mac((p for pth, p in entries if not only or unlocked.encrypts(pth)), only)
    edits = []
    for key, new_text in (
        (("lastmodified",), f'"{lastmodified}"'),
        (("mac",), unlocked.sealed_mac(computed, lastmodified)),
    ):
        spot = doc.meta_leaves.get(key)
        if spot is None:
            raise SecretsError(f"its sops: block has no {key[0]}", file)
        edits.append((spot.start, spot.end, new_text))
    return splice(text, edits)


def _add(file: str, opened: Opened, text: str, path: KeyPath, new: Plain | None) -> str:
    """Add a missing key where a plain layer would get it (the editing engine's placement:
    after the last child of the deepest mapping on the path, indented as the file does,
    inside braces for a flow mapping); a new top-level key goes before the `sops:` block.
    The value is sealed when the file's rules encrypt it; the MAC covers it either way."""
    from core.editing.spans import locate
    from core.editing.splicing import insert_path
    from core.model import format_path

    doc, unlocked, name = opened.doc, opened.unlocked, file
    dotted = format_path(path)
    if any(leaf.path[: len(path)] == path for leaf in doc.leaves):
        raise SecretsError(f"{dotted} is a mapping or a list, not one value", name)
    if path[0] == "sops":
        raise SecretsError("the sops: block is sops' own; confscope does not add keys to it", name)
    head_end = _sops_entry(text)
    head = text[:head_end]
    found = locate(head, text_path(head, path), until_target=True)
    if found.error is not None:
        raise SecretsError(f"{found.error}; nothing was written", name)
    parent = found.chain[-1] if found.chain else None
    keys = tuple(k for k in path if isinstance(k, str))
    if new is not None and new.value != "" and unlocked.decider.encrypts(keys):
        sealed = unlocked.cipher.seal(new, aad(keys))
        in_flow = parent is not None and parent.flow  # ENC[...] holds ',' and brackets
        rendered = f'"{sealed}"' if in_flow else sealed
    else:
        rendered = yaml_scalar(new)
    splice = insert_path(head, found, path, rendered, newline_of(head or text))
    if isinstance(splice, str):
        raise SecretsError(f"cannot add {dotted}: {splice}; nothing was written", name)
    added = reseal_moved_comments(splice.apply(head) + text[head_end:], opened, name)
    try:
        from core.secrets.sopsfile import Unlocked, open_document

        result = retouch(added, opened, name)
        reread = parse(result, name)
        fresh = Unlocked(meta.from_block(reread.metadata), unlocked.data_key, name)
        check = open_document(reread, fresh, name)
    except (SecretsError, meta.MetadataError) as error:
        raise SecretsError(
            f"the rewritten file would not open ({getattr(error, 'message', error)});"
            " nothing was written",
            name,
        ) from None
    placed = [plain for leaf, plain in zip(check.doc.leaves, check.plains) if leaf.path == path]
    if placed != [new]:
        raise SecretsError(f"{dotted} could not be placed in the file; nothing was written", name)
    return result


def text_path(text: str, path: KeyPath) -> KeyPath:
    """`path` with each list index counted as YAML counts the items: sops writes a
    comment inside a list as an item (`- ENC[...,type:comment]`), which it skips."""
    from core.editing.spans import SCALAR, locate
    from core.secrets.values import is_encrypted

    out: list[Any] = []
    for key in path:
        if isinstance(key, int):
            found = locate(text, (*out, key))
            if len(found.chain) > len(out) and not found.chain[len(out)].is_map:
                items = [
                    entry.key
                    for entry in found.chain[len(out)].entries
                    if not (
                        entry.value.kind == SCALAR
                        and not entry.value.style
                        and (entry.value.value or "").endswith(",type:comment]")
                        and is_encrypted(entry.value.value or "")
                    )
                ]
                if 0 <= key < len(items):
                    key = items[key]
        out.append(key)
    return tuple(out)


_SOPS_ENTRY = re.compile(r"^sops:[ \t]*(?:#.*)?\r?$", re.MULTILINE)
_TOP_LEVEL = re.compile(r"^[^\s#]", re.MULTILINE)


def _sops_entry(text: str) -> int:
    """Where the top-level `sops:` entry starts when it is the file's last entry (as sops
    writes it); else the end of the text, and a new top-level key goes after it."""
    found = _SOPS_ENTRY.search(text)
    if found is None:
        return len(text)
    after = _TOP_LEVEL.search(text, found.end())
    if after is not None and not text.startswith(("...", "---"), after.start()):
        return len(text)
    return found.start()


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
    try:
        doc = parse(text, file)
    except SecretsError as error:  # its line is one of the text never written
        raise SecretsError(
            f"the rewritten file would be wrong ({error.message}); nothing was written", file
        ) from None
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


def reseal_moved_comments(text: str, opened: Any, file: str) -> str:
    """`text` with each encrypted comment an edit moved into another collection sealed
    again for its new place (a comment's AAD is the keys of its collection, so one left
    behind by a removed mapping, or now under a new one, would no longer open; sops
    re-seals likewise)."""
    from core.secrets.document import aad
    from core.secrets.sopsfile import _open_comment
    from core.secrets.text import splice
    from core.secrets.values import Plain

    unlocked = opened.unlocked
    plaintexts = {
        comment.text: found[0]
        for comment, found in zip(opened.doc.comments, opened.comments)
        if found is not None
    }
    edits: list[tuple[int, int, str]] = []
    for comment in parse(text, file).comments:
        plaintext = plaintexts.get(comment.text)
        if plaintext is None or comment.item or not unlocked.decider.encrypts(comment.keys):
            continue
        if _open_comment(comment, unlocked) is None:
            sealed = unlocked.cipher.seal(Plain(plaintext, "comment"), aad(comment.keys))
            edits.append((comment.start, comment.end, sealed))
    return splice(text, edits) if edits else text
