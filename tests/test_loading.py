"""Loading: positions on every node, and every kind of bad file as a located problem."""

from __future__ import annotations

import string
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from core.loading import MAX_FILE_BYTES, parse_bytes, read_file
from core.model import MAPPING, SEQUENCE, Encrypted, Node
from core.yamlcases import MAX_DEPTH


def codes(problems: list) -> list[str]:
    return [p.code for p in problems]


def test_positions_are_one_based_and_point_at_keys() -> None:
    parsed = parse_bytes(b"a: 1\nb:\n  c: [x, z]\n  d:\n    - e: 2\n", "f.yml")
    root = parsed.root
    assert root is not None and not parsed.problems
    a, b = root.value["a"], root.value["b"]
    assert (a.line, a.column) == (1, 1)
    assert (b.line, b.column) == (2, 1)
    c = b.value["c"]
    assert (c.line, c.column) == (3, 3)
    assert [(n.line, n.column) for n in c.value] == [(3, 7), (3, 10)]
    item = b.value["d"].value[0]
    assert (item.value["e"].line, item.value["e"].column) == (5, 7)


def test_yaml_12_core_typing() -> None:
    text = b"i: 12\nf: 1.5\nb: true\nn: null\ne:\ns: '12'\no: 0o17\nx: 0x1F\nyes_is_str: yes\n"
    root = parse_bytes(text, "f.yml").root
    assert root is not None
    assert root.plain() == {
        "i": 12,
        "f": 1.5,
        "b": True,
        "n": None,
        "e": None,
        "s": "12",
        "o": 15,
        "x": 31,
        "yes_is_str": "yes",
    }


def test_directive_tags_are_kept_and_unknown_tags_reported() -> None:
    parsed = parse_bytes(b"a: !unset\nb: !append [1]\nc: !replace {x: 1}\nd: !env FOO\n", "f.yml")
    root = parsed.root
    assert root is not None
    assert [root.value[k].tag for k in "abcd"] == ["!unset", "!append", "!replace", None]
    [problem] = parsed.problems
    assert (problem.code, problem.line, problem.path) == ("unknown-tag", 4, "d")
    assert "!env" in problem.message


def test_encrypted_values_are_recognised() -> None:
    root = parse_bytes(b"k: ENC[AES256_GCM,data:YWJj,iv:aXY=,tag:dGFn,type:int]\n", "f").root
    assert root is not None
    value = root.value["k"].value
    assert isinstance(value, Encrypted) and value.type == "int"
    assert str(value) == "<encrypted:int>"


def test_syntax_error_keeps_what_was_read_before_it() -> None:
    parsed = parse_bytes(b"_metadata:\n  name: x\ngood: 1\nbad: [1,\nlater: 2\n", "f.yml")
    assert parsed.root is not None
    assert parsed.root.value["good"].value == 1
    assert parsed.root.value["_metadata"].plain() == {"name": "x"}
    [problem] = parsed.problems
    # libyaml notices the unclosed list only at the end of the stream.
    assert problem.code == "syntax" and problem.line == 6 and problem.file == "f.yml"
    assert problem.message.startswith("YAML syntax error")


def test_duplicate_key_reported_at_second_occurrence() -> None:
    parsed = parse_bytes(b"a: 1\nb: 2\na: 3\n", "f.yml")
    [problem] = parsed.problems
    assert (problem.code, problem.line, problem.column, problem.path) == (
        "duplicate-key",
        3,
        1,
        "a",
    )
    assert "line 1" in problem.message
    assert parsed.root is not None and parsed.root.value["a"].value == 3


def test_yaml11_ambiguities_are_warned() -> None:
    parsed = parse_bytes(b"a: yes\nb: 0755\nc: 1:30\nd: 'yes'\ne: 0\nf: 10\n", "f.yml")
    found = [(p.code, p.line, p.path) for p in parsed.problems]
    assert found == [("yaml11", 1, "a"), ("yaml11", 2, "b"), ("yaml11", 3, "c")]
    assert all(p.severity == "warning" for p in parsed.problems)


def test_non_utf8_bytes_are_located() -> None:
    parsed = parse_bytes(b"a: 1\nb: caf\xe9\n", "f.yml")
    [problem] = parsed.problems
    assert (problem.code, problem.line, problem.column) == ("syntax", 2, 7)
    assert "UTF-8" in problem.message and "0xe9" in problem.message


def test_empty_and_comment_only_files() -> None:
    for data in (b"", b"# nothing here\n", b"---\n"):
        parsed = parse_bytes(data, "f.yml")
        assert parsed.root is None
        assert codes(parsed.problems) == ["empty"]


