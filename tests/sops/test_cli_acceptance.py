"""Acceptance checks of the secrets side of the CLI, on shapes the other tests skip.

New keys in a sops file wherever a plain layer would take them (a new mapping, a
list item's mapping, a flow mapping, a top level of mappings only), `secrets set`
reading VALUE as `confscope set` does, and refusals that are one clean sentence.
Every file written here must open with the real `sops decrypt`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.sops.sops_tools import Tools

RULES = """\
creation_rules:
  - path_regex: .*\\.yml$
    encrypted_regex: ^(password|api_key|token)$
    age: {recipient}
"""


def sops_file(tools: Tools, text: str, *, rules: bool = True, name: str = "secrets.yml") -> Path:
    """`text` encrypted by the real sops (with the set's rule, or every value)."""
    if rules:
        (tools.cwd / ".sops.yaml").write_text(RULES.format(recipient=tools.key.recipient))
    file = tools.cwd / name
    file.write_text(text)
    args = ["encrypt", "--in-place", name]
    if not rules:
        args[1:1] = ["--age", tools.key.recipient]
    tools.sops(*args)
    return file


def sops_json(tools: Tools, file: Path) -> dict[str, object]:
    result = tools.sops("decrypt", "--output-type", "json", str(file))
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def line_of(file: Path, key: str) -> str:
    return next(line for line in file.read_text().splitlines() if line.strip().startswith(key))


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        # the top level holds mappings only: no scalar sibling to copy
        ("database:\n  password: p\n", "cache.token", {"cache": {"token": "s3cret"}}),
        ("database:\n  password: p\n", "api_key", {"api_key": "s3cret"}),
        # under a list item's mapping (the AAD leaves the index out)
        (
            "servers:\n  - name: a\n    port: 1\n",
            "servers[0].password",
            {"servers": [{"name": "a", "port": 1, "password": "s3cret"}]},
        ),
        # a mapping of mappings only, one level down
        (
            "app:\n  db:\n    password: p\n",
            "app.cache.token",
            {"app": {"db": {"password": "p"}, "cache": {"token": "s3cret"}}},
        ),
    ],
)
def test_secrets_set_adds_a_new_key_anywhere_a_plain_file_takes_one(
    tools: Tools, text: str, key: str, expected: dict[str, object]
) -> None:
    file = sops_file(tools, text)
    before = file.read_text()
    result = tools.confscope("secrets", "set", str(file), key, "s3cret")
    assert result.returncode == 0, result.stderr
    after = file.read_text()
    assert "s3cret" not in after
    data = sops_json(tools, file)
    data.pop("sops", None)
    for name, value in expected.items():
        assert data[name] == value
    # every line that was there is still there (the new ones are added)
    old_lines = [line for line in before.splitlines() if "lastmodified" not in line]
    old_lines = [line for line in old_lines if not line.strip().startswith("mac:")]
    assert all(line in after.splitlines() for line in old_lines)


def test_a_new_top_level_key_goes_before_the_sops_block(tools: Tools) -> None:
    file = sops_file(tools, "database:\n  password: p\n")
    assert tools.confscope("secrets", "set", str(file), "api_key", "k").returncode == 0
    lines = file.read_text().splitlines()
    assert lines.index(line_of(file, "api_key:")) < lines.index("sops:")
    assert "ENC[AES256_GCM," in line_of(file, "api_key:")


def test_secrets_set_adds_a_key_to_a_flow_mapping(tools: Tools) -> None:
    file = tools.cwd / "flow.yml"
    file.write_text("a: {password: x, b: 1}\n")
    encrypted = tools.confscope("secrets", "encrypt", str(file), "--age", tools.key.recipient)
    assert encrypted.returncode == 0, encrypted.stderr
    file.write_text(encrypted.stdout)
    result = tools.confscope("secrets", "set", str(file), "a.token", "t0k")
    assert result.returncode == 0, result.stderr
    assert "t0k" not in file.read_text()
    assert sops_json(tools, file)["a"] == {"password": "x", "b": 1, "token": "t0k"}


def test_confscope_set_creates_a_new_mapping_in_a_sops_layer_and_encrypts_it(
    tools: Tools,
) -> None:
    (tools.cwd / "confscope.toml").write_text('base = ["base.yml", "secrets.yml"]\n')
    (tools.cwd / "base.yml").write_text("app:\n  name: demo\n")
    file = sops_file(tools, "database:\n  password: p\n")
    result = tools.confscope(
        "-C", str(tools.cwd), "set", "cache.redis.token", "r3dis", "--layer", "secrets"
    )
    assert result.returncode == 0, result.stderr
    assert "r3dis" not in result.stdout and "r3dis" not in file.read_text()
    assert "ENC[AES256_GCM," in line_of(file, "token:")
    assert sops_json(tools, file)["cache"] == {"redis": {"token": "r3dis"}}
    shown = tools.confscope("-C", str(tools.cwd), "--reveal", "why", "cache.redis.token")
    assert shown.returncode == 0 and "r3dis" in shown.stdout


