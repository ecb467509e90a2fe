"""Secrets in the TUI: revealing one value on request, what the why pane says of an
encrypted one, and the keys screen against a real keyring.

Encrypted layers are real sops files, written by the engine's `encrypt` (which the sops
tests hold to the real sops); keys come from SOPS_AGE_KEY_FILE (no keyring needed) or
from gnome-keyring on a private D-Bus session (tests/secret_service.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pyrage
import pytest
from textual.binding import Binding
from textual.widgets import Input

from core.secrets.operations import encrypt
from tests.secret_service import PROGRAMS, SecretService, clean_environment, require_programs
from tests.tui.driver import SAMPLES, Running, running
from tui.screens.keys import NOT_HERE, UNUSED, KeysScreen
from tui.screens.main import MainScreen

pytestmark = pytest.mark.anyio

PLAINTEXT = "hunter2-plaintext"
SECRET_VALUE = "s3cr3t-in-sops"


def make_hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No user keys, no user keyring, no D-Bus session: only what a test adds."""
    for name in list(os.environ):
        if not name.startswith("PYTEST_") and name != "TEXTUAL_SNAPSHOT_TEMPDIR":
            monkeypatch.delenv(name)
    env = clean_environment(tmp_path / "home")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return make_hermetic(tmp_path, monkeypatch)


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretService]:
    """An unlocked gnome-keyring, and this process's environment pointed at it (and at
    nothing else)."""
    require_programs(*PROGRAMS)  # before the environment is cleared: it reads CI
    make_hermetic(tmp_path, monkeypatch)
    running_service = SecretService(tmp_path / "home")
    try:
        running_service.start()
        for name, value in running_service.env.items():
            monkeypatch.setenv(name, value)
        yield running_service
    finally:
        running_service.stop()


def new_key(directory: Path, name: str) -> tuple[str, Path]:
    identity = pyrage.x25519.Identity.generate()
    file = directory / name
    file.write_text(f"# public key: {identity.to_public()}\n{identity}\n")
    return str(identity.to_public()), file


def secret_set(root: Path, *recipients: str) -> Path:
    """A set whose base names a secret in the clear and whose `secrets` layer is a sops
    file for `recipients`."""
    (root / "overrides").mkdir(parents=True)
    (root / "base.yml").write_text(
        f"app:\n  name: demo\ndatabase:\n  host: db\n  password: {PLAINTEXT}\n"
    )
    secrets = root / "overrides" / "secrets.yml"
    secrets.write_text(f"service:\n  token: {SECRET_VALUE}\n")
    secrets.write_text(encrypt(secrets, recipients))
    return root


def shown_everywhere(run: Running) -> str:
    """Everything on the screen as rendered, the tree's labels and the why pane."""
    return run.app.export_screenshot() + run.detail


async def test_a_named_secret_is_revealed_and_hidden_by_the_same_key(
    tmp_path: Path, hermetic: dict[str, str]
) -> None:
    root = secret_set(tmp_path / "set", new_key(tmp_path, "other.txt")[0])
    async with running(root) as run:
        label = await run.select("database.password")
        assert "<secret>" in label and PLAINTEXT not in shown_everywhere(run)
        assert "masked: its key names a secret" in run.detail

        await run.pilot.press("v")
        await run.wait_for(lambda: PLAINTEXT in run.detail, "the value revealed")
        assert PLAINTEXT in str(run.tree.cursor_node.label)  # type: ignore[union-attr]
        assert "v hides it again" in run.detail

        await run.pilot.press("v")
        await run.wait_for(lambda: PLAINTEXT not in run.detail, "the value hidden")
        await run.pilot.pause()
        assert PLAINTEXT not in shown_everywhere(run)
        assert "<secret>" in str(run.tree.cursor_node.label)  # type: ignore[union-attr]


async def test_moving_the_cursor_off_a_revealed_secret_hides_it(
    tmp_path: Path, hermetic: dict[str, str]
) -> None:
    root = secret_set(tmp_path / "set", new_key(tmp_path, "other.txt")[0])
    async with running(root) as run:
        await run.select("database.password")
        await run.pilot.press("v")
        await run.wait_for(lambda: PLAINTEXT in shown_everywhere(run), "the value revealed")
        await run.pilot.press("up")
        await run.wait_for(lambda: run.detail.startswith("database.host\n"), "the next key")
        await run.pilot.pause()
        assert PLAINTEXT not in shown_everywhere(run)
        # Coming back shows it masked: a reveal is for one visit.
        await run.pilot.press("down")
        await run.wait_for(lambda: run.detail.startswith("database.password\n"), "the secret")
        assert PLAINTEXT not in shown_everywhere(run)