def test_top_level_must_be_a_mapping() -> None:
    parsed = parse_bytes(b"- a\n- b\n", "f.yml")
    assert parsed.root is None
    assert codes(parsed.problems) == ["syntax"] and "mapping" in parsed.problems[0].message


def test_directory_missing_and_oversized_files_are_refused(tmp_path: Path) -> None:
    directory = tmp_path / "dir.yml"
    directory.mkdir()
    assert "is a directory" in read_file(directory, "dir.yml").problems[0].message
    assert "does not exist" in read_file(tmp_path / "no.yml", "no.yml").problems[0].message
    big = tmp_path / "big.yml"
    with big.open("wb") as handle:  # sparse: 50 MB without writing 50 MB
        handle.truncate(50 * 1024 * 1024)
    [problem] = read_file(big, "big.yml").problems
    assert problem.code == "io" and "refusing" in problem.message
    assert MAX_FILE_BYTES < 50 * 1024 * 1024


def test_alias_bomb_is_refused_not_expanded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    parsed = parse_bytes("\n".join(lines).encode(), "bomb.yml")
    assert any("alias bomb" in p.message for p in parsed.problems)
    assert parsed.problems[-1].line is not None


def test_shared_aliases_are_fine_below_the_bound() -> None:
    parsed = parse_bytes(b"base: &b {x: 1}\none: *b\ntwo:\n  <<: *b\n  y: 2\n", "f.yml")
    assert not parsed.problems
    assert parsed.root is not None
    assert parsed.root.plain() == {"base": {"x": 1}, "one": {"x": 1}, "two": {"y": 2, "x": 1}}
    assert parsed.root.value["one"].line == 2  # positioned at its own key, not the anchor


def test_nesting_ten_thousand_deep_is_cut_with_a_problem() -> None:
    for data in (b"[" * 10_000 + b"]" * 10_000, b"k: " + b"{a: " * 10_000 + b"}" * 10_000):
        parsed = parse_bytes(data, "deep.yml")
        assert any(f"deeper than {MAX_DEPTH}" in p.message for p in parsed.problems)


# -- positions on generated files -----------------------------------------------------

keys = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8)
scalars = st.one_of(
    st.integers(-1000, 1000), st.text(string.ascii_letters + " -", min_size=1, max_size=10)
)
trees = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.dictionaries(keys, children, min_size=1, max_size=4),
        st.lists(children, min_size=1, max_size=3),
    ),
    max_leaves=20,
)


def emit(value: object, indent: int, lines: list[str], expected: list[tuple[int, int]]) -> None:
    """Block YAML; records the (line, column) each mapping key and list item must get."""
    pad = " " * indent
    if isinstance(value, dict):
        for key, child in value.items():
            expected.append((len(lines) + 1, indent + 1))
            if isinstance(child, dict | list):
                lines.append(f"{pad}{key}:")
                emit(child, indent + 2, lines, expected)
            else:
                lines.append(f"{pad}{key}: {scalar_text(child)}")
    else:
        assert isinstance(value, list)
        for child in value:
            if isinstance(child, dict | list):
                # The item starts where its first entry does, on the line below.
                expected.append((len(lines) + 2, indent + 3))
                lines.append(f"{pad}- # item")
                emit(child, indent + 2, lines, expected)
            else:
                expected.append((len(lines) + 1, indent + 4))
                lines.append(f"{pad}-  {scalar_text(child)}")


def scalar_text(value: object) -> str:
    return str(value) if isinstance(value, int) else f"'{value}'"


def positions(node: Node, found: list[tuple[int, int]]) -> None:
    children = node.value.values() if node.kind == MAPPING else node.value
    for child in children:
        found.append((child.line, child.column))
        if child.kind in (MAPPING, SEQUENCE):
            positions(child, found)


@settings(max_examples=120, deadline=None)
@given(st.dictionaries(keys, trees, min_size=1, max_size=5))
def test_generated_files_round_trip_values_and_positions(tree: dict) -> None:
    lines: list[str] = []
    expected: list[tuple[int, int]] = []
    emit(tree, 0, lines, expected)
    parsed = parse_bytes(("\n".join(lines) + "\n").encode(), "gen.yml")
    assert not [p for p in parsed.problems if p.severity == "error"]
    assert parsed.root is not None
    assert parsed.root.plain() == tree
    found: list[tuple[int, int]] = []
    positions(parsed.root, found)
    assert found == expected, lines


def test_a_fifo_is_refused_not_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.yml"
    os.mkfifo(fifo)
    [problem] = read_file(fifo, "pipe.yml").problems
    assert problem.code == "io" and "not a regular file" in problem.message