def test_secrets_set_reads_value_as_set_does(tools: Tools) -> None:
    file = sops_file(tools, "database:\n  password: p\n  note: n\n")
    before = file.read_bytes()
    refused = tools.confscope("secrets", "set", str(file), "database.note", "[1, 2]")
    assert refused.returncode == 1
    assert "--string" in refused.stderr and "Traceback" not in refused.stderr
    assert file.read_bytes() == before
    taken = tools.confscope("secrets", "set", "--string", str(file), "database.note", "[1, 2]")
    assert taken.returncode == 0, taken.stderr
    assert sops_json(tools, file)["database"] == {"password": "p", "note": "[1, 2]"}


def test_multi_line_text_is_kept_line_by_line(tools: Tools) -> None:
    file = sops_file(tools, "database:\n  password: p\n")
    pem = "-----BEGIN KEY-----\nabc\n-----END KEY-----"
    result = tools.confscope("secrets", "set", str(file), "database.password", pem)
    assert result.returncode == 0, result.stderr
    assert sops_json(tools, file)["database"] == {"password": pem}


def test_a_bad_path_regex_is_one_clean_sentence(tools: Tools) -> None:
    (tools.cwd / ".sops.yaml").write_text(
        f'creation_rules:\n  - path_regex: "("\n    age: {tools.key.recipient}\n'
    )
    (tools.cwd / "plain.yml").write_text("password: p\n")
    result = tools.confscope_process("secrets", "encrypt", "plain.yml")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "path_regex" in lines[0] and "b'" not in lines[0]


def test_secrets_set_takes_a_dotted_index(tools: Tools) -> None:
    file = sops_file(tools, "servers:\n  - name: a\n    password: p\n")
    result = tools.confscope("secrets", "set", str(file), "servers.0.password", "n3w")
    assert result.returncode == 0, result.stderr
    assert sops_json(tools, file)["servers"] == [{"name": "a", "password": "n3w"}]


COMMENTED = """\
# top
db:
  # about host
  host: h
  password: p
  # trailing in db
list:
  # before item
  - a: 1
    # inside item
    b: 2
# end
"""


@pytest.mark.parametrize("key", ["db.sub.x", "list[0].c", "list.0.d.e", "db.port"])
def test_a_new_key_among_encrypted_comments_keeps_every_comment_readable(
    tools: Tools, key: str
) -> None:
    """sops writes a comment inside a list as an item (`- ENC[...,type:comment]`) and
    seals each comment with its collection's keys: a new key must count list items as
    sops does, and a comment that now sits in a new mapping is sealed for it."""
    file = sops_file(tools, COMMENTED, rules=False)
    result = tools.confscope("secrets", "set", str(file), key, "v1")
    assert result.returncode == 0, result.stderr
    decrypted = tools.sops("decrypt", str(file))
    assert "ENC[" not in decrypted.stdout and "unencrypted comment" not in decrypted.stderr
    for comment in ("# top", "# about host", "# trailing in db", "# before item", "# end"):
        assert comment in decrypted.stdout
    data = sops_json(tools, file)
    node: object = data
    for part in key.replace("[", ".").replace("]", "").split("."):
        assert node is not None
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    assert node == "v1"


def test_unset_in_a_sops_list_with_a_comment_removes_the_item_named(tools: Tools) -> None:
    (tools.cwd / "confscope.toml").write_text('base = ["base.yml", "secrets.yml"]\n')
    (tools.cwd / "base.yml").write_text("x: 1\n")
    file = sops_file(tools, "list:\n  # before item\n  - a: 1\n    b: 2\n  - a: 3\n", rules=False)
    result = tools.confscope("-C", str(tools.cwd), "unset", "list[1]")
    assert result.returncode == 0, result.stderr
    assert "remove list[1] from secrets.yml" in result.stdout
    assert sops_json(tools, file)["list"] == [{"a": 1, "b": 2}]
    result = tools.confscope("-C", str(tools.cwd), "unset", "list[0].b")
    assert result.returncode == 0, result.stderr
    assert sops_json(tools, file)["list"] == [{"a": 1}]
    assert "# before item" in tools.sops("decrypt", str(file)).stdout


