"""`ConfigSet.forget_locked`: a sops file that did not open is asked about again (a key
was created or imported since); one that opened is not unwrapped again."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyrage

from core.configset import ConfigSet
from core.model import Encrypted
from core.secrets.operations import encrypt


def test_a_locked_file_opens_after_forget_locked_and_an_opened_one_stays(
    tmp_path: Path,
) -> None:
    identity = pyrage.x25519.Identity.generate()
    (tmp_path / "overrides").mkdir()
    (tmp_path / "base.yml").write_text("name: demo\n")
    secrets = tmp_path / "overrides" / "secrets.yml"
    secrets.write_text("token: s3cret\n")
    secrets.write_text(encrypt(secrets, [str(identity.to_public())]))
    asked: list[Sequence[str]] = []
    held: list[str] = []

    def identities(recipients: Sequence[str]) -> list[str]:
        asked.append(recipients)
        return list(held)

    config_set = ConfigSet(tmp_path, identities=identities)
    first = config_set.resolve(config_set.context())
    assert isinstance(first.get("token").value, Encrypted)  # type: ignore[union-attr]
    assert not first.secrets["secrets"].opened

    held.append(str(identity))
    config_set.resolve(config_set.context())
    assert len(asked) == 1  # the locked result is kept until told otherwise
    config_set.forget_locked()
    opened = config_set.resolve(config_set.context())
    assert opened.get("token").value == "s3cret"  # type: ignore[union-attr]
    assert opened.secrets["secrets"].opened and len(asked) == 2

    config_set.forget_locked()
    config_set.resolve(config_set.context())
    assert len(asked) == 2  # an opened file is not unwrapped again
