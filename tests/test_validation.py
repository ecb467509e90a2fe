"""Tests for core.validation: schema errors located at their definitions, unknown keys,
plaintext secrets, and loading the schema from a file or a module."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.interpolation import expand
from core.loading import parse_bytes
from core.model import (
    MAPPING,
    SCALAR,
    SEQUENCE,
    Encrypted,
    LayerFile,
    Merged,
    Node,
    Problem,
)
from core.schema import load_schema
from core.secrets.policy import SecretKeys
from core.validation import lint_secrets, validate, validate_schema

SECRET_KEYS = SecretKeys(re.compile(r"(?i)(password|secret|token|api_key|private_key)$"))


# --- building merged trees by hand ---------------------------------------------------


def layer(name: str, text: str, display: str | None = None) -> LayerFile:
    display = display or f"{name}.yml"
    parsed = parse_bytes(textwrap.dedent(text).encode(), display, name)
    assert not [p for p in parsed.problems if p.severity == "error"], parsed.problems
    return LayerFile(
        name=name,
        path=Path(display),
        display=display,
        is_base=name == "base",
        order=0,
        priority=0,
        description="",
        conditions={},
        metadata_origin=None,
        root=parsed.root,
    )


def wrap(node: Node, source: LayerFile, env: dict[str, str]) -> Merged:
    """One layer's node as a merged node, interpolated with ``env``."""
    if node.kind == MAPPING:
        value: Any = {k: wrap(v, source, env) for k, v in node.value.items()}
    elif node.kind == SEQUENCE:
        value = [wrap(v, source, env) for v in node.value]
    else:
        value = node.value
    merged = Merged(node.kind, value, source.name, source.display, node)
    if node.kind == SCALAR and isinstance(value, str) and "$" in value:
        expansion = expand(value, env)
        assert expansion.error is None, expansion.error
        merged.value = expansion.value
        merged.trace = expansion.trace or None
    return merged


def overlay(low: Merged, high: Merged) -> Merged:
    """A higher layer over a lower one: mappings merge key by key, anything else replaces."""
    if low.kind == MAPPING and high.kind == MAPPING:
        value = dict(low.value)
        for key, child in high.value.items():
            value[key] = overlay(value[key], child) if key in value else child
        merged = Merged(MAPPING, value, high.layer, high.file, high.node)
        return merged
    return high


def merge(*layers: LayerFile, env: dict[str, str] | None = None) -> Merged:
    result: Merged | None = None
    for source in layers:
        assert source.root is not None
        tree = wrap(source.root, source, env or {})
        tree.value.pop("_metadata", None)
        result = tree if result is None else overlay(result, tree)
    assert result is not None
    return result


def only(problems: list[Problem], code: str | None = None) -> Problem:
    chosen = [p for p in problems if code is None or p.code == code]
    assert len(chosen) == 1, [str(p) for p in problems]
    return chosen[0]


# --- a small schema --------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Pool(Strict):
    min_size: Annotated[int, Field(ge=0)] = 0
    max_size: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Pool:
        if self.min_size > self.max_size:
            raise ValueError(f"min_size ({self.min_size}) must not exceed max_size")
        return self


class Tls(Strict):
    mode: Literal["disable", "require", "verify-full"]


class Database(Strict):
    host: str
    port: int = 5432
    password: str = ""
    ssl: bool | Tls = False
    pool: Pool


class Provider(Strict):
    name: str
    client_id: str


class App(Strict):
    environment: Literal["development", "staging", "production"] = "development"
    database: Database
    providers: list[Provider] = []


class Loose(BaseModel):
    """Extra keys allowed: unknown keys are only warnings."""

    database_url: str = ""
    workers: int = 1


BASE = """\
_metadata:
  name: base
environment: development
database:
  host: db.local
  pool:
    min_size: 1
    max_size: 5
"""


# --- schema errors -----------------------------------------------------------------------


def test_constraint_violation_points_at_the_value() -> None:
    base = layer("base", BASE)
    over = layer(
        "prod",
        """\
        database:
          pool:
            max_size: 0
        """,
        "overrides/prod.yml",
    )
    problem = only(validate_schema(merge(base, over), App, [base, over]))
    assert problem.code == "schema"
    assert problem.severity == "error"
    assert problem.path == "database.pool.max_size"
    assert problem.message == "must be ≥ 1 (got 0)"
    assert (problem.file, problem.line, problem.column) == ("overrides/prod.yml", 3, 5)
    assert problem.layer == "prod"
    assert (
        str(problem) == "overrides/prod.yml:3:5: error: database.pool.max_size: must be ≥ 1 (got 0)"
    )


