"""A snapshot of the keys screen at 120×40: a sops layer for two recipients, one of them
held in SOPS_AGE_KEY_FILE, and a keyring that cannot be used (its one sentence shown).

The key below is a throwaway made for this test alone: it opens nothing but the file
the test encrypts. Recipients are fixed, so the picture is the same on every machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from core.secrets.operations import encrypt
from tests.tui.driver import Running
from tests.tui.test_snapshots import SIZE, Compare, settled, steady
from tui.app import ConfscopeApp
from tui.screens.keys import KeysScreen

pytestmark = pytest.mark.usefixtures("machine_free")

TEST_ONLY_IDENTITY = "AGE-SECRET-KEY-1RE5F0AUF8PZGH6EQVZWV3JRMEHWVAH2MZGJRXHMJEKKNTVNA5MJQVX93PH"
HELD = "age194vsm9mumekj6cz3hlv7ugttlnk2h6hrx9nqflg8lt3sc3qfadrswr8ud7"
NOT_HELD = "age1w2ym5msdu29aqn466nz3rx3crz4ysqkeux4kjr0m9htpkcn68casvzdxm8"


def encrypted_set(root: Path) -> Path:
    (root / "overrides").mkdir(parents=True)
    (root / "base.yml").write_text("app:\n  name: demo\n")
    secrets = root / "overrides" / "secrets.yml"
    secrets.write_text("service:\n  token: not-shown\n")
    secrets.write_text(encrypt(secrets, [HELD, NOT_HELD]))
    return root


def test_keys_screen(
    snap_compare: Compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_text(f"# public key: {HELD}\n{TEST_ONLY_IDENTITY}\n")
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(key_file))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

    async def open_keys(pilot: Pilot[Any]) -> None:
        await settled()(pilot)
        await pilot.press("k")
        app = pilot.app
        assert isinstance(app, ConfscopeApp)
        await Running(app, pilot).wait_for(
            lambda: isinstance(app.screen, KeysScreen) and app.screen.listings is not None,
            "the keys listed",
        )
        await steady(pilot)

    app = ConfscopeApp(encrypted_set(tmp_path / "set"), history=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_keys)
