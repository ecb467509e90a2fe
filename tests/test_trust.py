"""Trust: a set's schema code runs only when the user trusted it, and runs contained."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from core.configset import ConfigSet
from core.trust import TrustStore, schema_code

CONFSCOPE = Path(sys.executable).parent / "confscope"

MANIFEST = 'base = ["base.yml"]\n# the model\nschema = "schema.py:Config"\n'

SCHEMA = """\
from pathlib import Path
from pydantic import BaseModel, ConfigDict

Path(__file__).with_name("ran").write_text("the schema ran")

class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")
    port: int
"""


@pytest.fixture
def config_set(tmp_path: Path) -> Path:
    root = tmp_path / "set"
    root.mkdir()
    (root / "confscope.toml").write_text(MANIFEST)
    (root / "base.yml").write_text("port: not-a-number\n")
    (root / "schema.py").write_text(SCHEMA)
    return root


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_untrusted_schema_is_not_run_and_one_warning_says_how(config_set: Path) -> None:
    resolution = ConfigSet(config_set).resolve()
    assert not (config_set / "ran").exists()
    [warning] = [p for p in resolution.problems if p.code == "untrusted-schema"]
    assert warning.severity == "warning"
    assert (warning.file, warning.line) == ("confscope.toml", 3)
    assert "confscope trust" in warning.message and "--trust" in warning.message
    assert not [p for p in resolution.problems if p.code == "schema"]
    assert resolution.plain() == {"port": "not-a-number"}  # everything else still works


def test_trust_then_change_then_trust_again(
    config_set: Path, capsys: pytest.CaptureFixture[str], trust_store: TrustStore
) -> None:
    code, out, _ = cli(capsys, "-C", str(config_set), "trust")
    assert code == 0 and "trusted" in out
    assert trust_store.entry(config_set) is not None

    code, _, _ = cli(capsys, "-C", str(config_set), "validate")
    assert code == 1
    assert (config_set / "ran").exists()

    (config_set / "ran").unlink()
    (config_set / "schema.py").write_text(SCHEMA + "\n# a change\n")
    resolution = ConfigSet(config_set).resolve()
    assert not (config_set / "ran").exists()
    [warning] = [p for p in resolution.problems if p.code == "untrusted-schema"]
    assert "changed since" in warning.message

    code, _, _ = cli(capsys, "-C", str(config_set), "trust", "--revoke")
    assert code == 0
    assert trust_store.entry(config_set) is None
    code, out, _ = cli(capsys, "-C", str(config_set), "trust", "--revoke")
    assert code == 0 and "was not trusted" in out


def test_trust_for_one_run(config_set: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "-C", str(config_set), "--trust", "validate", "--format", "json")
    assert code == 1
    assert any(p["code"] == "schema" and p["path"] == "port" for p in json.loads(out))
    assert (config_set / "ran").exists()
    (config_set / "ran").unlink()
    code, _, _ = cli(capsys, "-C", str(config_set), "validate")
    assert code == 0  # not remembered
    assert not (config_set / "ran").exists()


def test_the_schema_bytes_trusted_are_the_bytes_run(config_set: Path) -> None:
    """Trust records a digest of what was read; a file swapped after trusting is not run."""
    config = ConfigSet(config_set)
    code = schema_code("schema.py:Config", config_set)
    config.trust(code)
    (config_set / "schema.py").write_text("raise SystemExit('swapped in')\n")
    problems = config.resolve().problems
    assert any(p.code == "untrusted-schema" for p in problems)
    assert not any(p.code == "schema-load" for p in problems)


def test_a_schema_outside_the_set_and_a_module_beside_it_need_trust(tmp_path: Path) -> None:
    root = tmp_path / "set"
    root.mkdir()
    (root / "base.yml").write_text("port: 1\n")
    (tmp_path / "outside.py").write_text(SCHEMA)
    (root / "confscope.toml").write_text('schema = "../outside.py:Config"\n')
    assert any(p.code == "untrusted-schema" for p in ConfigSet(root).resolve().problems)
    (root / "beside.py").write_text(SCHEMA)
    (root / "confscope.toml").write_text('schema = "beside:Config"\n')
    problems = ConfigSet(root).resolve().problems
    assert any(p.code == "untrusted-schema" for p in problems)
    assert not (tmp_path / "ran").exists() and not (root / "ran").exists()


def test_an_installed_module_is_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "installed_schema_for_test.py").write_text(SCHEMA)
    monkeypatch.syspath_prepend(str(site))
    root = tmp_path / "set"
    root.mkdir()
    (root / "base.yml").write_text("port: x\n")
    (root / "confscope.toml").write_text('schema = "installed_schema_for_test:Config"\n')
    problems = ConfigSet(root).resolve().problems
    assert not any(p.code == "untrusted-schema" for p in problems)
    assert any(p.code == "schema" and p.path == "port" for p in problems)
    monkeypatch.delitem(sys.modules, "installed_schema_for_test", raising=False)


@pytest.mark.parametrize(
    "ending",
    [
        "raise SystemExit(3)",
        "raise KeyboardInterrupt",
        "raise GeneratorExit",
        "import sys; sys.exit('bye')",
    ],
)
def test_whatever_a_trusted_schema_raises_is_a_problem_at_its_file(
    config_set: Path, ending: str
) -> None:
    (config_set / "schema.py").write_text(SCHEMA + ending + "\n")
    resolution = ConfigSet(config_set, trust_schema=True).resolve()
    [problem] = [p for p in resolution.problems if p.code == "schema-load"]
    assert problem.file == "schema.py"
    assert problem.line == SCHEMA.count("\n") + 1
    assert sys.stdout is sys.__stdout__ or sys.stdout is not None


def test_a_schema_that_cannot_be_read_is_reported_at_that_file(config_set: Path) -> None:
    (config_set / "schema.py").unlink()
    os.mkfifo(config_set / "schema.py")  # reading it would block forever
    for trusted in (False, True):
        problems = ConfigSet(config_set, trust_schema=trusted).resolve().problems
        [problem] = [p for p in problems if p.file == "schema.py"]
        assert problem.severity == "error"
        assert "cannot be read" in problem.message


def test_trust_refuses_what_it_cannot_trust(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "base.yml").write_text("a: 1\n")
    code, out, _ = cli(capsys, "-C", str(tmp_path), "trust")
    assert code == 0 and "no schema" in out
    (tmp_path / "confscope.toml").write_text('schema = "missing.py:Config"\n')
    code, _, err = cli(capsys, "-C", str(tmp_path), "trust")
    assert code == 1 and "does not exist" in err


def test_a_corrupt_store_trusts_nothing_and_trust_repairs_it(
    config_set: Path, trust_store: TrustStore
) -> None:
    trust_store.file.write_text("{not json")
    config = ConfigSet(config_set)
    assert any(p.code == "untrusted-schema" for p in config.resolve().problems)
    config.trust(schema_code("schema.py:Config", config_set))
    assert not any(p.code == "untrusted-schema" for p in config.resolve().problems)


NOISY = (
    SCHEMA
    + """