def test_all_errors_are_reported_not_only_the_first() -> None:
    base = layer(
        "base",
        """\
        environment: prod
        database:
          host: [a, b]
          port: lots
          pool:
            max_size: -1
        """,
    )
    problems = validate_schema(merge(base), App, [base])
    by_path = {p.path: p for p in problems}
    assert set(by_path) == {
        "environment",
        "database.host",
        "database.port",
        "database.pool.max_size",
    }
    assert by_path["environment"].message.endswith("(got 'prod'); did you mean 'production'?")
    assert by_path["database.host"].message == "must be a string (got a list)"
    assert by_path["database.port"].message == "must be a whole number (got 'lots')"
    assert [p.line for p in problems] == sorted(p.line or 0 for p in problems)


def test_model_validator_error_is_reported_at_the_mapping() -> None:
    base = layer("base", BASE)
    over = layer(
        "local",
        """\
        database:
          pool:
            min_size: 9
        """,
    )
    problem = only(validate_schema(merge(base, over), App, [base, over]))
    assert problem.path == "database.pool"
    assert problem.message == "min_size (9) must not exceed max_size"
    # The pool mapping merged from both layers; the highest one is where it is shown.
    assert (problem.file, problem.line, problem.layer) == ("local.yml", 2, "local")


def test_missing_key_is_located_in_the_highest_layer_defining_its_mapping() -> None:
    base = layer(
        "base",
        """\
        database:
          host: db.local
          pool:
            min_size: 1
        """,
    )
    docker = layer(
        "docker",
        """\
        # docker
        database:
          host: db
          pool:
            min_size: 2
        """,
    )
    top = layer("top", "environment: staging\n")  # does not define database.pool
    problem = only(validate_schema(merge(base, docker, top), App, [base, docker, top]))
    assert problem.path == "database.pool.max_size"
    assert problem.message == "required key 'max_size' is missing from database.pool"
    assert (problem.file, problem.line, problem.column, problem.layer) == (
        "docker.yml",
        4,
        3,
        "docker",
    )


def test_missing_top_level_key_points_at_the_highest_layer() -> None:
    base = layer("base", "environment: staging\n")
    top = layer("top", "\n\nproviders: []\n")
    problem = only(validate_schema(merge(base, top), App, [base, top]))
    assert problem.path == "database"
    assert problem.message == "required key 'database' is missing at the top level"
    assert (problem.file, problem.layer) == ("top.yml", "top")


def test_missing_key_in_a_list_item_points_at_the_item() -> None:
    base = layer(
        "base",
        BASE
        + """\
providers:
  - name: github
    client_id: abc
  - name: gitlab
""",
    )
    problem = only(validate_schema(merge(base), App, [base]))
    assert problem.path == "providers[1].client_id"
    assert problem.message == "required key 'client_id' is missing from providers[1]"
    assert problem.line == 12


def test_union_value_fitting_no_branch_gives_one_message() -> None:
    base = layer("base", BASE + "  ssl: maybe\n")
    problem = only(validate_schema(merge(base), App, [base]))
    assert problem.path == "database.ssl"
    assert problem.message == "must be true or false, or a mapping (got 'maybe')"


def test_union_branch_the_user_meant_is_the_one_reported() -> None:
    base = layer("base", BASE + "  ssl:\n    mode: requir\n")
    problem = only(validate_schema(merge(base), App, [base]))
    assert problem.path == "database.ssl.mode"
    assert problem.message.endswith("(got 'requir'); did you mean 'require'?")


def test_secret_and_encrypted_values_are_never_quoted() -> None:
    class Typed(BaseModel):
        password: int
        port: str

    # Without its key an encrypted value is checked by its recorded type: an int
    # cannot be the text the field wants.
    base = layer("base", "password: hunter2\nport: ENC[AES256_GCM,data:xx,iv:yy,tag:zz,type:int]\n")
    root = merge(base)
    assert isinstance(root.value["port"].value, Encrypted)
    problems = validate_schema(root, Typed, [base])
    assert len(problems) == 2
    assert all("hunter2" not in p.message and "ENC[" not in p.message for p in problems)
    assert "not shown" in problems[0].message
    assert "encrypted" in problems[1].message


