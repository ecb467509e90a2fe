"""Hostile and careless input: nothing hangs, nothing crashes, nothing is silently dropped.

One test per case found by trying confscope as an attacker and as a careless user.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import main
from core.configset import ConfigSet
from core.layerfiles import match_pattern
from core.loading import parse_bytes
from core.patterns import compile_user_regex

CONFSCOPE = Path(sys.executable).parent / "confscope"
EVIL = "^(a+)+$"
FORTY = "a" * 40 + "!"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE", "X"):
        monkeypatch.delenv(name, raising=False)


# -- nothing hangs: regexes ---------------------------------------------------------


def test_a_catastrophic_regex_runs_in_linear_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pattern, error = compile_user_regex(EVIL)
    assert error is None and pattern is not None
    assert pattern.search(FORTY) is None  # Python's re takes minutes on this
    monkeypatch.setenv("X", FORTY)
    write(
        tmp_path,
        {
            "confscope.toml": f"secret_keys = '{EVIL}'\n",
            "base.yml": f"{FORTY[:-1]}: 1\n",
            "overrides/o.yml": (
                f"_metadata:\n  conditions:\n    env:\n      X: {{regex: '{EVIL}'}}\n"
            ),
        },
    )
    resolution = ConfigSet(tmp_path).resolve()
    assert resolution.verdict("o") is not None and not resolution.verdict("o").active  # type: ignore[union-attr]


def test_an_undecodable_environment_value_is_matched_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """os.environ keeps bytes that are not UTF-8 as lone surrogates; RE2 wants UTF-8."""
    monkeypatch.setenv("X", "a\udcff")
    write(
        tmp_path,
        {
            "base.yml": "a: 1\n",
            "overrides/o.yml": "_metadata:\n  conditions:\n    env:\n      X: {regex: '^a'}\n",
        },
    )
    verdict = ConfigSet(tmp_path).resolve().verdict("o")
    assert verdict is not None and verdict.active


@pytest.mark.parametrize(
    ("pattern", "named"),
    [
        ("(?=password)", "lookahead or lookbehind"),
        ("(?<!x)secret", "lookahead or lookbehind"),
        (r"(a)\1", "a backreference"),
        ("(?P<k>a)(?P=k)", "a backreference"),
    ],
)
def test_constructs_re2_lacks_are_named_at_their_line(
    tmp_path: Path, pattern: str, named: str
) -> None:
    write(tmp_path, {"confscope.toml": f"\nsecret_keys = '{pattern}'\n", "base.yml": "a: 1\n"})
    problems = ConfigSet(tmp_path).resolve().problems
    [problem] = [p for p in problems if p.path == "secret_keys"]
    assert (problem.file, problem.line, problem.severity) == ("confscope.toml", 2, "error")
    assert named in problem.message and "RE2" in problem.message


def test_python_end_of_text_is_kept_and_bad_syntax_is_explained() -> None:
    pattern, error = compile_user_regex(r"(?i)token\Z")
    assert error is None and pattern is not None
    assert pattern.search("API_TOKEN") and not pattern.search("tokens")
    assert compile_user_regex(r"\\Z")[0] is not None  # a literal backslash, then Z
    _, error = compile_user_regex("(unclosed")
    assert error is not None and error.startswith("is not a valid regular expression (")


# -- nothing hangs: globs -----------------------------------------------------------


def test_symlink_cycles_in_a_recursive_pattern_end(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "confscope.toml": 'overrides = ["overrides/**/*.yml"]\n',
            "base.yml": "a: 1\n",
            "overrides/deep/x.yml": "a: 2\n",
        },
    )
    os.symlink(".", tmp_path / "overrides" / "a")
    os.symlink(".", tmp_path / "overrides" / "b")
    os.symlink("..", tmp_path / "overrides" / "deep" / "up")
    found = match_pattern(tmp_path, "overrides/**/*.yml")
    assert [p.resolve() for p in found.files] == [(tmp_path / "overrides/deep/x.yml").resolve()]
    resolution = ConfigSet(tmp_path).resolve()
    assert [layer.display for layer in resolution.layers] == ["base.yml", "overrides/deep/x.yml"]


def test_a_directory_link_out_of_the_set_is_not_followed(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"o.yml": "a: 1\n"})
    root = write(tmp_path / "set", {"base.yml": "a: 1\n", "overrides/x.yml": "a: 2\n"})
    os.symlink(outside, root / "overrides" / "escape")
    found = match_pattern(root, "overrides/**/*.yml")
    assert [p.name for p in found.files] == ["x.yml"]


def test_patterns_leaving_the_set_are_warnings_and_the_disk_is_not_walked(
    tmp_path: Path,
) -> None:
    root = write(tmp_path / "set", {"base.yml": "a: 1\n"})
    write(tmp_path, {"shared.yml": "a: 2\n"})
    whole_disk = match_pattern(root, "/**/*.yml")
    assert whole_disk.files == [] and "not searched" in whole_disk.warnings[0]
    beside = match_pattern(root, "../*.yml")
    assert [p.name for p in beside.files] == ["shared.yml"]
    assert "outside the config set" in beside.warnings[0]
    (root / "confscope.toml").write_text('overrides = ["/**/*.yml"]\n')
    problems = ConfigSet(root).resolve().problems
    assert [p.severity for p in problems if p.path == "overrides"] == ["warning"]
    assert [p.line for p in problems if p.path == "overrides"] == [1]


def test_matches_that_cannot_be_layers_are_named(tmp_path: Path) -> None:
    write(tmp_path, {"base.yml": "a: 1\n", "overrides/good.yml": "a: 2\n"})
    (tmp_path / "overrides" / "dir.yml").mkdir()
    os.symlink("loop.yml", tmp_path / "overrides" / "loop.yml")
    os.symlink("nowhere", tmp_path / "overrides" / "dangling.yml")
    problems = {p.file: p for p in ConfigSet(tmp_path).resolve().problems}
    assert problems["overrides/dir.yml"].severity == "warning"
    assert "is a directory" in problems["overrides/dir.yml"].message
    assert "loops" in problems["overrides/loop.yml"].message
    assert "broken symbolic link" in problems["overrides/dangling.yml"].message
    assert problems["overrides/loop.yml"].severity == "error"


# -- nothing crashes ----------------------------------------------------------------

HUGE = "9" * 5000


def test_integers_past_the_conversion_limit_are_located_strings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        {
            "base.yml": (
                f"keep: 1\nhex: 0x{'f' * 4000}\nplain: {HUGE}\ndefault: ${{X:-{HUGE}}}\n"
                f"tagged: !!int {HUGE}\nfine: {'9' * 4300}\n"
            ),
            "overrides/o.yml": f"_metadata:\n  priority: {HUGE}\nlayer: kept\n",
        },
    )
    resolution = ConfigSet(tmp_path).resolve()
    located = {(p.file, p.line) for p in resolution.errors if "digits" in p.message}
    assert located == {
        ("base.yml", 2),
        ("base.yml", 3),
        ("base.yml", 4),
        ("base.yml", 5),
        ("overrides/o.yml", 2),
    }
    plain = resolution.plain()
    assert plain["keep"] == 1 and plain["layer"] == "kept"
    assert plain["plain"] == HUGE and plain["fine"] == int("9" * 4300)
    code, out, _ = cli(capsys, "-C", str(tmp_path), "show", "--format", "json")
    assert code == 0 and json.loads(out)["plain"] == HUGE
    assert cli(capsys, "-C", str(tmp_path), "validate")[0] == 1


def test_infinity_and_nan_make_valid_json_and_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"base.yml": "a: .inf\nb: -.Inf\nc: .nan\nd: [1, .inf]\n"})
    code, out, err = cli(capsys, "-C", str(tmp_path), "show", "--format", "json")
    assert code == 0
    assert json.loads(out) == {"a": ".inf", "b": "-.inf", "c": ".nan", "d": [1, ".inf"]}
    assert "warning" in err and "d[1]" in err
    code, out, _ = cli(capsys, "-C", str(tmp_path), "why", "a", "--format", "json")
    assert code == 0 and json.loads(out)["value"] == ".inf"


def test_nul_bytes_and_long_names_in_the_manifest_are_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long = "x" * 5000
    write(
        tmp_path,
        {
            "confscope.toml": (
                f'base = ["base.yml", "a\\u0000b.yml", "{long}.yml"]\n'
                f'overrides = ["over\\u0000rides/*.yml", "{long}/*.yml"]\n'
                'schema = "sch\\u0000ema.py:Config"\n'
            ),
            "base.yml": "a: 1\n",
        },
    )
    resolution = ConfigSet(tmp_path).resolve()
    messages = [p.message for p in resolution.problems]
    assert any("NUL byte" in m and "'base'" in m for m in messages)
    assert any("NUL byte" in m and "'schema'" in m for m in messages)
    assert any("cannot be read" in m and "too long" in m for m in messages)
    assert resolution.plain() == {"a": 1}
    code, _, err = cli(capsys, "-C", str(tmp_path), "validate")
    assert code == 2 and "fix confscope.toml first" in err and "internal error" not in err


def test_nul_bytes_and_long_names_in_dash_c_are_usage_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for directory in ("a\x00b", "d" * 5000):
        code, _, err = cli(capsys, "-C", directory, "show")
        assert code == 2 and err.startswith("confscope: -C") and len(err) < 200


def test_a_manifest_nested_too_deep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"confscope.toml": "a = " + "[" * 5000 + "]" * 5000 + "\n"})
    write(tmp_path, {"base.yml": "a: 1\n"})
    problems = ConfigSet(tmp_path).resolve().problems
    assert any("too deeply" in p.message and p.file == "confscope.toml" for p in problems)
    code, _, err = cli(capsys, "-C", str(tmp_path), "show")
    assert code == 2 and "internal error" not in err


def test_a_manifest_that_is_not_a_file_is_not_silently_ignored(tmp_path: Path) -> None:
    write(tmp_path, {"base.yml": "a: 1\n"})
    os.mkfifo(tmp_path / "confscope.toml")  # reading it would block forever
    problems = ConfigSet(tmp_path).resolve().problems
    assert [(p.file, p.severity) for p in problems] == [("confscope.toml", "error")]


def test_why_with_unicode_digits_and_an_empty_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path, {"base.yml": "a: [1, 2]\n"})
    code, _, err = cli(capsys, "-C", str(tmp_path), "why", "a[²]")
    assert code == 1 and "no key" in err
    code, _, err = cli(capsys, "-C", str(tmp_path), "why", "")
    assert code == 2 and "why wants a key" in err


def test_why_exits_1_when_the_value_has_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"base.yml": "good: 1\nbad: ${NOT_SET_FOR_THIS_TEST}\n"})
    assert cli(capsys, "-C", str(tmp_path), "why", "good")[0] == 0
    code, out, _ = cli(capsys, "-C", str(tmp_path), "why", "bad")
    assert code == 1 and "NOT_SET_FOR_THIS_TEST" in out


def test_unset_env_with_a_value_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "-C", ".", "--unset-env", "X=1", "show")
    assert code == 2 and "--unset-env wants a variable NAME" in err


# -- unreadable directories: as a user who cannot read them -------------------------


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A directory another user can reach (pytest's tmp_path is private to us)."""
    path = Path(tempfile.mkdtemp(prefix="confscope-hostile-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for inner in path.rglob("*"):
            if inner.is_dir() and not inner.is_symlink():
                inner.chmod(0o755)
        shutil.rmtree(path)


def as_another_user(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed confscope, run by someone the permissions apply to.

    root reads everything, so as root (CI) the command runs as `nobody` through
    setpriv; any other user is held back by the permissions already.
    """
    command = [str(CONFSCOPE), *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to drop root for this test"
        command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": "/nonexistent"}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_an_unreadable_set_directory_is_a_clear_refusal(shared_tmp: Path) -> None:
    root = write(shared_tmp / "set", {"base.yml": "a: 1\n"})
    root.chmod(0o711)  # can be entered, not listed
    result = as_another_user("-C", str(root), "show")
    assert result.returncode == 2, result.stderr
    assert "cannot be read" in result.stderr and "internal error" not in result.stderr
    root.chmod(0o000)
    result = as_another_user("-C", str(root), "show")
    assert result.returncode == 2 and "internal error" not in result.stderr


def test_an_unreadable_overrides_directory_is_not_silently_empty(shared_tmp: Path) -> None:
    root = write(shared_tmp / "set", {"base.yml": "a: 1\n", "overrides/o.yml": "a: 2\n"})
    for path in (shared_tmp, root, root / "base.yml", root / "overrides" / "o.yml"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (root / "overrides").chmod(0o000)
    result = as_another_user("-C", str(root), "validate")
    assert result.returncode == 2, result.stderr
    assert "overrides cannot be read" in result.stderr
    assert "matches no file" not in result.stdout + result.stderr


# -- nothing silently ignored -------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("environmnet: production", "unknown condition 'environmnet'"),
        ("override_type: []", "empty list"),
        ("requires: {a: b}", "must be a name or a list of names"),
        ("env:\n      X: {regex: '(unclosed'}", "not a valid regular expression"),
    ],
)
def test_conditions_that_cannot_be_read_fail_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], condition: str, words: str
) -> None:
    write(
        tmp_path,
        {"base.yml": "a: 1\n", "overrides/o.yml": f"_metadata:\n  conditions:\n    {condition}\n"},
    )
    code, out, _ = cli(capsys, "-C", str(tmp_path), "validate")
    assert code == 1
    assert "overrides/o.yml:" in out and words in out


def test_an_env_or_type_no_layer_names_is_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(
        tmp_path,
        {
            "base.yml": "a: 1\n",
            "overrides/d.yml": "_metadata:\n  conditions:\n    override_type: docker\n"
            "    environment: [staging, production]\n",
        },
    )
    code, out, _ = cli(capsys, "-C", str(tmp_path), "--type", "dcoker", "--env", "prod", "validate")
    assert code == 0
    assert "--type 'dcoker' is not named by any layer's conditions (did you mean 'docker'?)" in out
    assert "override types they name are docker" in out
    assert "the environments they name are production, staging" in out
    code, out, _ = cli(capsys, "-C", str(tmp_path), "--type", "docker", "validate")
    assert "not named" not in out


# -- YAML edge cases ----------------------------------------------------------------


def test_an_anchor_on_a_mapping_key_is_registered() -> None:
    parsed = parse_bytes(b"x: &a old\n&a key: value\nother: *a\n", "f.yml")
    assert parsed.problems == []
    assert parsed.root is not None and parsed.root.plain() == {
        "x": "old",
        "key": "value",
        "other": "key",
    }
    parsed = parse_bytes(b"&n 12: x\ny: *n\n", "f.yml")
    assert parsed.root is not None and parsed.root.plain() == {"12": "x", "y": 12}


def test_the_non_specific_tag_makes_a_string() -> None:
    parsed = parse_bytes(b"a: ! 12\nb: ! true\nc: ! null\n", "f.yml")
    assert parsed.problems == []
    assert parsed.root is not None and parsed.root.plain() == {"a": "12", "b": "true", "c": "null"}
