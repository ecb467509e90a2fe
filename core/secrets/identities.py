"""The identities a command opens a file with, without loading the keyring when it can.

`keystore.identities_for` is the rule (sops' variables first, then the OS keyring);
importing it loads `keyring`, which costs more than decrypting a thousand values. When
SOPS_AGE_KEY or SOPS_AGE_KEY_FILE already hold a key for one of the file's recipients,
that key is the answer `identities_for` would give, so it is taken here; anything else
(no such key, an unreadable file, a keyring to ask) goes to `identities_for`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence


def identities(recipients: Sequence[str]) -> list[str]:
    found = _from_sops_variables(recipients)
    if found:
        return found
    from core.secrets.keystore import identities_for

    return identities_for(recipients)


def _from_sops_variables(recipients: Sequence[str]) -> list[str]:
    texts = [os.environ.get("SOPS_AGE_KEY", "")]
    key_file = os.environ.get("SOPS_AGE_KEY_FILE")
    if key_file:
        try:
            with open(os.path.expanduser(key_file), encoding="utf-8") as handle:
                texts.append(handle.read())
        except (OSError, UnicodeDecodeError):
            return []  # identities_for says what is wrong with it
    wanted = set(recipients)
    found: list[str] = []
    import pyrage

    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            if not line.startswith("AGE-SECRET-KEY-"):
                continue
            try:
                identity = pyrage.x25519.Identity.from_str(line)
            except Exception:
                return []  # a garbled key: identities_for reports it
            if str(identity.to_public()) in wanted:
                found.append(line)
    return list(dict.fromkeys(found))