def test_encrypted_value_satisfies_a_str_field() -> None:
    base = layer("base", BASE + "  password: ENC[AES256_GCM,data:xx,iv:yy,tag:zz,type:str]\n")
    assert validate_schema(merge(base), App, [base]) == []


def test_a_validator_raising_anything_is_reported_not_raised() -> None:
    class Broken(BaseModel):
        x: int = 0

        @model_validator(mode="after")
        def _explode(self) -> Broken:
            raise ZeroDivisionError("boom")

    base = layer("base", "x: 1\n")
    problem = only(validate_schema(merge(base), Broken, [base]))
    assert problem.code == "schema"
    assert "ZeroDivisionError: boom" in problem.message
    assert "_explode" in problem.message


def test_a_root_that_is_not_a_mapping_is_reported() -> None:
    node = Node(SCALAR, "text", 1, 1)
    root = Merged(SCALAR, "text", "base", "base.yml", node)
    problem = only(validate_schema(root, App, []))
    assert problem.message == "must be a mapping (got 'text')"
    assert problem.path == ""


# --- unknown keys ------------------------------------------------------------------------


def test_unknown_key_with_extras_allowed_is_a_warning_with_a_suggestion() -> None:
    base = layer("base", "workers: 2\ndatabse_url: postgres://\n")
    problem = only(validate_schema(merge(base), Loose, [base]))
    assert problem.code == "unknown-key"
    assert problem.severity == "warning"
    assert problem.path == "databse_url"
    assert (
        problem.message
        == "unknown key 'databse_url' at the top level; did you mean 'database_url'?"
    )
    assert problem.line == 2


def test_extra_forbidden_becomes_one_unknown_key_problem() -> None:
    base = layer("base", BASE + "  hots: x\n")
    problem = only(validate_schema(merge(base), App, [base]))
    assert problem.code == "unknown-key"
    assert problem.severity == "error"  # the model rejects the config over it
    assert problem.path == "database.hots"
    assert problem.message == "unknown key 'hots' in database; did you mean 'host'?"
    assert problem.line == 9


def test_unknown_keys_are_found_inside_lists_and_dicts_of_models() -> None:
    class Handler(BaseModel):
        level: str = "INFO"

    class Logs(BaseModel):
        handlers: dict[str, Handler] = {}
        providers: list[Provider | None] = []

    base = layer(
        "base",
        """\
        handlers:
          console:
            levle: DEBUG
        providers:
          - name: a
            client_id: b
            clientid: c
        """,
    )
    problems = validate_schema(merge(base), Logs, [base])
    paths = {p.path: p for p in problems}
    assert set(paths) == {"handlers.console.levle", "providers[0].clientid"}
    assert paths["handlers.console.levle"].severity == "warning"
    assert "did you mean 'level'?" in paths["handlers.console.levle"].message
    assert paths["providers[0].clientid"].message.endswith("did you mean 'client_id'?")


def test_aliases_count_as_known_keys() -> None:
    class Aliased(BaseModel):
        api_url: str = Field("", alias="apiUrl")

    base = layer("base", "apiUrl: x\napiurl: y\n")
    problem = only(validate_schema(merge(base), Aliased, [base]))
    assert problem.path == "apiurl"
    assert "did you mean 'apiUrl'?" in problem.message


def test_unknown_keys_follow_the_discriminated_branch() -> None:
    class Cat(BaseModel):
        kind: Literal["cat"]
        lives: int = 9

    class Dog(BaseModel):
        kind: Literal["dog"]
        tricks: list[str] = []

    class Pets(BaseModel):
        pet: Annotated[Cat | Dog, Field(discriminator="kind")] | None = None

    base = layer("base", "pet:\n  kind: dog\n  trick: [sit]\n")
    problem = only(validate_schema(merge(base), Pets, [base]))
    assert problem.path == "pet.trick"
    assert problem.message == "unknown key 'trick' in pet; did you mean 'tricks'?"
    base = layer("base", "pet:\n  kind: cow\n")
    problem = only(validate_schema(merge(base), Pets, [base]))
    assert problem.message == "must have 'kind' set to one of 'cat', 'dog' (got 'cow')"