async def test_reveal_on_a_plain_value_says_so(tmp_path: Path, hermetic: dict[str, str]) -> None:
    root = secret_set(tmp_path / "set", new_key(tmp_path, "other.txt")[0])
    async with running(root) as run:
        await run.select("database.host")
        await run.pilot.press("v")
        await run.wait_for(
            lambda: any("not a masked value" in n for n in run.notices()), "the notice"
        )


async def test_without_a_key_the_why_pane_names_the_recipients(
    tmp_path: Path, hermetic: dict[str, str]
) -> None:
    first, _ = new_key(tmp_path, "first.txt")
    second, _ = new_key(tmp_path, "second.txt")
    root = secret_set(tmp_path / "set", first, second)
    async with running(root) as run:
        label = await run.select("service.token")
        assert "<encrypted:str>" in label
        detail = run.detail
        assert "encrypted in overrides/secrets.yml; no key is available here" in detail
        assert first in detail and second in detail
        assert SECRET_VALUE not in shown_everywhere(run)
        await run.pilot.press("v")  # nothing to reveal: it says why, and shows nothing
        await run.wait_for(
            lambda: any(
                "No key is available for overrides/secrets.yml" in n for n in run.notices()
            ),
            "the notice",
        )
        assert SECRET_VALUE not in shown_everywhere(run)


async def test_with_a_key_file_the_value_decrypts_and_reveals(
    tmp_path: Path, hermetic: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    recipient, key_file = new_key(tmp_path, "key.txt")
    root = secret_set(tmp_path / "set", recipient)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(key_file))
    async with running(root) as run:
        label = await run.select("service.token")
        assert "<encrypted:str>" in label and SECRET_VALUE not in shown_everywhere(run)
        assert f"decrypted in memory with the key of {recipient}" in run.detail
        await run.pilot.press("v")
        await run.wait_for(lambda: SECRET_VALUE in run.detail, "the value revealed")
        assert SECRET_VALUE in str(run.tree.cursor_node.label)  # type: ignore[union-attr]
        await run.pilot.press("v")
        await run.wait_for(lambda: SECRET_VALUE not in run.detail, "the value hidden")
        await run.pilot.pause()
        assert SECRET_VALUE not in shown_everywhere(run)


async def open_keys(run: Running) -> KeysScreen:
    await run.pilot.press("k")
    await run.wait_for(lambda: isinstance(run.app.screen, KeysScreen), "the keys screen")
    screen = run.app.screen
    assert isinstance(screen, KeysScreen)
    await run.wait_for(lambda: screen.listings is not None, "the identities to be listed")
    return screen


async def test_keys_screen_lists_recipients_and_where_their_identity_is(
    tmp_path: Path, hermetic: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    held, key_file = new_key(tmp_path, "key.txt")
    stranger, _ = new_key(tmp_path, "stranger.txt")
    root = secret_set(tmp_path / "set", held, stranger)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(key_file))
    async with running(root) as run:
        screen = await open_keys(run)
        assert screen.shown_rows() == [
            ("overrides/secrets.yml  opened", ""),
            (f"  {held}", "SOPS_AGE_KEY_FILE"),
            (f"  {stranger}", NOT_HERE),
        ]
        # No D-Bus session here: the keyring's one sentence, and the key file still counts.
        assert "there is no D-Bus session" in screen.status
        assert "Traceback" not in screen.status
        await run.pilot.press("escape")
        await run.wait_for(lambda: isinstance(run.app.screen, MainScreen), "the main screen")


async def test_keys_screen_refusal_is_one_sentence(
    tmp_path: Path, hermetic: dict[str, str]
) -> None:
    root = secret_set(tmp_path / "set", new_key(tmp_path, "other.txt")[0])
    async with running(root) as run:
        screen = await open_keys(run)
        await run.pilot.press("n")
        await run.wait_for(
            lambda: "keyring" in screen.status and "Creating" not in screen.status, "the refusal"
        )
        assert len(screen.status.strip().splitlines()) == 1
        assert any("no D-Bus session" in n for n in run.notices())


