"""The command line as a new user types it: options on the wrong side of the command,
a directory that is not a config set, keys an `!unset` removed, the sample's "Try:"."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = str(ROOT / "sample_configs")


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE", "CI", "NVIDIA_VISIBLE_DEVICES"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--format", "bogus", "-C", SAMPLES, "show"],
            "--format goes after the command, as in `confscope show --format bogus`",
        ),
        (
            ["-C", SAMPLES, "--format=json", "validate"],
            "--format goes after the command, as in `confscope validate --format=json`",
        ),
        (
            ["--dry-run", "-C", SAMPLES, "set", "api.workers", "3"],
            "--dry-run goes after the command, as in `confscope set --dry-run`",
        ),
        (
            ["-C", SAMPLES, "layers", "--type", "docker"],
            "--type is a global option and goes before the command, "
            "as in `confscope --type docker layers …`",
        ),
    ],
)
def test_a_misplaced_option_is_named(
    capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert f"confscope: {said}" in err
    assert "invalid choice" not in err and "unrecognized" not in err


def test_options_in_their_places_are_not_misplaced(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-C", SAMPLES, "--type", "docker", "layers", "--format", "json")
    assert code == 0 and json.loads(out)


def test_a_directory_without_a_manifest_is_not_told_to_fix_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "-C", str(tmp_path), "show")
    assert code == 2
    assert "manifest" not in err
    assert err.count("\n") == 1 and "no base file found" in err


def test_a_broken_manifest_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "confscope.toml").write_text("base = [\n")
    code, _, err = run(capsys, "-C", str(tmp_path), "show")
    assert code == 2 and "fix confscope.toml first" in err


def test_why_a_key_under_a_removed_one_names_the_removal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "-C", SAMPLES, "--type", "docker", "why", "redis.sentinel.nodes")
    assert code == 0 and err == ""
    assert out.startswith(
        "redis.sentinel.nodes is not in the merged config: its parent redis.sentinel was"
        " removed by layer docker with !unset at overrides/docker.yml:56:3."
    )
    assert "from base base.yml:114:5" in out and "did you mean" not in out
    code, out, _ = run(
        capsys, "-C", SAMPLES, "--type", "docker", "why", "redis.sentinel.nodes", "--format", "json"
    )
    answer = json.loads(out)
    assert answer["removed"] == {
        "path": "redis.sentinel",
        "layer": "docker",
        "file": "overrides/docker.yml",
        "line": 56,
        "column": 3,
    }
    assert answer["was"]["line"] == 114 and len(answer["was"]["value"]) == 3


def test_the_samples_try_lines_run_as_written() -> None:
    manifest = (ROOT / "sample_configs" / "confscope.toml").read_text()
    commands = re.findall(r"^#\s*(?:Try:)?\s*(confscope -C .+)$", manifest, flags=re.MULTILINE)
    assert len(commands) >= 3, manifest
    for command in commands:
        argv = shlex.split(command)[1:]
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", *argv],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode in (0, 1), f"{command}: {done.stderr}"  # 1: validate found errors
        assert "usage:" not in done.stderr and "Traceback" not in done.stderr, command
