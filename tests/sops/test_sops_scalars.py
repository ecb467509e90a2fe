"""Awkward scalars, with the real sops as the judge: what a value is, and how it is written.

Each test puts many values in one file, so a handful of sops runs covers them all.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.secrets import operations
from core.secrets.document import read
from core.secrets.setting import set_value
from core.secrets.sopsfile import SecretsError
from core.secrets.values import Plain, go_plain
from tests.sops.sops_tools import Tools, load_yaml
from tests.sops.test_sops_property import dump, readable

# Strings a YAML writer has to think about. '=' and '<<' were the property test's
# finds: sops writes them `=` and `!!merge <<`, which a YAML 1.1-minded reader
# (ruamel's safe loader) cannot even construct. A line or paragraph separator inside
# double quotes is a line break to libyaml and go-yaml: written raw, the blanks
# beside it were lost.
AWKWARD_STRINGS = [
    "=",
    "<<",
    "-",
    "~",
    ":",
    "? ",
    "null",
    "y",
    "on",
    "No",
    "0x1",
    "1e3",
    ".5",
    "1:20",
    "0777",
    " leading",
    "trailing ",
    "  ",
    "#",
    "a #b",
    "a: b",
    "- a",
    "!a",
    "&a",
    "*a",
    "|",
    ">",
    "%a",
    "@a",
    "`a",
    "'a",
    '"a',
    "[a",
    "{a",
    "a,b",
    "...",
    "---",
    "é ünïcödé",
    "\U0001f600",
    "\u00a0",
    "\u200b",
    "x\\y",
    "tab\there",
    "a\u2028 b",
    "a \u2029b",
    "\u2028",
    "\ufeff",
    "multi\nline\n",
    "a\n ",
    "x" * 300,
]


def test_sops_and_confscope_read_awkward_strings_the_same(tools: Tools, tmp_path: Path) -> None:
    for flow in (False, True):
        # ruamel writes a few of them in flow style where libyaml cannot read them back.
        data = {
            f"k{i}": {"v": text, "l": [text, "x"]}
            for i, text in enumerate(AWKWARD_STRINGS)
            if readable(dump({"v": text, "l": [text]}, flow))
        }
        plain = tmp_path / f"plain-{flow}.yaml"
        plain.write_text(dump(data, flow))
        ours = tmp_path / f"ours-{flow}.yaml"
        ours.write_text(operations.encrypt(plain, [tools.key.recipient]))
        assert load_yaml(tools.sops("decrypt", str(ours)).stdout) == data
        decrypted = operations.decrypt(ours, tools.key.identities)
        assert load_yaml(decrypted) == data
        # What confscope decrypted, sops encrypts to the same data.
        again = tmp_path / f"again-{flow}.yaml"
        again.write_text(decrypted)
        theirs = tmp_path / f"theirs-{flow}.yaml"
        theirs.write_text(tools.sops("encrypt", "--age", tools.key.recipient, str(again)).stdout)
        assert load_yaml(tools.sops("decrypt", str(theirs)).stdout) == data
        assert load_yaml(operations.decrypt(theirs, tools.key.identities)) == data


# Plain scalars whose type go-yaml decides in a way worth checking. Each one was typed
# differently by confscope until sops judged it: a float beyond float64 fails Go's
# ParseFloat and stays a string; `_` between the digits of `.5_0` is Go syntax; Go's
# time.Parse takes a run of spaces for the layout's one, a `,` before the fraction, more
# than nine fraction digits, and the year 0.
PLAIN_TEXTS = [
    "1e400",
    "-1e400",
    ".5e400",
    "1e-400",
    ".5_0",
    ".5e1_0",
    "._5",
    ".5_",
    ".\uff15",
    "1_000.5_5",
    "1._5",
    "09",
    "0777",
    "0o17",
    "-0b101",
    "+0x10",
    "0x",
    "-0x8000000000000000",
    "-9223372036854775809",
    "18446744073709551616",
    "123456789012345678901234567890",
    "Yes",
    "TRUE",
    "tRUE",
    "+.inf",
    ".NaN",
    "2020-1-1",
    "2020-01-01  01:02:03",
    "2020-01-01 01:02:03,5",
    "2020-01-01T01:02:03,5Z",
    "2020-01-01 01:02:03.1234567891",
    "2020-01-01T01:02:03.123456789123Z",
    "2020-01-01T01:02:03",
    "2020-01-01T01:02:03z",
    "2020-01-01T24:00:00Z",
    "2020-01-01T01:02:03+0100",
    "0000-01-01",
    "0000-02-29",
    "0100-02-29",
    "1900-02-29",
    "2000-02-29",
    "02020-01-01",
]


def test_plain_scalars_get_the_types_sops_gives_them(tools: Tools, tmp_path: Path) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text("".join(f"k{i}: {text}\n" for i, text in enumerate(PLAIN_TEXTS)))
    encrypted = tools.sops("encrypt", "--age", tools.key.recipient, str(plain)).stdout
    types = dict(re.findall(r"^(k\d+): ENC\[.*,type:(\w+)\]$", encrypted, re.M))
    (tmp_path / "enc.yaml").write_text(encrypted)
    decrypted = tools.sops("decrypt", str(tmp_path / "enc.yaml")).stdout
    written = dict(re.findall(r"^(k\d+): (.*)$", decrypted, re.M))
    for i, text in enumerate(PLAIN_TEXTS):
        ours = go_plain(text)
        assert ours is not None
        assert (text, ours.type) == (text, types[f"k{i}"])
        theirs = written[f"k{i}"]
        if ours.type == "time":
            assert (text, ours.value) == (text, theirs)
        elif ours.type == "int":
            assert (text, ours.value) == (text, int(theirs))
        elif ours.type == "float":
            go_text = theirs.replace(".inf", "inf").replace(".nan", "nan")
            assert Plain(float(go_text), "float") == ours, text  # Plain: nan equals nan
    # confscope opens sops' file and writes each value so that it reads back the same.
    ours_text = operations.decrypt(tmp_path / "enc.yaml", tools.key.identities)
    assert [leaf.plain() for leaf in read(ours_text).leaves] == [go_plain(t) for t in PLAIN_TEXTS]


def test_integers_sops_cannot_store_are_refused(tools: Tools, tmp_path: Path) -> None:
    """go-yaml reads 2^63..2^64-1 as a uint64, which sops refuses to encrypt; confscope
    used to encrypt it as an int that `sops decrypt` then failed on (strconv.Atoi)."""
    plain = tmp_path / "plain.yaml"
    plain.write_text("fine: 1\nnested:\n  big: 9223372036854775808\n")
    refused = tools.sops("encrypt", "--age", tools.key.recipient, str(plain), check=False)
    assert refused.returncode != 0 and "uint64" in refused.stderr
    with pytest.raises(SecretsError, match="outside the 64-bit range") as caught:
        operations.encrypt(plain, [tools.key.recipient])
    assert (caught.value.line, caught.value.path) == (3, "nested.big")

    plain.write_text("small: 1\nlarge: 2\nsmallest: 3\nlargest: 4\n")
    encrypted = tmp_path / "enc.yaml"
    encrypted.write_text(operations.encrypt(plain, [tools.key.recipient]))
    for key, value in (("small", -(2**63) - 1), ("large", 2**63), ("large", 2**64)):
        before = encrypted.read_bytes()
        with pytest.raises(SecretsError, match="outside the 64-bit range"):
            set_value(encrypted, (key,), value, tools.key.identities)
        assert encrypted.read_bytes() == before
    set_value(encrypted, ("smallest",), -(2**63), tools.key.identities)
    set_value(encrypted, ("largest",), 2**63 - 1, tools.key.identities)
    assert load_yaml(tools.sops("decrypt", str(encrypted)).stdout) == {
        "small": 1,
        "large": 2,
        "smallest": -(2**63),
        "largest": 2**63 - 1,
    }


def test_a_multi_line_value_decrypts_exactly_whatever_follows_it(
    tools: Tools, tmp_path: Path
) -> None:
    """A `|` block ends at its line's end: the blank after an empty list item (`- `)
    became part of the block's last line once set gave the item a value, and a comment
    after the value became part of the value."""
    plain = tmp_path / "plain.yaml"
    plain.write_text("items:\n  - \n  - x\nnoted: v # a note\nlast: w\n")
    encrypted = tmp_path / "enc.yaml"
    encrypted.write_text(operations.encrypt(plain, [tools.key.recipient]))
    set_value(encrypted, ("items", 0), "a\nb", tools.key.identities)
    set_value(encrypted, ("noted",), "c\nd\n", tools.key.identities)
    expected = {"items": ["a\nb", "x"], "noted": "c\nd\n", "last": "w"}
    assert load_yaml(tools.sops("decrypt", str(encrypted)).stdout) == expected
    decrypted = operations.decrypt(encrypted, tools.key.identities)
    assert load_yaml(decrypted) == expected
    assert "# a note" in decrypted


def test_a_multi_line_value_keeps_a_crlf_files_line_ends(tools: Tools, tmp_path: Path) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_bytes(b"a: x\r\nitems:\r\n  - y\r\n")
    encrypted = tmp_path / "enc.yaml"
    encrypted.write_bytes(operations.encrypt(plain, [tools.key.recipient]).encode())
    set_value(encrypted, ("a",), "one\ntwo", tools.key.identities)
    set_value(encrypted, ("items", 0), "three\nfour\n", tools.key.identities)
    decrypted = operations.decrypt(encrypted, tools.key.identities)
    assert "\n" not in decrypted.replace("\r\n", "")
    expected = {"a": "one\ntwo", "items": ["three\nfour\n"]}
    assert load_yaml(decrypted) == expected
    assert load_yaml(tools.sops("decrypt", str(encrypted)).stdout) == expected
