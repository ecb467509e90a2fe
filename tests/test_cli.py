"""The command line: formats, exit codes, and that script commands stay light."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main

SAMPLES = str(Path(__file__).resolve().parent.parent / "sample_configs")


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE", "CI", "NVIDIA_VISIBLE_DEVICES"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_why_answers_in_one_readable_screen(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-C", SAMPLES, "--type", "docker", "why", "database.pool.max_size")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("database.pool.max_size = ")
    assert "docker  overrides/docker.yml:" in lines[1]
    assert any(line.strip().startswith("base ") and "base.yml:" in line for line in lines)
    assert len(lines) < 20


def test_why_shows_variables_read(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-C", SAMPLES, "why", "database.port")
    assert code == 0
    assert "${DB_PORT} = unset  → default used" in out


def test_why_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "-C",
        SAMPLES,
        "--type",
        "docker",
        "--set-env",
        "DB_PORT=6000",
        "why",
        "database.port",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0
    assert set(data) >= {
        "path",
        "value",
        "layer",
        "file",
        "line",
        "column",
        "directive",
        "overridden",
        "interpolation",
    }
    assert data["value"] == 6000 and data["path"] == "database.port"
    assert data["interpolation"] == [
        {"variable": "DB_PORT", "value": "6000", "used_default": False}
    ]
    for item in data["overridden"]:
        assert set(item) >= {"layer", "file", "line", "column", "value"}


def test_why_unknown_key_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "-C", SAMPLES, "why", "database.pool.max_sise")
    assert code == 1
    assert "did you mean database.pool.max_size" in err


def test_validate_exit_codes_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "-C", SAMPLES, "--type", "docker", "validate")[0] == 0
    code, out, _ = run(capsys, "-C", SAMPLES, "--type", "broken", "validate", "--format", "json")
    assert code == 1
    problems = json.loads(out)
    assert problems and all(
        set(p) >= {"severity", "path", "message", "file", "line", "column", "layer"}
        for p in problems
    )
    code, out, _ = run(capsys, "-C", SAMPLES, "--type", "broken", "validate", "--format", "github")
    assert code == 1
    assert all(line.startswith(("::error file=", "::warning file=")) for line in out.splitlines())
    assert "::error file=overrides/broken.yml,line=25,col=3" in out


def test_validate_all_types_covers_broken(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-C", SAMPLES, "validate", "--all-types", "--format", "json")
    assert code == 1
    types = {p["override_type"] for p in json.loads(out)}
    assert types == {"broken"}


def test_show_formats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-C", SAMPLES, "--type", "docker", "show", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["database"]["pool"]["max_size"] == 10
    assert "_metadata" not in data
    code, out, _ = run(capsys, "-C", SAMPLES, "show", "--format", "env")
    assert code == 0 and "DATABASE__PORT=5432" in out.splitlines()
    code, out, _ = run(capsys, "-C", SAMPLES, "--type", "docker", "show", "--sources")
    assert code == 0 and "# docker overrides/docker.yml:" in out


def test_show_yaml_reads_back_as_the_same_config(capsys: pytest.CaptureFixture[str]) -> None:
    from ruamel.yaml import YAML

    code, out_yaml, _ = run(capsys, "-C", SAMPLES, "--type", "docker", "show")
    assert code == 0
    loaded = YAML(typ="safe", pure=True).load(out_yaml)
    _, out_json, _ = run(capsys, "-C", SAMPLES, "--type", "docker", "show", "--format", "json")
    assert loaded == json.loads(out_json)
    assert list(loaded) == list(json.loads(out_json))  # key order kept


def test_show_starts_a_list_item_on_its_dash_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from ruamel.yaml import YAML

    text = "servers:\n  - host: a\n    tags: [x]\n  - - 1\n    - 2\n  - {}\n  - - - deep\n"
    (tmp_path / "base.yml").write_text(text)
    code, out, _ = run(capsys, "-C", str(tmp_path), "show")
    assert code == 0
    assert out.splitlines()[1:5] == ["  - host: a", "    tags:", "      - x", "  - - 1"]
    assert "  - - - deep" in out.splitlines()
    yaml = YAML(typ="safe", pure=True)
    assert yaml.load(out) == yaml.load(text)


def test_layers_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-C", SAMPLES, "--type", "docker", "layers", "--format", "json")
    rows = {row["layer"]: row for row in json.loads(out)}
    assert code == 0
    assert rows["docker"]["active"] is True and rows["local"]["active"] is False
    assert any("wants 'local'" in reason for reason in rows["local"]["reasons"])


def test_diff_lists_both_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-C", SAMPLES, "--type", "docker", "diff", "testing")
    assert code == 0
    assert "api.port" in out and "overrides/docker.yml:" in out and "overrides/testing.yml:" in out


def test_usage_errors_exit_2_without_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "-C", str(tmp_path / "nope"), "show")
    assert code == 2 and "does not exist" in err and "Traceback" not in err
    code, _, err = run(capsys, "-C", SAMPLES, "--set-env", "NOEQUALS", "show")
    assert code == 2 and "NAME=VALUE" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2


def test_broken_manifest_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "confscope.toml").write_text("base = [\n")
    (tmp_path / "base.yml").write_text("a: 1\n")
    code, _, err = run(capsys, "-C", str(tmp_path), "show")
    assert code == 2 and "confscope.toml" in err


@pytest.mark.parametrize("command", ["validate", "show", "layers"])
def test_script_commands_import_only_what_they_need(command: str) -> None:
    unneeded = ("textual", "rich", "tui.app", "asyncio", "watchfiles", "core.manager", "keyring")
    script = (
        "import sys; from cli.main import main; "
        f"code = main(['-C', {SAMPLES!r}, {command!r}]); "
        f"bad = [m for m in {unneeded!r} if m in sys.modules]; "
        "print(bad); sys.exit(code)"
    )
    # With the samples' key in sops' variable, opening their encrypted layer needs no
    # keyring (looking a key up in the OS keyring is what loads it).
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(Path(SAMPLES) / "demo-age-key.txt")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_core_imports_neither_textual_nor_rich() -> None:
    script = (
        "import importlib, pkgutil, sys, core; "
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(core.__path__, 'core.')]; "
        "print([m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'tui')])"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_schema_that_cannot_load_is_told_at_the_manifest_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "confscope.toml").write_text('# the set\nschema = "missing.py:Model"\n')
    (tmp_path / "base.yml").write_text("a: 1\n")
    code, out, _ = run(capsys, "-C", str(tmp_path), "validate")
    assert code == 1
    assert out.startswith("confscope.toml:2:1: error: the schema file missing.py does not exist")


def test_show_warns_of_an_environment_no_layer_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "-C", SAMPLES, "--env", "prodution", "show")
    assert code == 0 and out
    assert "'prodution' is not named by any layer's conditions" in err
