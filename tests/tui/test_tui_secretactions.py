"""The palette's sops actions, driven by the Pilot and judged by the real sops."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from core.secrets.operations import encrypt
from tests.sops.sops_tools import AgeKey, new_key, sops_path
from tests.tui.driver import Running, running
from tui.commands import main_screen_commands
from tui.secretactions import RecipientsScreen

pytestmark = pytest.mark.anyio

RULES = """\
creation_rules:
  - path_regex: .*\\.yml$
    encrypted_regex: ^(password|api_key)$
    age: {recipient}
"""
BASE = "app:\n  name: demo\ndatabase:\n  host: localhost\n"
SECRETS = "database:\n  host: db.internal\n  password: hunter2-original\n"


@pytest.fixture
def key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AgeKey:
    keys = tmp_path / "keys"
    keys.mkdir()
    found = new_key(keys)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(found.file))
    monkeypatch.delenv("SOPS_AGE_KEY", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return found


def make_set(root: Path, key: AgeKey, *, encrypted: bool = True) -> Path:
    root.mkdir()
    (root / "confscope.toml").write_text(
        'base = ["base.yml", "secrets.yml"]\nsecret_keys = \'(?i)password$\'\n'
    )
    (root / "base.yml").write_text(BASE)
    (root / ".sops.yaml").write_text(RULES.format(recipient=key.recipient))
    file = root / "secrets.yml"
    file.write_text(SECRETS)
    if encrypted:
        file.write_text(encrypt(file))
    return file


def sops_decrypt(file: Path, key_file: Path) -> dict[str, object]:
    result = subprocess.run(
        [sops_path(), "--disable-version-check", "decrypt", "--output-type", "json", str(file)],
        env={"SOPS_AGE_KEY_FILE": str(key_file), "HOME": str(file.parent)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


async def notice(run: Running, count: int, words: str) -> str:
    """The first notice after the first `count` that holds `words`."""

    def found() -> str | None:
        return next((n for n in run.notices()[count:] if words in n), None)

    await run.wait_for(lambda: found() is not None, f"a notice saying {words!r}")
    return found() or ""


async def test_rotate_from_the_palette_re_encrypts_and_sops_opens_it(
    tmp_path: Path, key: AgeKey
) -> None:
    file = make_set(tmp_path / "set", key)
    before = file.read_text()
    async with running(tmp_path / "set") as run:
        titles = [str(c.title) for c in main_screen_commands(run.screen)]
        for title in ("Rotate data key", "Change recipients…", "Encrypt this secret"):
            assert title in titles
        await run.select("database.password")
        seen = len(run.notices())
        command = next(c for c in main_screen_commands(run.screen) if c.title == "Rotate data key")
        await command.callback()
        assert await notice(run, seen, "new data key")
        assert "hunter2-original" not in str(run.notices())
    after = file.read_text()
    assert after != before and "hunter2-original" not in after
    assert sops_decrypt(file, key.file)["database"] == {
        "host": "db.internal",
        "password": "hunter2-original",
    }


async def test_change_recipients_defaults_to_the_rule_and_adds_one(
    tmp_path: Path, key: AgeKey
) -> None:
    file = make_set(tmp_path / "set", key)
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = new_key(other_dir)
    async with running(tmp_path / "set") as run:
        await run.select("database.password")
        seen = len(run.notices())
        await run.pilot.press("A")
        await run.wait_for(lambda: isinstance(run.app.screen, RecipientsScreen), "the input")
        field = run.app.screen.query_one("#recipients")
        assert getattr(field, "value", "") == key.recipient
        field.value = f"{key.recipient}, {other.recipient}"  # type: ignore[attr-defined]
        await run.pilot.press("enter")
        assert await notice(run, seen, "recipients updated")
    assert other.recipient in file.read_text()
    assert sops_decrypt(file, other.file)["database"]["password"] == "hunter2-original"  # type: ignore[index]


async def test_encrypt_this_secret_turns_its_file_into_a_sops_file(
    tmp_path: Path, key: AgeKey
) -> None:
    file = make_set(tmp_path / "set", key, encrypted=False)
    async with running(tmp_path / "set") as run:
        assert any(p.code == "plaintext-secret" for p in run.screen.view.resolution.problems)  # type: ignore[union-attr]
        await run.select("database.password")
        seen = len(run.notices())
        await run.pilot.press("E")
        assert await notice(run, seen, "encrypted secrets.yml")
        await run.wait_for(
            lambda: (
                not any(
                    p.code == "plaintext-secret"
                    for p in run.screen.view.resolution.problems  # type: ignore[union-attr]
                )
            ),
            "the lint to stop flagging it",
        )
    text = file.read_text()
    assert "hunter2-original" not in text and "host: db.internal" in text
    assert sops_decrypt(file, key.file)["database"]["password"] == "hunter2-original"  # type: ignore[index]


async def test_refusals_are_shown_as_one_sentence(
    tmp_path: Path, key: AgeKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = make_set(tmp_path / "set", key)
    before = file.read_bytes()
    async with running(tmp_path / "set") as run:
        await run.select("app.name")
        seen = len(run.notices())
        await run.pilot.press("W")
        assert await notice(run, seen, "not a sops file")
        seen = len(run.notices())
        await run.pilot.press("E")
        assert await notice(run, seen, "not flagged")
        await run.select("database.password")
        empty = tmp_path / "empty.txt"
        empty.write_text("# nothing\n")
        monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(empty))
        seen = len(run.notices())
        await run.pilot.press("W")
        shown = await notice(run, seen, "secrets.yml")
        assert "secrets.yml" in shown and "Traceback" not in shown, shown
        assert key.recipient in shown
    assert file.read_bytes() == before