import os, sys
print("printed by the schema")
print("to stderr", file=sys.stderr)
os.write(1, b"written to fd 1\\n")
"""
)


def test_a_trusted_schema_cannot_spoil_json_output_end_to_end(
    config_set: Path, tmp_path: Path
) -> None:
    """The real program, with a throwaway HOME: trust, then `show --format json`."""
    (config_set / "schema.py").write_text(NOISY)
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", os.defpath)}

    def confscope(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(CONFSCOPE), "-C", str(config_set), *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    first = confscope("show", "--format", "json")
    assert first.returncode == 0
    assert json.loads(first.stdout) == {"port": "not-a-number"}
    assert "confscope trust" not in first.stdout
    assert not (config_set / "ran").exists()

    trusted = confscope("trust")
    assert trusted.returncode == 0, trusted.stderr
    store = home / ".local" / "share" / "confscope" / "trusted.json"
    assert str(config_set.resolve()) in json.loads(store.read_text())["sets"]

    shown = confscope("show", "--format", "json")
    assert (config_set / "ran").exists()
    assert json.loads(shown.stdout) == {"port": "not-a-number"}
    assert "written to fd 1" in shown.stderr  # below Python: sent to stderr, not stdout
    assert "printed by the schema" not in shown.stdout
    assert shown.returncode == 0
    assert "port" in shown.stderr  # the schema's error is told on stderr

    validate = confscope("validate", "--format", "json")
    assert validate.returncode == 1
    problems = json.loads(validate.stdout)
    assert any(
        p["code"] == "schema-load" and "printed while it was imported" in p["message"]
        for p in problems
    )