def test_bad_mapping_keys_and_lengths_read_well() -> None:
    class Shapes(BaseModel):
        ports: dict[int, str] = {}
        pair: tuple[int, int] = (0, 0)

    base = layer("base", "ports: {http: web}\npair: [1, 2, 3]\n")
    problems = validate_schema(merge(base), Shapes, [base])
    assert [(p.path, p.message) for p in problems] == [
        ("ports.http", "the key 'http' must be a whole number"),
        ("pair", "must have at most 2 items (got 3 items)"),
    ]


def test_metadata_is_not_part_of_the_config() -> None:
    base = layer("base", "_metadata:\n  name: base\nworkers: 2\n")
    assert base.root is not None
    root = wrap(base.root, base, {})  # as if a merger had kept _metadata
    problem = only(validate_schema(root, Strict, [base]))
    assert problem.path == "workers"


# --- plaintext secrets ---------------------------------------------------------------------


SECRETS = """\
database:
  password: hunter2
  user: app
literal_default:
  password: ${DB_PASSWORD:-changeme}
empty_default:
  password: ${DB_PASSWORD:-}
from_env:
  api_key: ${API_KEY}
mixed:
  token: prefix-${TOKEN}
encrypted:
  secret: ENC[AES256_GCM,data:xx,iv:yy,tag:zz,type:str]
"""


def test_plaintext_secrets() -> None:
    base = layer("x", SECRETS, "overrides/x.yml")
    root = merge(base, env={"API_KEY": "k-123", "TOKEN": "t"})
    problems = lint_secrets(root, SECRET_KEYS)
    assert [p.path for p in problems] == ["database.password", "literal_default.password"]
    first = problems[0]
    assert first.code == "plaintext-secret"
    assert first.severity == "error"
    assert (first.file, first.line, first.layer) == ("overrides/x.yml", 2, "x")
    assert first.message == (
        "database.password is stored in plain text in overrides/x.yml; encrypt it with"
        " 'confscope secrets encrypt-value database.password' or read it from an"
        " environment variable"
    )
    assert all("hunter2" not in p.message and "changeme" not in p.message for p in problems)


def test_secret_default_is_fine_once_the_variable_is_set() -> None:
    base = layer("x", "password: ${DB_PASSWORD:-changeme}\n")
    assert lint_secrets(merge(base, env={"DB_PASSWORD": "s3cret"}), SECRET_KEYS) == []
    assert len(lint_secrets(merge(base, env={"DB_PASSWORD": ""}), SECRET_KEYS)) == 1


def test_literal_text_around_an_empty_variable_is_flagged() -> None:
    base = layer("x", "password: abc${SUFFIX}\n")
    assert len(lint_secrets(merge(base, env={"SUFFIX": ""}), SECRET_KEYS)) == 1
    assert lint_secrets(merge(base, env={"SUFFIX": "x"}), SECRET_KEYS) == []


# --- everything together -------------------------------------------------------------------


def test_validate_combines_and_sorts() -> None:
    base = layer("base", BASE + "  password: hunter2\n")
    over = layer("a-over", "database:\n  pool:\n    max_size: 0\n")
    root = merge(base, over)
    problems = validate(root, model=App, secret_keys=SECRET_KEYS, layers=[base, over])
    assert [(p.file, p.code) for p in problems] == [
        ("a-over.yml", "schema"),
        ("base.yml", "plaintext-secret"),
    ]
    assert validate(root, model=None, secret_keys=None, layers=[]) == []


def test_sample_schema_loads_and_checks() -> None:
    model, problems = load_schema(
        "schema.py:AppConfig", Path(__file__).resolve().parents[1] / "sample_configs"
    )
    assert problems == []
    assert model is not None and model.__name__ == "AppConfig"
    base = layer("base", "app:\n  name: Bad Name\n")
    found = validate_schema(merge(base), model, [base])
    assert any(p.path == "app.name" and p.line == 2 for p in found)
    assert any(p.path == "api" and p.message.startswith("required key 'api'") for p in found)


