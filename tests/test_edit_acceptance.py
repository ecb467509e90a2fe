"""Acceptance checks of `confscope set` / `unset` on config sets built here, as a
demanding user would type them: the answers that were wrong once stay right."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli.main import main
from core.model import Problem

SCHEMA = """\
from pydantic import BaseModel, Field

class Server(BaseModel):
    port: int = Field(ge=1, le=65535)
    host: str = "localhost"
    version: str = "1"

class AppConfig(BaseModel):
    server: Server
"""


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE", "CI"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["-C", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def make_set(tmp_path: Path, base: str, **overrides: str) -> Path:
    root = tmp_path / "set"
    (root / "overrides").mkdir(parents=True)
    (root / "base.yml").write_text(base)
    for name, text in overrides.items():
        (root / "overrides" / f"{name}.yml").write_text(text)
    return root


def with_schema(root: Path) -> Path:
    (root / "confscope.toml").write_text(
        'base = ["base.yml"]\noverrides = ["overrides/*.yml"]\nschema = "schema.py:AppConfig"\n'
    )
    (root / "schema.py").write_text(SCHEMA)
    return root


def test_multi_line_text_keeps_its_line_breaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_set(tmp_path, "tls:\n  cert: none\n  name: x\n")
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    code, _, err = run(capsys, root, "set", "tls.cert", pem)
    assert code == 0, err
    code, out, _ = run(capsys, root, "show", "--format", "json")
    assert code == 0
    import json

    assert json.loads(out)["tls"]["cert"] == pem


def test_multi_line_text_replaces_a_block_scalar_as_a_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_set(tmp_path, "motd: |\n  hello\n  world\nnext: 1\n")
    code, _, err = run(capsys, root, "set", "motd", "one\ntwo\n")
    assert code == 0, err
    assert (root / "base.yml").read_text() == "motd: |\n  one\n  two\nnext: 1\n"


def test_a_new_key_goes_to_the_only_active_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_set(tmp_path, "server:\n    port: 8080\n")
    code, out, err = run(capsys, root, "set", "server.tls.enabled", "true")
    assert code == 0, err
    assert "base.yml" in out
    assert (root / "base.yml").read_text() == (
        "server:\n    port: 8080\n    tls:\n        enabled: true\n"
    )


def test_a_new_key_with_several_layers_asks_which_one_and_names_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_set(tmp_path, "a: 1\n", local="_metadata:\n  priority: 5\nb: 2\n")
    before = (root / "base.yml").read_bytes(), (root / "overrides/local.yml").read_bytes()
    code, out, err = run(capsys, root, "set", "c.d", "1")
    assert code == 1 and out == ""
    assert "--layer" in err and "base" in err and "local" in err
    assert err.count("c.d") == 1  # said once, not "c.d: c.d is …"
    after = (root / "base.yml").read_bytes(), (root / "overrides/local.yml").read_bytes()
    assert after == before


@pytest.mark.parametrize("key", ["servers.0.port", "servers.1.port"])
def test_a_list_item_can_be_named_with_a_dotted_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    root = make_set(tmp_path, "servers:\n  - name: a\n    port: 1\n  - name: b\n    port: 2\n")
    code, out, err = run(capsys, root, "set", key, "99")
    assert code == 0, err
    index = int(key.split(".")[1])
    assert f"servers[{index}].port" in out
    text = (root / "base.yml").read_text()
    assert text.count("port: 99") == 1
    code, out, err = run(capsys, root, "unset", key)
    assert code == 0, err
    assert "port: 99" not in (root / "base.yml").read_text()


def test_a_dotted_index_into_a_mapping_stays_a_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_set(tmp_path, 'codes:\n  "0": ok\n')
    code, _, err = run(capsys, root, "set", "codes.0", "fine")
    assert code == 0, err
    assert (root / "base.yml").read_text() == 'codes:\n  "0": fine\n'


def test_the_schema_refuses_with_its_message_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = with_schema(make_set(tmp_path, "server:\n  port: 8080\n"))
    before = (root / "base.yml").read_bytes()
    code, out, err = run(capsys, root, "--trust", "set", "server.port", "abc")
    assert code == 1 and out == ""
    assert "valid integer" in err and "base.yml:2:" in err
    assert (root / "base.yml").read_bytes() == before


def test_a_number_typed_for_a_text_field_is_written_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = with_schema(make_set(tmp_path, "server:\n  port: 8080\n  host: db\n  version: '1'\n"))
    code, _, err = run(capsys, root, "--trust", "set", "server.host", "5")
    assert code == 0, err
    code, _, err = run(capsys, root, "--trust", "set", "server.version", "1.10")
    assert code == 0, err
    text = (root / "base.yml").read_text()
    assert 'host: "5"' in text and "version: '1.10'" in text
    code, _, err = run(capsys, root, "--trust", "validate")
    assert code == 0, err


def test_an_untrusted_schema_is_said_not_to_have_checked_the_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = with_schema(make_set(tmp_path, "server:\n  port: 8080\n"))
    code, _, err = run(capsys, root, "set", "server.port", "8081")
    assert code == 0
    assert "not checked" in err and "trust" in err


@pytest.mark.parametrize(
    ("base", "args", "line"),
    [
        ("a:\n  b: &x 1\n  c: 2\nd: *x\n", ["unset", "a"], 2),
        ("a:\n  b: &x 1\n  c: 2\nd: *x\n", ["unset", "a", "--directive"], 2),
        ("defaults: &d\n  t: 1\nsvc:\n  <<: *d\n", ["unset", "defaults"], 1),
        ("l:\n  - &i item\n  - other\nm: *i\n", ["unset", "l"], 2),
    ],
)
def test_removing_an_anchor_that_others_use_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], base: str, args: list[str], line: int
) -> None:
    root = make_set(tmp_path, base)
    code, out, err = run(capsys, root, *args)
    assert code == 1 and out == ""
    assert "anchored as &" in err and f"base.yml:{line}:" in err
    assert (root / "base.yml").read_text() == base


def test_a_tagged_value_keeps_its_tag_and_says_what_it_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_set(tmp_path, "zip: !!str 01234\n")
    code, _, err = run(capsys, root, "set", "zip", "56789")
    assert code == 1
    assert "tagged !!str at line 1" in err and "--string" in err and "beyond" not in err
    code, _, err = run(capsys, root, "set", "zip", "56789", "--string")
    assert code == 0, err
    assert (root / "base.yml").read_text().startswith("zip: !!str ")


@pytest.mark.parametrize("typed", ["#ff0000", "x #1 fan", "8080 # port"])
def test_text_with_a_hash_is_kept_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str
) -> None:
    root = make_set(tmp_path, "color: blue\n")
    code, _, err = run(capsys, root, "set", "color", typed)
    assert code == 0, err
    code, out, _ = run(capsys, root, "show", "--format", "json")
    import json

    assert json.loads(out)["color"] == typed


LOCAL = "_metadata:\n  priority: 10\nredis:\n  sentinel: !unset\n  port: 7000\n"


def test_set_without_layer_replaces_the_unset_that_removed_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_set(tmp_path, "redis:\n  sentinel: on-base\n  port: 6379\n", local=LOCAL)
    code, out, err = run(capsys, root, "set", "redis.sentinel", "s1")
    assert code == 0, err
    assert "overrides/local.yml" in out
    assert "  sentinel: s1\n" in (root / "overrides/local.yml").read_text()


def test_unset_of_a_key_an_unset_removed_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_set(tmp_path, "redis:\n  sentinel: on-base\n", local=LOCAL)
    code, _, err = run(capsys, root, "unset", "redis.sentinel")
    assert code == 1
    assert "!unset" in err and "overrides/local.yml:4" in err


def test_setting_under_a_higher_layer_warns_that_the_value_will_not_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_set(tmp_path, "redis:\n  sentinel: on-base\n  port: 6379\n", local=LOCAL)
    code, _, err = run(capsys, root, "set", "redis.port", "6380", "--layer", "base")
    assert code == 0
    assert "warning:" in err and "local" in err and "overrides/local.yml:5" in err
    code, _, err = run(capsys, root, "set", "redis.sentinel", "s2", "--layer", "base")
    assert code == 0
    assert "warning:" in err and "!unset" in err and "overrides/local.yml:4" in err


@pytest.mark.parametrize(
    ("base", "args", "after"),
    [
        # an empty list item: the value goes after the dash, not into it (`-5`)
        ("a:\n  - \n  - 5\n", ["set", "a[0]", "5"], "a:\n  - 5\n  - 5\n"),
        ("a:\n-\n- x\n", ["set", "a[0]", "with space"], "a:\n- with space\n- x\n"),
        # a tag in a flow collection needs a space before ',', ']' or '}'
        ("a: {x: 1, y: 2}\n", ["unset", "a.x", "--directive"], "a: {x: !unset , y: 2}\n"),
        ("a: {x: 1, y: 2}\n", ["unset", "a.y", "--directive"], "a: {x: 1, y: !unset }\n"),
        ("a: {x: 1}\n", ["unset", "a.z", "--directive", "--layer", "base"], None),
        ("a: [1, 2]\n", ["unset", "a[0]", "--directive"], "a: [!unset , 2]\n"),
        # a flow mapping at the top: the comma goes with the entry
        ("{a: 1, b: 2}\n", ["unset", "a"], "{b: 2}\n"),
        ("{a: 1, b: 2}\n", ["unset", "b"], "{a: 1}\n"),
    ],
)
def test_edits_in_tight_spots(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    base: str,
    args: list[str],
    after: str | None,
) -> None:
    root = make_set(tmp_path, base)
    code, _, err = run(capsys, root, *args)
    assert code == 0, err
    if after is not None:
        assert (root / "base.yml").read_text() == after
    code, _, err = run(capsys, root, "validate")
    assert "syntax" not in err and "unknown tag" not in err


def test_removing_the_first_key_of_a_list_item_keeps_the_next_keys_comment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = "items:\n  - name: a   # the name\n    # about port\n    port: 1\n  - name: b\n"
    root = make_set(tmp_path, base)
    code, _, err = run(capsys, root, "unset", "items[0].name")
    assert code == 0, err
    assert (root / "base.yml").read_text() == ("items:\n  # about port\n  - port: 1\n  - name: b\n")


@pytest.mark.parametrize("args", [["set", "", "5"], ["set", ".", "5"], ["unset", ""]])
def test_an_empty_key_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    root = make_set(tmp_path, "a: 1\n")
    code, _, err = run(capsys, root, *args)
    assert code == 2 and "wants a key" in err


def test_a_value_secret_by_name_is_not_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_set(tmp_path, "database:\n  password: old\n")
    code, out, err = run(capsys, root, "set", "database.password", "hunter2")
    assert code == 0, err
    assert "hunter2" not in out + err and "<secret>" in out
    assert "password: hunter2" in (root / "base.yml").read_text()


@pytest.mark.parametrize("named", ["overrides/local.yml", "local.yml"])
def test_layer_can_be_named_by_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], named: str
) -> None:
    root = make_set(tmp_path, "a: 1\n", local="_metadata:\n  priority: 5\nb: 2\n")
    code, out, err = run(capsys, root, "set", "a", "3", "--layer", named)
    assert code == 0, err
    assert "overrides/local.yml" in out
    assert (root / "overrides/local.yml").read_text().endswith("b: 2\na: 3\n")


@pytest.mark.parametrize(
    ("base", "key", "after"),
    [
        ("codes:\n  200: ok\n", "codes.500", "codes:\n  200: ok\n  500: err\n"),
        ("codes: {200: ok}\n", "codes.500", "codes: {200: ok, 500: err}\n"),
        ("codes:\n  a: ok\n", "codes.500", 'codes:\n  a: ok\n  "500": err\n'),
    ],
)
def test_a_new_number_key_is_written_as_its_siblings_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], base: str, key: str, after: str
) -> None:
    root = make_set(tmp_path, base)
    code, _, err = run(capsys, root, "set", key, "err")
    assert code == 0, err
    assert (root / "base.yml").read_text() == after


@pytest.mark.parametrize(
    ("base", "after"),
    [
        ("---\n", "---\na:\n  b: 1\n"),
        ("---\n# group vars\n", "---\n# group vars\na:\n  b: 1\n"),
        ("%YAML 1.2\n---\n", "%YAML 1.2\n---\na:\n  b: 1\n"),
        ("\ufeff# only a comment", "\ufeff# only a comment\na:\n  b: 1\n"),
    ],
)
def test_a_file_with_no_keys_yet_takes_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], base: str, after: str
) -> None:
    root = make_set(tmp_path, base)
    code, _, err = run(capsys, root, "set", "a.b", "1")
    assert code == 0, err
    assert (root / "base.yml").read_text() == after


def test_a_key_the_schema_forbids_is_refused_with_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = with_schema(make_set(tmp_path, "server:\n  port: 8080\n"))
    schema = root / "schema.py"
    schema.write_text(
        schema.read_text().replace(
            "class Server(BaseModel):\n",
            "class Server(BaseModel):\n    model_config = {'extra': 'forbid'}\n",
        )
    )
    before = (root / "base.yml").read_bytes()
    code, _, err = run(capsys, root, "--trust", "set", "server.prot", "1")
    assert code == 1
    assert "no key 'prot' in server; did you mean 'port'?" in err
    assert (root / "base.yml").read_bytes() == before


def test_a_key_the_schema_ignores_is_written_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = with_schema(make_set(tmp_path, "server:\n  port: 8080\n"))
    code, _, err = run(capsys, root, "--trust", "set", "server.prot", "1")
    assert code == 0
    assert "warning:" in err and "'prot' in server" in err and "'port'" in err
    assert "prot: 1" in (root / "base.yml").read_text()


@pytest.mark.parametrize("typed", ["x\u2028y", "x\u0085y", "x\u2029y"])
def test_unicode_line_breaks_are_kept_and_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str
) -> None:
    root = make_set(tmp_path, "a: x\n")
    code, _, err = run(capsys, root, "set", "a", typed)
    assert code == 0, err
    assert "\n" not in (root / "base.yml").read_text()[:-1]  # one line, escaped
    code, out, _ = run(capsys, root, "show", "--format", "json")
    import json

    assert json.loads(out)["a"] == typed


def test_a_template_that_does_not_expand_is_written_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONFSCOPE_TEST_NOPE", raising=False)
    root = make_set(tmp_path, "a: 1\n")
    code, _, err = run(capsys, root, "set", "a", "${CONFSCOPE_TEST_NOPE}")
    assert code == 0
    assert "warning:" in err and "CONFSCOPE_TEST_NOPE is not set" in err
    assert (root / "base.yml").read_text() == "a: ${CONFSCOPE_TEST_NOPE}\n"
    code, _, err = run(capsys, root, "set", "a", "${CONFSCOPE_TEST_NOPE:-1}")
    assert code == 0 and "warning" not in err


def test_the_file_api_takes_text_paths_too(tmp_path: Path) -> None:
    from core.editing import plan_remove, plan_set, write_plan

    file = tmp_path / "f.yml"
    file.write_text("a:\n  b: 1\n")
    plan = plan_set(str(file), "f.yml", "a.b", 2)
    assert not isinstance(plan, Problem)
    assert write_plan(plan).written and file.read_text() == "a:\n  b: 2\n"
    removal = plan_remove(str(file), "f.yml", "a.b")
    assert not isinstance(removal, Problem) and removal.after == b""


def test_prepare_set_takes_a_python_value(tmp_path: Path) -> None:
    from core import ConfigSet
    from core.editing import prepare_set, write_plan

    root = make_set(tmp_path, "a: 1\nb: x\n")
    config = ConfigSet(root)
    resolution = config.resolve(config.context())
    for key, value, written in (("a", 5, "a: 5\n"), ("b", True, "b: true\n")):
        plan = prepare_set(config, resolution, key, value)
        assert not isinstance(plan, Problem), plan
        assert write_plan(plan).written
        assert written in (root / "base.yml").read_text()
        resolution = config.resolve(config.context())


@pytest.mark.parametrize(
    ("args", "after"),
    [
        (["set", "a.k", "a, b"], 'a: {x: 1, k: "a, b"}\nb: [1, 2]\n'),
        (["set", "a.k", "x]"], 'a: {x: 1, k: "x]"}\nb: [1, 2]\n'),
        (["set", "a.k", "0?"], 'a: {x: 1, k: "0?"}\nb: [1, 2]\n'),
        (["set", "b[0]", "0?"], 'a: {x: 1}\nb: ["0?", 2]\n'),
        (["set", "a.k.m", "q}"], 'a: {x: 1, k: {m: "q}"}}\nb: [1, 2]\n'),
    ],
)
def test_text_in_a_flow_collection_is_quoted_when_it_must_be(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], after: str
) -> None:
    root = make_set(tmp_path, "a: {x: 1}\nb: [1, 2]\n")
    code, _, err = run(capsys, root, *args)
    assert code == 0, err
    assert (root / "base.yml").read_text() == after


def test_an_appended_item_is_edited_where_its_layer_writes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = "_metadata:\n  priority: 5\ntags: !append [c]\n"
    root = make_set(tmp_path, "tags: [a, b]\n", local=local)
    code, out, err = run(capsys, root, "set", "tags[2]", "z")
    assert code == 0, err
    assert "set tags[2] = z in overrides/local.yml:3" in out
    assert (root / "overrides/local.yml").read_text().endswith("tags: !append [z]\n")
    assert (root / "base.yml").read_text() == "tags: [a, b]\n"
    code, out, err = run(capsys, root, "unset", "tags[2]")
    assert code == 0, err
    assert (root / "overrides/local.yml").read_text() == "_metadata:\n  priority: 5\n"


def test_an_item_under_a_prepend_keeps_its_own_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = "_metadata:\n  priority: 5\ntags: !prepend\n  - p1\n"
    root = make_set(tmp_path, "tags: [a, b]\n", local=local)
    code, _, err = run(capsys, root, "set", "tags[2]", "q")  # base's item 1
    assert code == 0, err
    assert "warning" not in err
    assert (root / "base.yml").read_text() == "tags: [a, q]\n"


def test_a_number_over_text_is_written_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_set(tmp_path, 'versions: ["3.10", "3.11"]\nport: ${PORT:-80}\n')
    code, _, err = run(capsys, root, "set", "versions[1]", "3.12")
    assert code == 0
    assert "was text" in err and "--string" in err
    assert (root / "base.yml").read_text().startswith('versions: ["3.10", 3.12]\n')
    code, _, err = run(capsys, root, "set", "port", "81")
    assert code == 0 and "warning" not in err


@pytest.mark.parametrize("args", [["set", "a", "5"], ["unset", "b"], ["set", "d", "1"]])
def test_a_file_with_a_syntax_error_anywhere_is_not_edited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    root = make_set(tmp_path, "a: 1\nb: 2\nc: [\n")
    before = (root / "base.yml").read_bytes()
    code, _, err = run(capsys, root, *args)
    assert code == 1
    assert "syntax error at line 4" in err and "fix it before editing" in err
    assert (root / "base.yml").read_bytes() == before


def test_the_file_api_does_not_edit_a_file_with_a_syntax_error(tmp_path: Path) -> None:
    from core.editing import plan_remove, plan_set

    file = tmp_path / "f.yml"
    file.write_text("a: 1\nb: 2\nc: [\n")
    for plan in (plan_set(file, "f.yml", ("a",), 5), plan_remove(file, "f.yml", ("b",))):
        assert isinstance(plan, Problem)
        assert "syntax error at line 4" in plan.message


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="giving a file to another owner needs root (as a sudo edit is)",
)
def test_an_edit_keeps_the_files_owner(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_set(tmp_path, "a: 1\n")
    file = root / "base.yml"
    os.chown(file, 1, 1)
    code, _, err = run(capsys, root, "set", "a", "2")
    assert code == 0, err
    assert (file.stat().st_uid, file.stat().st_gid) == (1, 1)


@pytest.mark.parametrize(
    ("typed", "written"),
    [("0o600", "0o600"), ("0x1F", "0x1F"), ("1e3", "1e3"), ("0755", "755"), ("+5", "+5")],
)
def test_a_number_is_written_as_typed_unless_yaml_1_1_reads_it_otherwise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typed: str, written: str
) -> None:
    root = make_set(tmp_path, "mode: 0o640\n")
    code, _, err = run(capsys, root, "set", "mode", typed)
    assert code == 0, err
    assert (root / "base.yml").read_text() == f"mode: {written}\n"


def test_command_line_flags_stay_plain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_set(tmp_path, "args: [--strict, -ra]\nflag: --verbose\n")
    for args in (["set", "--", "args[1]", "-q"], ["set", "--", "flag", "--quiet"]):
        code, _, err = run(capsys, root, *args)
        assert code == 0, err
    assert (root / "base.yml").read_text() == "args: [--strict, -q]\nflag: --quiet\n"
