"""One meaning, decided in the engine, worded the same by the CLI and the TUI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli.main import main
from core.configset import ConfigSet
from core.model import BEATEN, MERGED_OVER, NOTHING_BEATEN
from core.secrets.policy import SECRET_MASK, Reveal
from tests.tui.driver import running

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"

BASE = """\
database:
  host: db.base
  port: 5432
  password: ${DB_PASSWORD:-}
mode: slow
"""
OVERRIDE = """\
_metadata:
  priority: 20
database:
  host: db.over
mode:
  fast: true
"""


@pytest.fixture
def small_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE", "DB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "overrides").mkdir()
    (tmp_path / "base.yml").write_text(BASE)
    (tmp_path / "overrides" / "over.yml").write_text(OVERRIDE)
    return tmp_path


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_the_merged_node_says_beaten_or_merged_over(small_set: Path) -> None:
    root = ConfigSet(small_set).resolve().root
    database = root.get(("database",))
    host = root.get(("database", "host"))
    mode = root.get(("mode",))
    assert database is not None and host is not None and mode is not None
    assert [d.relation for d in database.overridden] == [MERGED_OVER]
    assert database.beaten == [] and len(database.merged_over) == 1
    assert [d.relation for d in host.overridden] == [BEATEN]
    # A mapping over a scalar replaces it: the scalar was beaten.
    assert [d.relation for d in mode.overridden] == [BEATEN]


def test_why_words_a_merged_mapping_as_the_tui_does(
    small_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(capsys, "-C", str(small_set), "why", "database")
    assert code == 0
    assert f"  {MERGED_OVER}\n    base " in out
    assert f"  {BEATEN}\n" not in out
    code, out = cli(capsys, "-C", str(small_set), "why", "database", "--format", "json")
    assert [d["relation"] for d in json.loads(out)["overridden"]] == [MERGED_OVER]
    code, out = cli(capsys, "-C", str(small_set), "why", "database.port")
    assert f"{BEATEN}     {NOTHING_BEATEN}" in out


@pytest.mark.anyio
async def test_the_why_pane_uses_the_same_words(small_set: Path) -> None:
    async with running(small_set) as run:
        # Each definition is a row labelled with the relation, right under the winner.
        await run.select("database")
        lines = run.detail.splitlines()
        assert any(line.startswith(f"{MERGED_OVER}  base ") for line in lines), lines
        assert not any(line.startswith(BEATEN) for line in lines), lines
        await run.select("database.host")
        assert any(line.startswith(f"{BEATEN} ") for line in run.detail.splitlines())
        await run.select("database.port")
        assert f"{BEATEN}       {NOTHING_BEATEN}" in run.detail


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_a_secret_from_the_environment_is_masked_everywhere(
    small_set: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_PASSWORD", "hunter2")
    where = ["-C", str(small_set)]
    outputs = [
        cli(capsys, *where, "show")[1],
        cli(capsys, *where, "show", "--format", "json")[1],
        cli(capsys, *where, "show", "--format", "env")[1],
        cli(capsys, *where, "show", "--sources", "--format", "json")[1],
        cli(capsys, *where, "why", "database.password")[1],
        cli(capsys, *where, "why", "database.password", "--format", "json")[1],
    ]
    for output in outputs:
        assert "hunter2" not in output
        assert SECRET_MASK in output
    assert json.loads(outputs[1])["database"]["password"] == SECRET_MASK
    revealed = cli(capsys, *where, "--reveal", "show", "--format", "json")[1]
    assert json.loads(revealed)["database"]["password"] == "hunter2"
    resolution = ConfigSet(small_set).resolve()
    assert resolution.plain()["database"]["password"] == SECRET_MASK
    assert resolution.plain(reveal=True)["database"]["password"] == "hunter2"


@pytest.mark.anyio
async def test_the_tui_masks_a_secret_from_the_environment(
    small_set: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_PASSWORD", "hunter2")
    async with running(small_set) as run:
        label = await run.select("database.password")
        assert SECRET_MASK in label and "hunter2" not in label
        assert "hunter2" not in run.detail and SECRET_MASK in run.detail


def test_a_sops_block_stays_with_its_file(tmp_path: Path) -> None:
    (tmp_path / "base.yml").write_text(
        "db:\n  password: ENC[AES256_GCM,data:abc=,iv:aXY=,tag:dGFn,type:str]\n"
        "sops:\n  mac: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n"
        "  lastmodified: '2026-01-01T00:00:00Z'\n  version: 3.11.0\n"
    )
    resolution = ConfigSet(tmp_path).resolve()
    assert "sops" not in resolution.root.value
    layer = resolution.layers[0]
    assert layer.sops is not None and "mac" in layer.sops.value
    assert resolution.plain() == {"db": {"password": "<encrypted:str>"}}
    # A setting that merely happens to be called sops is data like any other.
    (tmp_path / "base.yml").write_text("sops:\n  enabled: true\n")
    assert ConfigSet(tmp_path).resolve().plain() == {"sops": {"enabled": True}}


def test_layers_know_the_bytes_they_were_read_from(small_set: Path) -> None:
    import hashlib

    layers = ConfigSet(small_set).resolve().layers
    for layer in layers:
        assert layer.identity is not None
        data = layer.path.read_bytes()
        assert layer.identity.size == len(data)
        assert layer.identity.mtime_ns == layer.path.stat().st_mtime_ns
        assert layer.identity.digest == hashlib.blake2b(data, digest_size=16).hexdigest()


def test_nodes_reached_through_an_alias_or_merge_key_are_marked(tmp_path: Path) -> None:
    from core.loading import parse_bytes

    parsed = parse_bytes(
        b"defaults: &d\n  retries: 3\n  timeout: 5\nservice:\n  <<: *d\n  timeout: 9\ncopy: *d\n",
        "x.yml",
    )
    assert parsed.root is not None
    service = parsed.root.value["service"].value
    assert service["retries"].via == "merge" and service["retries"].line == 2
    assert service["timeout"].via is None and service["timeout"].value == 9
    assert parsed.root.value["copy"].via == "alias"
    assert parsed.root.value["defaults"].via is None
    assert parsed.root.value["defaults"].value["retries"].via is None


def test_one_reveal_policy_masks_what_the_resolve_marked(small_set: Path) -> None:
    resolution = ConfigSet(small_set).resolve()
    port = resolution.get("database.port")
    assert port is not None and Reveal().scalar(port) == 5432


def test_one_what_if_type() -> None:
    import tui.whatif
    from core.whatif import WhatIf

    assert not hasattr(tui.whatif, "WhatIf") or tui.whatif.WhatIf is WhatIf


def test_the_matrix_is_computed_in_the_engine() -> None:
    from core.compare import compute_matrix

    matrix = compute_matrix(ConfigSet(SAMPLES), __import__("core.whatif").whatif.WhatIf())
    labels = [column.label for column in matrix.columns]
    assert "docker" in labels and "local" in labels
    assert any(row.differs for row in matrix.rows)


def test_problems_are_built_with_keywords() -> None:
    source = "\n".join(p.read_text() for p in Path("core").rglob("*.py"))
    assert not re.search(r"Problem\(\s*\"(error|warning)\"", source)
