"""`secrets set`: one value changed in place, or a missing key added, with the file's key.

The value's span is replaced (a new key gets a line of its own, indented like its
siblings), then `lastmodified` and `mac`; every other byte stays. The new text is read
back before it is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.secrets import metadata as meta
from core.secrets.keystore import identities_for
from core.secrets.operations import Identities, _quoted, open_file
from core.secrets.sopsfile import Opened, SecretsError, mac, parse
from core.secrets.text import content_end, splice, yaml_scalar
from core.secrets.values import Plain, ValueError_
from core.secrets.writing import write_atomic

if TYPE_CHECKING:
    from core.model import KeyPath


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