def test_a_plain_value_with_a_unicode_line_break_reads_back_in_sops(tools: Tools) -> None:
    file = sops_file(tools, "database:\n  password: p\n  note: n\n")
    result = tools.confscope("secrets", "set", str(file), "database.note", "a\u2028b")
    assert result.returncode == 0, result.stderr
    assert sops_json(tools, file)["database"] == {"password": "p", "note": "a\u2028b"}


def test_encrypt_value_of_a_missing_key_says_there_is_nothing_to_encrypt(tools: Tools) -> None:
    (tools.cwd / ".sops.yaml").write_text(RULES.format(recipient=tools.key.recipient))
    (tools.cwd / "base.yml").write_text("db:\n  password: p\n")
    (tools.cwd / "overrides").mkdir()
    (tools.cwd / "overrides" / "local.yml").write_text("_metadata:\n  priority: 5\nx: 1\n")
    result = tools.confscope("-C", str(tools.cwd), "secrets", "encrypt-value", "db.pasword")
    assert result.returncode == 1
    assert "no value to encrypt" in result.stderr and "--layer" not in result.stderr


def _flip(text: str, marker: str) -> str:
    at = text.index(marker) + len(marker)
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda t: _flip(t, "password: ENC[AES256_GCM,data:"), "database.password"),
        (lambda t: _flip(t, "mac: ENC[AES256_GCM,data:"), "sops.mac"),
        (lambda t: t[: len(t) * 2 // 3], "syntax error"),  # cut mid-line
        (lambda t: t[: t.index("    lastmodified:")], "truncated"),  # cut at a line
        (lambda t: t.replace("user: app", "user: eve"), "MAC"),
    ],
)
def test_confscope_set_on_a_damaged_sops_layer_is_one_sentence_and_writes_nothing(
    tools: Tools, damage: Any, words: str
) -> None:
    (tools.cwd / "confscope.toml").write_text('base = ["base.yml", "secrets.yml"]\n')
    (tools.cwd / "base.yml").write_text("app:\n  name: demo\n")
    file = sops_file(tools, "database:\n  password: p\n  user: app\n")
    file.write_text(damage(file.read_text()))
    before = file.read_bytes()
    result = tools.confscope(
        "-C", str(tools.cwd), "set", "database.user", "bob", "--layer", "secrets"
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "secrets.yml" in lines[0] and words in lines[0]
    assert file.read_bytes() == before


def test_secrets_set_reads_its_value_without_loading_the_editing_engine(tools: Tools) -> None:
    import subprocess
    import sys

    file = sops_file(tools, "database:\n  password: p\n")
    script = (
        "import sys; from cli.main import main; "
        f"code = main(['secrets', 'set', {str(file)!r}, 'database.password', 'n3w']); "
        "heavy = ('core.configset', 'pydantic', 'core.editing.spans', 'core.editing.planning',"
        " 'dataclasses'); "
        "print(code, [m for m in heavy if m in sys.modules], file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=tools.env(), capture_output=True, text=True
    )
    assert result.stderr.strip().splitlines()[-1] == "0 []", result.stderr


def test_secrets_set_through_a_symlink_keeps_the_link(tools: Tools) -> None:
    file = sops_file(tools, "database:\n  password: p\n", name="real.yml")
    link = tools.cwd / "secrets.yml"
    link.symlink_to(file.name)
    for args in (("set", str(link), "database.password", "n3w"), ("rotate", str(link))):
        result = tools.confscope("secrets", *args)
        assert result.returncode == 0, result.stderr
        assert link.is_symlink()
    assert sops_json(tools, file)["database"] == {"password": "n3w"}


def test_encrypting_a_layer_with_its_metadata_says_what_that_costs(tools: Tools) -> None:
    layer = tools.cwd / "layer.yml"
    layer.write_text("_metadata:\n  priority: 5\ndb:\n  password: p\n")
    sealed = tools.confscope("secrets", "encrypt", "--age", tools.key.recipient, str(layer))
    assert sealed.returncode == 0, sealed.stderr
    assert "_metadata is encrypted too" in sealed.stderr
    assert "unencrypted_regex: ^_metadata$" in sealed.stderr
    plain = tools.cwd / "plain.yml"
    plain.write_text("db:\n  password: p\n")
    quiet = tools.confscope("secrets", "encrypt", "--age", tools.key.recipient, str(plain))
    assert quiet.returncode == 0 and quiet.stderr == ""
    (tools.cwd / ".sops.yaml").write_text(RULES.format(recipient=tools.key.recipient))
    ruled = tools.confscope("secrets", "encrypt", str(layer))  # encrypted_regex: secrets only
    assert ruled.returncode == 0 and ruled.stderr == ""
    assert "priority: 5" in ruled.stdout
