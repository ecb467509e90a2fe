"""`confscope secrets ...` as a user runs it: small diffs, clear refusals, no plaintext left."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sops.sops_tools import AgeKey, Tools

PLAIN = """\
# settings for the app
app:
    name: demo  # shown in the UI
    port: 8080
database:
    user: app
    password: {password}
    replicas:
        - host: db1
          token: {token}
        - host: db2
api_key: {api_key}
plain_unencrypted: visible
"""


def make_plain(tools: Tools) -> tuple[Path, dict[str, str]]:
    values = {name: f"{name}-{secrets.token_hex(8)}" for name in ("password", "token", "api_key")}
    file = tools.cwd / "secrets.yaml"
    file.write_text(PLAIN.format(**values))
    return file, values


def encrypted_file(tools: Tools) -> tuple[Path, dict[str, str]]:
    file, values = make_plain(tools)
    result = tools.confscope(
        "secrets", "encrypt", "--age", tools.key.recipient, "--in-place", str(file)
    )
    assert result.returncode == 0, result.stderr
    return file, values


def test_encrypt_to_stdout_leaves_the_file_alone(tools: Tools) -> None:
    file, values = make_plain(tools)
    before = file.read_bytes()
    result = tools.confscope("secrets", "encrypt", "--age", tools.key.recipient, str(file))
    assert result.returncode == 0, result.stderr
    assert file.read_bytes() == before
    assert "sops:" in result.stdout and values["password"] not in result.stdout


def test_set_changes_the_value_line_lastmodified_and_mac_only(tools: Tools) -> None:
    file, _ = encrypted_file(tools)
    before = file.read_text().splitlines()
    result = tools.confscope("secrets", "set", str(file), "database.replicas[0].token", "new-1")
    assert result.returncode == 0, result.stderr
    after = file.read_text().splitlines()
    assert len(after) == len(before)
    changed = [i for i, (old, new) in enumerate(zip(before, after)) if old != new]
    keys = [after[i].strip().split(":")[0] for i in changed]
    # lastmodified changes too unless both writes fall in the same second
    assert keys in (["token", "lastmodified", "mac"], ["token", "mac"]), keys
    out = tools.confscope("secrets", "decrypt", str(file)).stdout
    assert "token: new-1" in out and "# shown in the UI" in out


def test_set_parses_the_value_as_yaml_and_string_keeps_it(tools: Tools) -> None:
    file, _ = encrypted_file(tools)
    assert tools.confscope("secrets", "set", str(file), "app.port", "9090").returncode == 0
    assert "type:int]" in next(line for line in file.read_text().splitlines() if "port:" in line)
    assert (
        tools.confscope("secrets", "set", "--string", str(file), "app.port", "9091").returncode == 0
    )
    out = tools.confscope("secrets", "decrypt", str(file)).stdout
    assert 'port: "9091"' in out


def test_set_an_unchanged_value_writes_nothing(tools: Tools) -> None:
    file, values = encrypted_file(tools)
    before = file.read_bytes()
    result = tools.confscope("secrets", "set", str(file), "api_key", values["api_key"])
    assert result.returncode == 0
    assert "unchanged" in result.stderr
    assert file.read_bytes() == before


def test_file_mode_is_kept(tools: Tools) -> None:
    file, _ = encrypted_file(tools)
    file.chmod(0o600)
    assert tools.confscope("secrets", "rotate", str(file)).returncode == 0
    assert file.stat().st_mode & 0o777 == 0o600


def tamper_value(text: str) -> str:
    line = next(i for i, t in enumerate(text.splitlines()) if "password: ENC[" in t)
    lines = text.splitlines(keepends=True)
    lines[line] = re.sub(
        r"data:(.)", lambda m: "data:" + ("A" if m[1] != "A" else "B"), lines[line]
    )
    return "".join(lines)


def tamper_mac(text: str) -> str:
    return re.sub(
        r"(mac: ENC\[AES256_GCM,data:)(.)", lambda m: m[1] + ("A" if m[2] != "A" else "B"), text
    )


def swap_values(text: str) -> str:
    user = re.search(r"user: (ENC\[[^\]]+\])", text)
    password = re.search(r"password: (ENC\[[^\]]+\])", text)
    assert user and password
    return text.replace(user[1], "@@").replace(password[1], user[1]).replace("@@", password[1])


FAULTS = {
    "tampered value": (tamper_value, "database.password", "tampered"),
    "swapped values": (swap_values, "database.user", "moved to another key"),
    "tampered mac": (tamper_mac, "sops.mac", "MAC"),
    "truncated": (lambda t: t[: t.index("lastmodified")], "", "lastmodified"),
    "no sops block": (lambda t: t[: t.index("sops:")], "", "no sops: block"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("command", ["decrypt", "set", "rotate"])
def test_a_damaged_file_is_refused_clearly(tools: Tools, fault: str, command: str) -> None:
    file, _ = encrypted_file(tools)
    damage, key_path, words = FAULTS[fault]
    file.write_text(damage(file.read_text()))
    before = file.read_bytes()
    extra = {"set": ["app.name", "x"], "decrypt": [], "rotate": []}[command]
    result = tools.confscope("secrets", command, str(file), *extra)
    assert result.returncode == 1, result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert str(file) in message and words in message
    if key_path:
        assert key_path in message
    assert result.stdout == ""
    assert file.read_bytes() == before


def test_a_wrong_key_is_refused_clearly(tools: Tools, other_key: AgeKey) -> None:
    file, _ = encrypted_file(tools)
    before = file.read_bytes()
    for command in (["decrypt"], ["set", "api_key", "x"], ["rotate"], ["updatekeys"]):
        result = tools.confscope(
            "secrets", command[0], str(file), *command[1:], key_file=other_key.file
        )
        assert result.returncode == 1
        assert str(file) in result.stderr, result.stderr
        assert f"no key for {tools.key.recipient}" in result.stderr, result.stderr
        assert file.read_bytes() == before


def test_no_key_at_all_says_how_to_give_one(tools: Tools) -> None:
    file, _ = encrypted_file(tools)
    result = tools.confscope("secrets", "decrypt", str(file), key_file=tools.cwd / "missing")
    assert result.returncode == 1
    assert "SOPS_AGE_KEY_FILE" in result.stderr and "Traceback" not in result.stderr


def test_a_sops_yaml_without_a_matching_rule_is_refused(tools: Tools) -> None:
    file, _ = make_plain(tools)
    (tools.cwd / ".sops.yaml").write_text(
        f"creation_rules:\n  - path_regex: other\\.yaml$\n    age: {tools.key.recipient}\n"
    )
    before = file.read_bytes()
    result = tools.confscope("secrets", "encrypt", "--in-place", str(file))
    assert result.returncode == 1
    assert ".sops.yaml has no creation rule whose path_regex matches secrets.yaml" in (
        result.stderr
    )
    assert file.read_bytes() == before


def test_the_sops_yaml_rule_is_found_above_the_file(tools: Tools) -> None:
    deep = tools.cwd / "a" / "b"
    deep.mkdir(parents=True)
    (tools.cwd / ".sops.yaml").write_text(
        "creation_rules:\n  - path_regex: a/b/.*\\.yaml$\n"
        f"    age: {tools.key.recipient}\n    encrypted_regex: ^password$\n"
    )
    file = deep / "s.yaml"
    file.write_text("user: app\npassword: pw\n")
    result = tools.confscope("secrets", "encrypt", str(file))
    assert result.returncode == 0, result.stderr
    assert "user: app" in result.stdout and "password: ENC[" in result.stdout


def test_usage_errors_exit_2(tools: Tools) -> None:
    assert tools.confscope("secrets").returncode == 2
    assert tools.confscope("secrets", "set", "only-a-file").returncode == 2


def test_plaintext_never_reaches_the_disk(tools: Tools, tmp_path: Path) -> None:
    file, values = make_plain(tools)
    steps = [
        ("secrets", "encrypt", "--age", tools.key.recipient, "--in-place", str(file)),
        ("secrets", "set", str(file), "database.password", "second-secret-value-1"),
        ("secrets", "rotate", str(file)),
        ("secrets", "set", str(file), "api_key", "third-secret-value-2"),
        ("secrets", "decrypt", str(file)),
    ]
    outputs = []
    for step in steps:  # whole processes, with HOME and TMPDIR of their own
        result = tools.confscope_process(*step)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert "second-secret-value-1" in outputs[-1]  # the secrets are really in there
    texts = [*values.values(), "second-secret-value-1", "third-secret-value-2"]
    needles = [text.encode() for text in texts]
    searched = 0
    for root in (tmp_path, tools.home, tools.tmp):
        for dirpath, _, names in os.walk(root):
            for name in names:
                path = Path(dirpath) / name
                data = path.read_bytes()
                searched += 1
                for needle in needles:
                    assert needle not in data, f"{needle!r} found in {path}"
    assert searched >= 2  # the key file and the encrypted file at least


def test_secrets_commands_do_not_load_the_config_engine(tools: Tools) -> None:
    file, _ = encrypted_file(tools)
    script = (
        "import sys; from cli.main import main; "
        f"code = main(['secrets', 'decrypt', {str(file)!r}]); "
        "heavy = ('core.configset', 'core.loading', 'pydantic', 'textual', 'dataclasses',"
        " 'keyring'); "
        "print(code, [m for m in heavy if m in sys.modules], file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=tools.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stderr.strip().splitlines()[-1] == "0 []"
