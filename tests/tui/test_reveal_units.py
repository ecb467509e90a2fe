"""The pieces of the TUI's secrets support that need no app: reading recipients from a
`sops:` block, and the keys screen's rows."""

from __future__ import annotations

from core.loading import parse_bytes
from core.secrets.keystore import KeyListing
from tui.reveal import FileSecrets, sops_recipients
from tui.screens.keys import UNUSED, key_rows

A = "age1aaa"
B = "age1bbb"
SOPS = f"""\
token: ENC[AES256_GCM,data:eA==,iv:aXY=,tag:dGFn,type:str]
sops:
  age:
    - recipient: {A}
      enc: x
    - recipient: {B}
      enc: y
  lastmodified: "2026-01-01T00:00:00Z"
  mac: ENC[AES256_GCM,data:eA==,iv:aXY=,tag:dGFn,type:str]
  version: 3.11.0
"""


def test_recipients_come_from_the_sops_block_in_order() -> None:
    parsed = parse_bytes(SOPS.encode(), "secrets.yml")
    assert sops_recipients(parsed.sops) == (A, B)
    assert sops_recipients(None) == ()


def test_key_rows_per_file_recipient_then_other_keys_held_here() -> None:
    files = [FileSecrets("secrets", "secrets.yml", (A, B), False, "")]
    assert [row.sources for row in key_rows(files, None)] == [None, None]  # still asking
    listings = [
        KeyListing(recipient=A, sources=("keyring",)),
        KeyListing(recipient=B, sources=()),
        KeyListing(recipient="age1ccc", sources=("SOPS_AGE_KEY",)),
        KeyListing(recipient="age1ddd", sources=()),  # listed by the keyring, entry gone
    ]
    rows = key_rows(files, listings)
    # A key is here, yet the file did not open: it cannot be, whatever the reason.
    assert [(row.file, row.recipient, row.sources, row.state) for row in rows] == [
        ("secrets.yml", A, ("keyring",), "cannot be opened"),
        ("secrets.yml", B, (), "cannot be opened"),
        (UNUSED, "age1ccc", ("SOPS_AGE_KEY",), ""),
    ]
    broken = FileSecrets("secrets", "secrets.yml", (A,), False, "tampered", failed=True)
    opened = FileSecrets("secrets", "secrets.yml", (A,), True, "")
    locked = FileSecrets("other", "other.yml", (B,), False, "no key")
    assert [row.state for row in key_rows([broken, opened, locked], listings)][:3] == [
        "cannot be opened",
        "opened",
        "no key here",
    ]
    # After a key was created or imported, a locked file with a key here may open now.
    unopened = FileSecrets("secrets", "secrets.yml", (A,), False, "no key")
    [row] = key_rows([unopened], listings[:1], keys_changed=True)
    assert row.state.startswith("a key is here now")
