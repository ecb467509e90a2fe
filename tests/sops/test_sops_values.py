"""One value at a time: Go's typing and printing, the ENC codec, the MAC, the reader."""

from __future__ import annotations

import hashlib
import math

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.scalars import resolve_plain
from core.secrets.document import DocumentError, read
from core.secrets.sopsfile import MAC_ONLY_ENCRYPTED_INIT, mac
from core.secrets.text import quote, yaml_scalar
from core.secrets.values import (
    Cipher,
    Plain,
    ValueError_,
    aesgcm_class,
    go_float,
    go_plain,
    go_timestamp,
    parse,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (1e20, "100000000000000000000"),
        (1e-05, "0.00001"),
        (0.1 + 0.2, "0.30000000000000004"),
        (100.0, "100"),
        (-0.0, "-0"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (math.nan, "NaN"),
        (123456789.125, "123456789.125"),
    ],
)
def test_floats_are_printed_as_go_prints_them_for_the_mac(value: float, text: str) -> None:
    assert go_float(value) == text


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("hello", "hello", "str"),
        ("yes", "yes", "str"),  # go-yaml v3 reads YAML 1.1 booleans as strings
        ("true", True, "bool"),
        ("False", False, "bool"),
        ("42", 42, "int"),
        ("0x1F", 31, "int"),
        ("0o17", 15, "int"),
        ("0755", 493, "int"),  # v3 still reads 1.1 octals
        ("1_000", 1000, "int"),
        ("1e3", 1000.0, "float"),
        (".5", 0.5, "float"),
        ("-.inf", -math.inf, "float"),
        ("2020-01-01", "2020-01-01T00:00:00Z", "time"),
        ("2021-03-04 05:06:07.500", "2021-03-04T05:06:07.5Z", "time"),
        ("2021-03-04T05:06:07+02:00", "2021-03-04T05:06:07+02:00", "time"),
        ("2021-03-04T05:06:07+00:00", "2021-03-04T05:06:07Z", "time"),
        ("2021-02-30", "2021-02-30", "str"),
        ("1.2.3", "1.2.3", "str"),
    ],
)
def test_plain_scalars_get_go_yaml_types(text: str, value: object, kind: str) -> None:
    plain = go_plain(text)
    assert plain is not None and plain.type == kind and plain.value == value


def test_nulls_are_not_values() -> None:
    assert [go_plain(t) for t in ("", "~", "null", "NULL")] == [None] * 4


def test_timestamps_need_a_zone_after_t() -> None:
    assert go_timestamp("2021-03-04T05:06:07") is None


def test_the_aead_class_is_cryptographys_public_aesgcm() -> None:
    assert aesgcm_class() is AESGCM


def test_a_value_round_trips_and_keeps_its_iv_when_unchanged() -> None:
    cipher = Cipher(b"k" * 32)
    sealed = cipher.seal(Plain(5432, "int"), "db:port:")
    assert parse(sealed).type == "int" and len(parse(sealed).iv) == 32
    assert cipher.open(sealed, "db:port:") == Plain(5432, "int")
    assert cipher.seal(Plain(5432, "int"), "db:port:") == sealed
    assert cipher.seal(Plain(5433, "int"), "db:port:") != sealed
    with pytest.raises(ValueError_, match="moved to another key"):
        cipher.open(sealed, "db:host:")


@pytest.mark.parametrize(
    "bad",
    [
        "ENC[AES256_GCM,data:!!!,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]",
        "ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]",
        "ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:blob]",
        "ENC[AES256_GCM,data:AAAA,iv:AAAA",
    ],
)
def test_malformed_values_are_errors_not_crashes(bad: str) -> None:
    with pytest.raises(ValueError_):
        Cipher(b"k" * 32).open(bad, ":")


def test_the_mac_follows_sops() -> None:
    leaves = [Plain("a", "str"), Plain(1, "int"), Plain(True, "bool"), Plain(1.5, "float")]
    assert mac(leaves, False) == hashlib.sha512(b"a1True1.5").hexdigest().upper()
    assert (
        bytes.fromhex("8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69")
        == MAC_ONLY_ENCRYPTED_INIT
    )
    only = hashlib.sha512(MAC_ONLY_ENCRYPTED_INIT + b"a").hexdigest().upper()
    assert mac([Plain("a", "str")], True) == only


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "yes",
        "no",
        "on",
        "0755",
        "1:30",
        "42",
        "true",
        "null",
        "",
        " lead",
        "a: b",
        "x #y",
        "- item",
        "[list]",
        "{m}",
        "multi\nline",
        'quo"te',
        "tab\there",
        "\x7f",
        "é ok",
        "2020-01-01",
        "@at",
        "%pct",
        "*star",
        "&amp",
        "!bang",
        "|pipe",
        ">gt",
        "'q",
        "ENC[x]",
    ],
)
def test_a_string_is_written_so_both_readers_read_a_string(text: str) -> None:
    written = quote(text)
    doc = read(f"k: {written}\n")
    leaf = doc.leaves[0]
    got = leaf.plain()
    assert got == Plain(text, "str"), written
    if not leaf.style:  # unquoted: confscope's own YAML 1.2 reading agrees
        assert resolve_plain(written) == text


@pytest.mark.parametrize(
    "plain",
    [
        Plain(1.0, "float"),
        Plain(1e20, "float"),
        Plain(-0.0, "float"),
        Plain(7, "int"),
        Plain(False, "bool"),
        Plain("2020-01-01T00:00:00Z", "time"),
    ],
)
def test_typed_values_are_written_so_they_read_back_typed(plain: Plain) -> None:
    leaf = read(f"k: {yaml_scalar(plain)}\n").leaves[0]
    assert leaf.plain() == plain


def test_the_reader_refuses_what_sops_files_cannot_hold() -> None:
    for text, words in [
        ("a: &x 1\nb: *x\n", "anchors"),
        ("- 1\n", "top level"),
        ("a: 1\n---\nb: 2\n", "more than one"),
        ("1: x\n", "not a string"),
        ("a: [1\n", "not valid YAML"),
    ]:
        with pytest.raises(DocumentError, match=words):
            read(text)


def test_comments_belong_where_sops_puts_them() -> None:
    doc = read(
        "# top\n"
        "a: 1 # inline\n"
        "b:\n"
        "    # head of c\n"
        "    c: 2\n"
        "    l:\n"
        "        # in list\n"
        "        - x # item\n"
        "        - k: v\n"
        "          # foot\n"
        "# before d\n"
        "d: 3\n"
    )
    owners = {c.text.strip(): c.keys for c in doc.comments}
    assert owners == {
        "top": (),
        "inline": (),
        "head of c": ("b",),
        "in list": ("b", "l"),
        "item": ("b", "l"),
        "foot": ("b", "l"),
        "before d": (),
    }
    assert [c.line for c in doc.comments] == [1, 2, 4, 7, 8, 10, 11]


@pytest.mark.parametrize("text", ["a\nb\n", "a\nb", "a\n\nb\n\n\n", "x\n  indented\n", "é\tt\nz"])
def test_multi_line_strings_come_back_as_blocks(text: str) -> None:
    from core.secrets.text import block_literal

    block = block_literal(text, 2)
    assert block is not None
    leaf = read(f"k: {block}\nnext: 1\n").leaves[0]
    assert leaf.style == "|" and leaf.plain() == Plain(text, "str")


def test_what_a_block_cannot_hold_is_quoted_instead() -> None:
    from core.secrets.text import block_literal

    assert block_literal(" leading space\nx", 2) is None
    assert block_literal("bell\x07\nx", 2) is None
    assert block_literal("one line\n", 2) is None
