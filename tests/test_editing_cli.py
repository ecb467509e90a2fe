"""`confscope set` and `confscope unset`: exit codes, messages, and what reaches the files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli.main import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE", "CI", "NVIDIA_VISIBLE_DEVICES", "DB_PORT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    target = tmp_path / "set"
    shutil.copytree(SAMPLES, target)
    return target


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_set_writes_the_winning_layer_and_why_shows_it(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "-C", str(samples), "--type", "docker", "set", "database.pool.max_size", "50"
    )
    assert code == 0, err
    assert "set database.pool.max_size = 50 in overrides/docker.yml:" in out
    code, out, _ = run(
        capsys, "-C", str(samples), "--type", "docker", "why", "database.pool.max_size"
    )
    assert out.startswith("database.pool.max_size = 50")


def test_dry_run_prints_a_diff_and_writes_nothing(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(samples)
    code, out, _ = run(capsys, "-C", str(samples), "set", "database.port", "5433", "--dry-run")
    assert code == 0
    assert out.startswith("--- a/base.yml\n+++ b/base.yml\n@@ ")
    assert "\n-  port: ${DB_PORT:-5432}\n+  port: 5433\n" in out
    assert snapshot(samples) == before


def test_a_value_the_schema_refuses_is_not_written(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(samples)
    code, out, err = run(capsys, "-C", str(samples), "--trust", "set", "database.port", "abc")
    assert code == 1 and out == ""
    assert "the schema refuses 'abc'" in err and "valid integer" in err
    assert "Traceback" not in err
    assert snapshot(samples) == before


def test_string_keeps_digits_as_text(samples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "-C", str(samples), "set", "app.timezone", "1234", "--string")
    assert code == 0, err
    code, out, _ = run(capsys, "-C", str(samples), "why", "app.timezone", "--format", "json")
    assert '"value": "1234"' in out


def test_a_template_is_kept_as_written(samples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "-C", str(samples), "set", "database.port", "${PGPORT:-6543}")
    assert code == 0, err
    assert "  port: ${PGPORT:-6543}\n" in (samples / "base.yml").read_text()
    code, out, _ = run(capsys, "-C", str(samples), "why", "database.port")
    assert out.startswith("database.port = 6543")


def test_unknown_and_inactive_layers_are_refused_with_the_active_ones(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "-C", str(samples), "set", "database.port", "1", "--layer", "nope")
    assert code == 1 and "no layer 'nope'; the active layers are: base" in err
    code, _, err = run(capsys, "-C", str(samples), "set", "database.port", "1", "--layer", "docker")
    assert code == 1 and "layer 'docker' is not active" in err and "active layers are: base" in err


def test_set_creates_the_key_in_the_chosen_layer(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "-C",
        str(samples),
        "--type",
        "docker",
        "set",
        "database.port",
        "6000",
        "--layer",
        "docker",
    )
    assert code == 0, err
    code, out, _ = run(capsys, "-C", str(samples), "--type", "docker", "why", "database.port")
    assert out.startswith("database.port = 6000") and "overrides/docker.yml" in out


def test_a_new_key_without_a_layer_asks_for_one(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "-C", str(samples), "set", "brand.new", "1")
    assert code == 1 and "--layer" in err


def test_unset_falls_back_to_the_next_layer(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "-C", str(samples), "--type", "docker", "unset", "database.pool.max_size"
    )
    assert code == 0, err
    code, out, _ = run(
        capsys, "-C", str(samples), "--type", "docker", "why", "database.pool.max_size"
    )
    assert "base.yml" in out.splitlines()[1]


def test_unset_directive_takes_the_key_out(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "-C", str(samples), "unset", "database.port", "--directive")
    assert code == 0, err
    assert "  port: !unset\n" in (samples / "base.yml").read_text()


def test_unset_of_a_missing_key_is_refused(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "-C", str(samples), "unset", "no.such.key")
    assert code == 1 and "not in the merged config" in err


def test_a_value_that_is_not_one_scalar_is_refused(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "-C", str(samples), "set", "app.name", "a: b")
    assert code == 1 and "--string" in err


def test_an_edit_of_a_file_changed_since_it_was_loaded_is_refused(samples: Path) -> None:
    from core.configset import ConfigSet
    from core.editing import prepare_set

    config = ConfigSet(samples)
    resolution = config.resolve(config.context())
    base = samples / "base.yml"
    base.write_text(base.read_text().replace("# ", "#  ", 1))
    plan = prepare_set(config, resolution, "database.pool.max_size", "12")
    assert not hasattr(plan, "diff")
    assert "changed on disk since it was loaded" in str(plan)


def test_a_key_defined_twice_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "base.yml").write_text("a:\n  b: 1\na:\n  b: 2\n")
    before = (tmp_path / "base.yml").read_bytes()
    code, _, err = run(capsys, "-C", str(tmp_path), "set", "a.b", "3")
    assert code == 1 and "defined twice in base.yml" in err
    assert (tmp_path / "base.yml").read_bytes() == before


MULTI = """_metadata:
  name: one
  priority: 10
x: 1
y:
  z: 1
---
# the second document
_metadata:
  name: two
  priority: 20
x: 2
y:
  z: 2
...
"""


def test_each_document_of_a_multi_document_file_is_its_own_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "base.yml").write_text("x: 0\ny:\n  z: 0\n")
    (tmp_path / "overrides").mkdir()
    app = tmp_path / "overrides" / "app.yml"
    app.write_text(MULTI)
    code, out, err = run(capsys, "-C", str(tmp_path), "set", "x", "5")
    assert code == 0, err
    assert app.read_text() == MULTI.replace("x: 2", "x: 5")
    code, out, err = run(capsys, "-C", str(tmp_path), "set", "y.z", "7", "--layer", "one")
    assert code == 0, err
    assert app.read_text() == MULTI.replace("x: 2", "x: 5").replace("  z: 1", "  z: 7")
    code, out, err = run(capsys, "-C", str(tmp_path), "set", "y.w", "8", "--layer", "two")
    assert code == 0, err
    assert app.read_text().endswith("  z: 2\n  w: 8\n...\n")
    code, out, err = run(capsys, "-C", str(tmp_path), "unset", "y")
    assert code == 0, err
    assert app.read_text().endswith("x: 5\n...\n")
    code, out, _ = run(capsys, "-C", str(tmp_path), "why", "y.z")
    assert out.startswith("y.z = 7")
