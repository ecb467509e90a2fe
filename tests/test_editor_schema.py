"""`confscope schema`: the model's JSON Schema, and the partial one an editor checks layers by."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cli.main import main
from core.loading import read_file
from core.model import Encrypted

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"

MODEL = """\
from typing import Literal
from pydantic import BaseModel, ConfigDict, Field

class Database(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = Field(description="where the database listens")
    port: int = Field(ge=1, le=65535, description="its TCP port")
    mode: Literal["rw", "ro"] = "rw"

class App(BaseModel):
    model_config = ConfigDict(extra="forbid")
    database: Database
    hosts: list[str] = Field(default_factory=list, min_length=1)
"""


@pytest.fixture
def model_set(tmp_path: Path) -> Path:
    root = tmp_path / "set"
    (root / "overrides").mkdir(parents=True)
    (root / "confscope.toml").write_text('schema = "schema.py:App"\n')
    (root / "schema.py").write_text(MODEL)
    (root / "base.yml").write_text("database:\n  host: db\n  port: 5432\nhosts: [a]\n")
    return root


def schema_of(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> dict[str, Any]:
    assert main(["-C", str(root), "--trust", "schema", *extra]) == 0
    schema: dict[str, Any] = json.loads(capsys.readouterr().out)
    return schema


def test_the_schema_is_the_models_with_descriptions_and_constraints(
    model_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = schema_of(capsys, model_set)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    database = schema["$defs"]["Database"]
    port = database["properties"]["port"]
    assert port["description"] == "its TCP port" and (port["minimum"], port["maximum"]) == (
        1,
        65535,
    )
    assert database["properties"]["host"]["description"] == "where the database listens"
    assert database["required"] == ["host", "port"] and schema["required"] == ["database"]
    Draft202012Validator.check_schema(schema)
    check = Draft202012Validator(schema)
    assert check.is_valid({"database": {"host": "h", "port": 1}})
    assert not check.is_valid({"database": {"host": "h"}})


def test_the_layer_schema_requires_nothing_and_still_checks_names_and_types(
    model_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = schema_of(capsys, model_set, "--layer")
    assert "required" not in json.dumps({k: v for k, v in schema.items() if k != "$defs"}).replace(
        '"required": ["regex"]', ""
    )
    assert "required" not in schema["$defs"]["Database"]
    Draft202012Validator.check_schema(schema)
    check = Draft202012Validator(schema)

    def errors(layer: dict) -> list[str]:
        return [e.message for e in check.iter_errors(layer)]

    assert errors({"database": {"port": 6000}}) == []
    assert errors({"_metadata": {"priority": 30, "conditions": {"override_type": "docker"}}}) == []
    assert errors({"database": {"port": "${DB_PORT:-5432}", "host": None}}) == []  # None: !unset
    assert errors({"database": {"host": "ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]"}}) == []
    assert errors({"sops": {"mac": "x"}, "hosts": ["${HOST}"]}) == []
    assert errors({"database": {"prot": 6000}})  # a typo
    assert errors({"database": {"port": 70000}})  # a constraint
    assert errors({"database": {"mode": "rx"}})  # a choice
    assert errors({"_metadata": {"conditions": {"enviroment": "x"}}})
    assert errors({"_metadata": {"interpolation": "off"}}) == []
    assert errors({"_metadata": {"interpolation": "maybe"}})
    # hover text survives the wrapping
    port = schema["$defs"]["Database"]["properties"]["port"]
    assert port["description"] == "its TCP port"


def as_written(value: object) -> object:
    """The data an editor reads: an encrypted value is its ENC[...] text."""
    if isinstance(value, dict):
        return {k: as_written(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_written(v) for v in value]
    return value.raw if isinstance(value, Encrypted) else value


def test_every_sample_layer_passes_the_layer_schema(capsys: pytest.CaptureFixture[str]) -> None:
    check = Draft202012Validator(schema_of(capsys, SAMPLES, "--layer"))
    files = [SAMPLES / "base.yml", *sorted((SAMPLES / "overrides").glob("*.yml"))]
    checked = 0
    for path in files:
        if path.stem.startswith("broken"):
            continue  # written to fail
        parsed = read_file(path, path.name)
        assert parsed.root is not None, path
        problems = [e.message for e in check.iter_errors(as_written(parsed.root.plain()))]
        assert problems == [], path
        checked += 1
    assert checked >= 6


def test_a_set_without_a_schema_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "base.yml").write_text("a: 1\n")
    assert main(["-C", str(tmp_path), "schema"]) == 1
    _out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "names no schema" in err


def test_a_schema_that_cannot_load_is_one_clear_line(
    model_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (model_set / "schema.py").write_text("from pydantic import BaseModel\nclass App(BaseModel:\n")
    assert main(["-C", str(model_set), "--trust", "schema"]) == 1
    _out, err = capsys.readouterr()
    assert "schema.py:2" in err and "syntax error" in err and "Traceback" not in err


def test_the_metadata_schema_knows_exactly_the_keys_the_engine_reads() -> None:
    from core.layerschema import METADATA_SCHEMA
    from core.metadata import CONDITION_KEYS, METADATA_KEYS

    assert set(METADATA_SCHEMA["properties"]) == set(METADATA_KEYS)
    conditions = METADATA_SCHEMA["properties"]["conditions"]["properties"]
    assert set(conditions) == set(CONDITION_KEYS)


def test_an_untrusted_schema_is_not_run_for_the_json_schema_either(
    model_set: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (model_set / "schema.py").write_text(MODEL + "\nraise SystemExit('the schema code ran')\n")
    assert main(["-C", str(model_set), "schema"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "the schema code ran" not in err
    assert "confscope trust" in err and "--trust" in err and err.count("\n") == 1