# --- loading the schema ----------------------------------------------------------------------


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def load_problem(spec: str, root: Path) -> Problem:
    before = list(sys.path)
    model, problems = load_schema(spec, root)
    assert model is None
    assert sys.path == before
    problem = only(problems)
    assert problem.code == "schema-load"
    assert problem.severity == "error"
    return problem


def test_load_schema_from_a_file_importing_a_sibling(tmp_path: Path) -> None:
    write(tmp_path, "common.py", "NAME_LENGTH = 3\n")
    write(
        tmp_path,
        "schema/app.py",
        """\
        from __future__ import annotations
        from pydantic import BaseModel
        class Inner(BaseModel):
            x: int
        class Config(BaseModel):
            inner: Inner | None = None
        """,
    )
    before = list(sys.path)
    model, problems = load_schema("schema/app.py:Config", tmp_path)
    assert problems == []
    assert sys.path == before
    assert model is not None
    assert model.model_validate({"inner": {"x": 1}}).model_dump() == {"inner": {"x": 1}}


def test_load_schema_from_a_module_in_the_set(tmp_path: Path) -> None:
    write(tmp_path, "cfgschema_pkg/__init__.py", "")
    write(
        tmp_path,
        "cfgschema_pkg/models.py",
        "from pydantic import BaseModel\nclass Config(BaseModel):\n    x: int = 1\n",
    )
    before = list(sys.path)
    model, problems = load_schema("cfgschema_pkg.models:Config", tmp_path)
    assert problems == []
    assert sys.path == before
    assert model is not None and model.__name__ == "Config"


def test_load_schema_missing_file(tmp_path: Path) -> None:
    problem = load_problem("nope.py:Config", tmp_path)
    assert problem.message == "the schema file nope.py does not exist"


def test_load_schema_syntax_error_has_its_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "schema.py",
        "from pydantic import BaseModel\n\nclass Config(BaseModel)\n    x: int\n",
    )
    problem = load_problem("schema.py:Config", tmp_path)
    assert problem.message.startswith("the schema file schema.py has a syntax error")
    assert (problem.file, problem.line) == ("schema.py", 3)


def test_load_schema_import_error(tmp_path: Path) -> None:
    write(tmp_path, "schema.py", "\nimport no_such_module_for_confscope\n")
    problem = load_problem("schema.py:Config", tmp_path)
    assert "failed to import" in problem.message
    assert "no_such_module_for_confscope" in problem.message
    assert (problem.file, problem.line) == ("schema.py", 2)


def test_load_schema_exception_while_running(tmp_path: Path) -> None:
    write(tmp_path, "schema.py", "x = 1\nraise RuntimeError('nope')\n")
    problem = load_problem("schema.py:Config", tmp_path)
    assert problem.message == "the schema file schema.py failed to load: RuntimeError: nope"
    assert problem.line == 2


def test_load_schema_no_such_class(tmp_path: Path) -> None:
    write(
        tmp_path,
        "schema.py",
        "from pydantic import BaseModel\nclass AppConfig(BaseModel):\n    pass\n",
    )
    problem = load_problem("schema.py:AppConfg", tmp_path)
    assert problem.message == "schema.py has no class 'AppConfg'; did you mean 'AppConfig'?"


def test_load_schema_not_a_model(tmp_path: Path) -> None:
    write(tmp_path, "schema.py", "class Plain:\n    pass\n\ndef func():\n    pass\n")
    problem = load_problem("schema.py:Plain", tmp_path)
    assert "not a pydantic BaseModel subclass" in problem.message
    problem = load_problem("schema.py:func", tmp_path)
    assert "is a function, not a pydantic model class" in problem.message


def test_load_schema_unknown_module_and_bad_spec(tmp_path: Path) -> None:
    problem = load_problem("no_such_pkg_confscope.schema:Config", tmp_path)
    assert "cannot be found" in problem.message
    problem = load_problem("schema.py", tmp_path)
    assert "must be written as 'file.py:ClassName'" in problem.message
    problem = load_problem("schema.py:not a class", tmp_path)
    assert "is not a class name" in problem.message


@pytest.mark.parametrize("body", ["import sys\nsys.exit(3)\n", "raise KeyError('k')\n"])
def test_load_schema_never_raises(tmp_path: Path, body: str) -> None:
    write(tmp_path, "schema.py", body)
    load_problem("schema.py:Config", tmp_path)
