"""Age key files, sops' key variables, and the keystore where no keyring is needed.

The tests that need a real Secret Service are in test_keys.py.
"""

from __future__ import annotations

from pathlib import Path

import pyrage
import pytest

from core.secrets.agekeys import (
    AgeKey,
    environment_keys,
    generate,
    key_file_text,
    parse_key_file,
)
from core.secrets.keystore import Keystore, KeystoreError, identities_for
from tests.secret_service import require_programs


@pytest.fixture
def quiet_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """In-process tests: no user keys, no user keyring config, no D-Bus session."""
    for name in ("SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "PYTHON_KEYRING_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def encrypt_for(recipient: str, message: bytes) -> bytes:
    return bytes(pyrage.encrypt(message, [pyrage.x25519.Recipient.from_str(recipient)]))


def opens(identity: str, ciphertext: bytes) -> bytes:
    return bytes(pyrage.decrypt(ciphertext, [pyrage.x25519.Identity.from_str(identity)]))


def test_an_age_keygen_file_with_several_keys_is_read_in_order() -> None:
    first, second = generate(), generate()
    text = (
        "# created: 2026-01-01T00:00:00Z\n"
        f"{key_file_text(first)}\n"
        f"# a second key, in lower case as some tools write it\n{second.identity.lower()}\n"
    )
    assert parse_key_file(text, "keys.txt") == [first, second]


def test_a_garbled_identity_names_the_line_and_never_echoes_it() -> None:
    key = generate()
    garbled = key.identity[:-3] + "QQQ"
    with pytest.raises(KeystoreError) as caught:
        parse_key_file(f"# comment\n\n{garbled}\n", "keys.txt")
    message = str(caught.value)
    assert message.startswith("keys.txt:3: not an age identity")
    assert garbled not in message and garbled[20:40] not in message


def test_an_identity_that_does_not_match_its_public_key_comment_is_refused() -> None:
    mine, other = generate(), generate()
    text = f"# public key: {other.recipient}\n{mine.identity}\n"
    with pytest.raises(KeystoreError, match=r"keys\.txt:2: this identity belongs to age1"):
        parse_key_file(text, "keys.txt")


def test_plugin_identities_are_refused_for_import_but_skipped_in_sops_sources() -> None:
    text = "AGE-PLUGIN-YUBIKEY-1QQQQQQ\n"
    with pytest.raises(KeystoreError, match="plugin identity"):
        parse_key_file(text, "keys.txt")
    assert parse_key_file(text, "SOPS_AGE_KEY", skip_plugins=True) == []


def test_a_key_file_round_trips_and_age_opens_with_it() -> None:
    key = generate()
    [read_back] = parse_key_file(key_file_text(key), "export")
    assert read_back == key
    assert opens(read_back.identity, encrypt_for(key.recipient, b"hello")) == b"hello"
    assert key.identity not in repr(key)


def test_sops_variables_and_sops_own_key_file_are_read(tmp_path: Path) -> None:
    inline, named, default = generate(), generate(), generate()
    key_file = tmp_path / "named.txt"
    key_file.write_text(key_file_text(named))
    sops_dir = tmp_path / "config" / "sops" / "age"
    sops_dir.mkdir(parents=True)
    (sops_dir / "keys.txt").write_text(key_file_text(default))
    environ = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    both = {**environ, "SOPS_AGE_KEY": inline.identity, "SOPS_AGE_KEY_FILE": str(key_file)}
    found = [(entry.key, entry.source) for entry in environment_keys(both)]
    assert found == [
        (inline, "SOPS_AGE_KEY"),
        (named, "SOPS_AGE_KEY_FILE"),
        (default, "sops keys.txt"),  # sops 3.11 reads it whether or not the variables are set
    ]
    assert [(e.key, e.source) for e in environment_keys(environ)] == [(default, "sops keys.txt")]


def test_a_sops_key_file_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    environ = {"SOPS_AGE_KEY_FILE": str(tmp_path / "missing.txt")}
    with pytest.raises(KeystoreError, match=r"SOPS_AGE_KEY_FILE .*missing\.txt cannot be read"):
        environment_keys(environ)


@pytest.mark.usefixtures("quiet_keys")
def test_identities_for_takes_sops_variables_without_asking_the_keyring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key, stranger = generate(), generate()
    monkeypatch.setenv("SOPS_AGE_KEY", f"{stranger.identity}\n{key.identity}\n")
    # A keyring that fails on every call: reaching it would raise.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    assert identities_for([key.recipient, "age1unknown"]) == [key.identity]


@pytest.mark.usefixtures("quiet_keys")
def test_identities_for_says_why_when_nothing_can_be_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    recipient = generate().recipient
    with pytest.raises(KeystoreError) as caught:
        identities_for([recipient])
    assert str(caught.value).startswith(
        f"no key for {recipient} here: neither SOPS_AGE_KEY nor SOPS_AGE_KEY_FILE is set,"
        " and no OS keyring is available: there is no D-Bus session"
    )
    monkeypatch.setenv("SOPS_AGE_KEY", generate().identity)  # a key, but not this file's
    with pytest.raises(KeystoreError, match="SOPS_AGE_KEY holds keys for other recipients only"):
        identities_for([recipient])


@pytest.mark.usefixtures("quiet_keys")
def test_a_keyring_backend_named_wrong_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no_such_package.Keyring")
    with pytest.raises(KeystoreError) as caught:
        Keystore.open()
    assert str(caught.value) == (
        "the keyring backend named by PYTHON_KEYRING_BACKEND or keyringrc.cfg cannot be used:"
        " No module named 'no_such_package'"
    )


def test_missing_daemons_skip_but_fail_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no-such-daemon not installed"):
        require_programs("no-such-daemon")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no-such-daemon not installed"):
        require_programs("no-such-daemon")


def test_a_key_object_never_shows_its_identity() -> None:
    key = AgeKey(recipient="age1x", identity="AGE-SECRET-KEY-1SECRET")
    assert "SECRET-KEY" not in repr(key) and "SECRET-KEY" not in str(key)