async def test_keys_screen_creates_and_imports_into_the_keyring(
    tmp_path: Path, service: SecretService
) -> None:
    imported, key_file = new_key(tmp_path, "import-me.txt")
    root = secret_set(tmp_path / "set", imported)
    async with running(root) as run:
        await run.select("service.token")
        assert "no key is available here" in run.detail
        screen = await open_keys(run)
        assert screen.shown_rows() == [
            ("overrides/secrets.yml  no key here", ""),
            (f"  {imported}", NOT_HERE),
        ]

        await run.pilot.press("n")
        await run.wait_for(lambda: not screen.status.startswith("Creating"), "the new key")
        assert screen.status.startswith("created age1"), screen.status
        await run.wait_for(lambda: len(screen.shown_rows()) == 4, "the new key listed")
        created = screen.status.split()[1]
        assert screen.shown_rows()[2:] == [(UNUSED, ""), (f"  {created}", "keyring")]

        await run.pilot.press("i")
        field = screen.query_one("#keys-import", Input)
        assert field.has_focus
        field.value = str(key_file)
        await run.pilot.press("enter")
        await run.wait_for(lambda: screen.status.startswith("imported"), "the import")
        assert screen.status == f"imported {imported}"
        await run.wait_for(
            lambda: (
                screen.shown_rows()[:2]
                == [
                    ("overrides/secrets.yml  a key is here now: opens when this screen closes", ""),
                    (f"  {imported}", "keyring"),
                ]
            ),
            "the file's recipient held",
        )
        assert "AGE-SECRET-KEY" not in run.app.export_screenshot()

        # Closing resolves again: the imported key now opens the file.
        await run.pilot.press("escape")
        await run.wait_for(lambda: isinstance(run.app.screen, MainScreen), "the main screen")
        await run.wait_for(lambda: "decrypted in memory" in run.detail, "the file to open")
        # Still masked until asked.
        assert "<encrypted:str>" in str(run.tree.cursor_node.label)  # type: ignore[union-attr]
        assert SECRET_VALUE not in shown_everywhere(run)


async def test_reveal_and_keys_are_in_the_palette_and_the_keys_screen_too(
    tmp_path: Path, hermetic: dict[str, str]
) -> None:
    root = secret_set(tmp_path / "set", new_key(tmp_path, "other.txt")[0])
    async with running(root) as run:
        titles = {command.title for command in run.app.get_system_commands(run.screen)}
        assert {"Reveal/hide secret", "Keys"} <= titles
        screen = await open_keys(run)
        titles = {command.title for command in run.app.get_system_commands(screen)}
        for binding in KeysScreen.BINDINGS:
            assert isinstance(binding, Binding) and binding.id and binding.description
            assert binding.description in titles


async def test_the_sample_set_opens_with_its_demo_key(
    hermetic: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample set as `make run` opens it: its secrets layer decrypts with the demo key."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(SAMPLES / "demo-age-key.txt"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    async with running(SAMPLES, trust_schema=True, base_override_type="docker") as run:
        label = await run.select("monitoring.grafana.api_key")
        assert "<encrypted:str>" in label
        assert "decrypted in memory with the key of age1" in run.detail


async def test_a_tampered_value_says_it_cannot_be_opened_not_that_a_key_is_missing(
    tmp_path: Path, hermetic: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    recipient, key_file = new_key(tmp_path, "key.txt")
    root = secret_set(tmp_path / "set", recipient)
    secrets = root / "overrides" / "secrets.yml"
    text = secrets.read_text()
    at = text.index("token: ENC[AES256_GCM,data:") + len("token: ENC[AES256_GCM,data:")
    secrets.write_text(text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :])
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(key_file))
    async with running(root) as run:
        await run.select("service.token")
        assert "it cannot be opened" in run.detail and "no key is available" not in run.detail
        await run.pilot.press("v")
        await run.wait_for(
            lambda: any("secrets.yml cannot be opened" in n for n in run.notices()), "the notice"
        )
        assert SECRET_VALUE not in shown_everywhere(run)


async def test_the_text_before_interpolation_is_masked_too(
    tmp_path: Path, hermetic: dict[str, str]
) -> None:
    """`token: ${API_TOKEN:-default}`: the default is the secret, and the why pane's
    "written" row would show it."""
    root = tmp_path / "set"
    root.mkdir()
    (root / "base.yml").write_text("api_token: ${API_TOKEN:-fallback-plaintext}\n")
    async with running(root) as run:
        await run.select("api_token")
        assert "written" in run.detail and "fallback-plaintext" not in shown_everywhere(run)
        await run.pilot.press("v")
        await run.wait_for(lambda: "fallback-plaintext" in run.detail, "the value revealed")
        await run.pilot.press("v")
        await run.wait_for(lambda: "fallback-plaintext" not in run.detail, "the value hidden")
