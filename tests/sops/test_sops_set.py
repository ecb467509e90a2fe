"""`set_value` on the shapes a YAML file can give a value, judged by the real sops."""

from __future__ import annotations

from pathlib import Path

from core.secrets import operations
from core.secrets.setting import set_value
from tests.sops.sops_tools import Tools, load_yaml


def test_a_flow_key_written_without_a_colon_takes_a_value(tools: Tools, tmp_path: Path) -> None:
    """A key without ':' in a flow collection has its (empty) value's span at the next
    ',' or bracket; the new value used to go there and join the key (`{a x, b: 1}`), and
    the re-read check refused the write ("its keys moved"). ruamel writes the string
    '?A' plain in a flow list, where YAML reads it as such a key: the property test's
    find, with data {'_': ['', ['', '?A', '', '']]}."""
    plain = tmp_path / "plain.yaml"
    plain.write_text(
        "bare: {a, b: 1}\nasked: {?c}\nitems: ['', ?A, '']\nspaced: {d , e: 2}\n"
        "after: {f: , g: 3}\nlast: x\n"
    )
    encrypted = tmp_path / "enc.yaml"
    encrypted.write_text(operations.encrypt(plain, [tools.key.recipient]))
    for path, value in (
        (("bare", "a"), "secret"),
        (("asked", "c"), ""),
        (("items", 1, "A"), "0"),
        (("spaced", "d"), "v"),
        (("after", "f"), 5),
    ):
        assert set_value(encrypted, path, value, tools.key.identities)
    expected = {
        "bare": {"a": "secret", "b": 1},
        "asked": {"c": ""},
        "items": ["", {"A": "0"}, ""],
        "spaced": {"d": "v", "e": 2},
        "after": {"f": 5, "g": 3},
        "last": "x",
    }
    assert load_yaml(tools.sops("decrypt", str(encrypted)).stdout) == expected
    assert load_yaml(operations.decrypt(encrypted, tools.key.identities)) == expected


def test_a_block_key_written_with_a_question_mark_takes_a_value(
    tools: Tools, tmp_path: Path
) -> None:
    """A block `? key` with no `:` line has its empty value's span at the next key; the
    new value gets a `: value` line of its own under the '?'."""
    plain = tmp_path / "plain.yaml"
    plain.write_text("? a\nb: 1\nl:\n  - ? c # a note\n    d: 2\n  - x\nm:\n  ? e\nz: 1\n")
    encrypted = tmp_path / "enc.yaml"
    encrypted.write_text(operations.encrypt(plain, [tools.key.recipient]))
    for path in (("a",), ("l", 0, "c"), ("m", "e")):
        assert set_value(encrypted, path, "set", tools.key.identities)
    expected = {"a": "set", "b": 1, "l": [{"c": "set", "d": 2}, "x"], "m": {"e": "set"}, "z": 1}
    assert load_yaml(tools.sops("decrypt", str(encrypted)).stdout) == expected
    decrypted = operations.decrypt(encrypted, tools.key.identities)
    assert load_yaml(decrypted) == expected
    assert "# a note" in decrypted


def test_a_new_key_in_a_list_items_mapping_is_sealed_for_its_path(
    tools: Tools, tmp_path: Path
) -> None:
    """sops' AAD is the mapping keys of a value's path, without list indices; a key
    added inside a list item was sealed with the index in it, and the re-read check
    refused the write ("the value does not decrypt"). The property test's find:
    data {'_': [{'a': None}]}, adding `_[0]._`."""
    plain = tmp_path / "plain.yaml"
    plain.write_text("_:\n  - a:\nservers:\n  - name: one\n    port: 1\n")
    encrypted = tmp_path / "enc.yaml"
    encrypted.write_text(operations.encrypt(plain, [tools.key.recipient]))
    assert set_value(encrypted, ("_", 0, "_"), "0", tools.key.identities)
    assert set_value(encrypted, ("servers", 0, "token"), "s3cret", tools.key.identities)
    expected = {
        "_": [{"a": None, "_": "0"}],
        "servers": [{"name": "one", "port": 1, "token": "s3cret"}],
    }
    assert load_yaml(tools.sops("decrypt", str(encrypted)).stdout) == expected
    assert load_yaml(operations.decrypt(encrypted, tools.key.identities)) == expected
