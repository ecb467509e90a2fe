"""Config sets in the shapes Helm, kustomize, Spring, Hydra, compose, Ansible and Rails
users write open clean, and mean what those tools mean.

The sets live in tests/data/realworld/; a test that changes one copies it first.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli.main import main
from core.configset import ConfigSet, Resolution
from core.context import Context
from core.loading import parse_bytes
from core.manifest import load_manifest
from core.secrets.policy import DEFAULT_SECRET_KEYS

DATA = Path(__file__).resolve().parent / "data" / "realworld"


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE", "CI"):
        monkeypatch.delenv(name, raising=False)
    # The sets are committed here: `why` would name commits that move with every commit.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(DATA))


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / name, target)
    return target


def resolve(root: Path, **context: str) -> Resolution:
    """The set resolved with an empty process environment and `context` on top."""
    manifest, _ = load_manifest(root)
    built = Context.build(
        process_env={},
        manifest_context=manifest.context,
        base_environment=context.get("environment"),
        base_override_type=context.get("override_type"),
    )
    return ConfigSet(root).resolve(built)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def errors(resolution: Resolution) -> list[str]:
    return [str(p) for p in resolution.errors]


# --- 1. same-named files --------------------------------------------------------


def test_kustomize_overlays_named_from_their_paths_validate_clean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    resolution = resolve(DATA / "kustomize")
    assert errors(resolution) == []
    assert [v.layer for v in resolution.verdicts] == [
        "base/deployment",
        "overlays/prod/deployment",
        "overlays/staging/deployment",
    ]
    replicas = resolution.get("spec.replicas")
    assert replicas is not None and replicas.layer == "overlays/staging/deployment"
    assert [d.layer for d in replicas.overridden] == ["base/deployment", "overlays/prod/deployment"]
    code, out, _ = run(capsys, "-C", str(DATA / "kustomize"), "validate")
    assert code == 0, out
    code, out, _ = run(capsys, "-C", str(DATA / "kustomize"), "why", "spec.replicas")
    assert "from     overlays/staging/deployment  overlays/staging/deployment.yaml:6:3" in out
    assert "overlays/prod/deployment" in out and "base/deployment" in out


def test_helm_examples_values_files_get_path_names_and_the_root_keeps_its_stem() -> None:
    resolution = resolve(DATA / "helm")
    names = {v.file: v.layer for v in resolution.verdicts}
    assert names["values.yaml"] == "values"
    assert names["examples/ha/values.yaml"] == "examples/ha/values"
    assert names["examples/minimal/values.yaml"] == "examples/minimal/values"
    assert errors(resolution) == []


def test_a_derived_name_yields_to_a_declared_one(tmp_path: Path) -> None:
    root = copy("ansible", tmp_path)
    (root / "group_vars" / "dev.yml").write_text("_metadata:\n  name: vars\napp_port: 1\n")
    (root / "confscope.toml").write_text(
        'base = ["group_vars/all/vars.yml"]\n'
        'overrides = ["group_vars/*/vars.yml", "group_vars/dev.yml"]\n'
    )
    resolution = resolve(root, environment="staging")
    assert errors(resolution) == []
    assert [v.layer for v in resolution.verdicts] == [
        "group_vars/all/vars",
        "group_vars/production/vars",
        "group_vars/staging/vars",
        "vars",
    ]


def test_two_declared_names_are_an_error_at_the_second_ones_line(tmp_path: Path) -> None:
    root = copy("kustomize", tmp_path)
    for overlay in ("prod", "staging"):
        path = root / "overlays" / overlay / "deployment.yaml"
        path.write_text("_metadata:\n  name: overlay\n" + path.read_text())
    resolution = resolve(root)
    assert [(p.file, p.line, p.column, p.message) for p in resolution.errors] == [
        (
            "overlays/staging/deployment.yaml",
            2,
            3,
            "layer name 'overlay' is already used by overlays/prod/deployment.yaml;"
            " this layer is called 'overlay@overlays/staging/deployment.yaml' instead",
        )
    ]


# --- 2. the manifest's order decides ties -----------------------------------------


def test_helm_f_order_production_after_staging_wins_the_tie(
    capsys: pytest.CaptureFixture[str],
) -> None:
    resolution = resolve(DATA / "helm")
    order = [v.layer for v in resolution.verdicts]
    assert order.index("values-staging") < order.index("values-production")
    tag = resolution.get("image.tag")
    assert tag is not None and (tag.value, tag.layer) == ("1.3.2", "values-production")
    assert tag.overridden[-1].layer == "values-staging"
    # within one glob (ci/*, examples/*), path order
    assert order[1:4] == ["default-values", "examples/ha/values", "examples/minimal/values"]
    code, out, _ = run(capsys, "-C", str(DATA / "helm"), "layers")
    assert code == 0
    rows = [line.split()[2] for line in out.splitlines() if line[:1] in "●○"]
    assert rows == order


def test_reversing_the_manifest_list_reverses_the_winner(tmp_path: Path) -> None:
    root = copy("helm", tmp_path)
    (root / "confscope.toml").write_text(
        'base = ["values.yaml"]\noverrides = ["values-production.yaml", "values-staging.yaml"]\n'
    )
    tag = resolve(root).get("image.tag")
    assert tag is not None and (tag.value, tag.layer) == ("1.4.0-rc.1", "values-staging")


def test_compose_files_apply_in_the_order_of_minus_f() -> None:
    resolution = resolve(DATA / "compose")
    debug = resolution.get("services.web.environment.DEBUG")
    assert debug is not None and (debug.value, debug.layer) == ("0", "docker-compose.prod")
    image = resolution.get("services.web.image")
    assert image is not None and image.value == "ghcr.io/example/web:latest"  # sh-style default


# --- 3. interpolation switched off or narrowed ------------------------------------


def test_spring_placeholders_stay_literal_with_interpolation_off() -> None:
    resolution = resolve(DATA / "spring")
    assert errors(resolution) == []
    assert resolution.plain()["spring"]["datasource"]["url"] == (
        "jdbc:postgresql://${DB_HOST:localhost}:5432/orders"
    )
    assert resolution.plain()["app"]["banner"] == "[dev] ${spring.application.name}"


def test_hydra_resolvers_are_errors_that_say_how_to_turn_interpolation_off(
    tmp_path: Path,
) -> None:
    root = copy("hydra", tmp_path)
    (root / "confscope.toml").write_text('base = ["config.yaml"]\n')
    problems = resolve(root).errors
    assert [(p.path, p.line) for p in problems] == [
        ("app.workdir", 6),
        ("app.user", 7),
        ("db.url", 12),
    ]
    for problem in problems:
        assert "set 'interpolation: false' in this file's _metadata" in problem.message
        assert 'interpolation = "off" in confscope.toml' in problem.message


def test_a_layer_switches_its_own_interpolation_off(tmp_path: Path) -> None:
    """GitHub Actions' ${{ }} in one file; the other files keep sh interpolation."""
    (tmp_path / "base.yml").write_text("image: app:${TAG:-latest}\nrun: echo base\n")
    (tmp_path / "overrides").mkdir()
    workflow = tmp_path / "overrides" / "ci.yml"
    workflow.write_text("run: echo ${{ github.sha }}\nimage: app:${TAG:-dev}\n")
    problems = resolve(tmp_path).errors
    assert [(p.file, p.line, p.path) for p in problems] == [("overrides/ci.yml", 1, "run")]
    assert "interpolation: false" in problems[0].message
    workflow.write_text(
        "_metadata:\n  interpolation: false\nrun: echo ${{ github.sha }}\nimage: app:${TAG:-dev}\n"
    )
    resolution = resolve(tmp_path)
    assert errors(resolution) == []
    # the winning definition's layer decides: ci.yml keeps its text literal
    assert resolution.plain() == {"image": "app:${TAG:-dev}", "run": "echo ${{ github.sha }}"}
    workflow.write_text("_metadata:\n  interpolation: false\nrun: echo ${{ github.sha }}\n")
    assert resolve(tmp_path).plain()["image"] == "app:latest"  # base.yml still expands


def test_a_layer_can_switch_interpolation_back_on(tmp_path: Path) -> None:
    root = copy("spring", tmp_path)
    (root / "application-local.yml").write_text(
        "_metadata:\n  interpolation: true\nserver:\n  port: ${PORT:-9090}\n"
    )
    port = resolve(root).get("server.port")
    assert port is not None and port.value == 9090


def test_bad_interpolation_settings_are_reported_at_their_lines(tmp_path: Path) -> None:
    root = copy("spring", tmp_path)
    (root / "confscope.toml").write_text('base = ["application.yml"]\ninterpolation = "spring"\n')
    _manifest, problems = load_manifest(root)
    assert [(p.file, p.line, p.message) for p in problems] == [
        (
            "confscope.toml",
            2,
            '\'interpolation\' must be "sh" or "off", not \'spring\'; "sh" is used',
        )
    ]
    (root / "confscope.toml").write_text('base = ["application.yml"]\ninterpolation = "off"\n')
    (root / "application-x.yml").write_text("_metadata:\n  interpolation: maybe\n")
    (root / "confscope.toml").write_text(
        'base = ["application.yml"]\noverrides = ["application-x.yml"]\ninterpolation = "off"\n'
    )
    problems = resolve(root).errors
    assert [(p.file, p.line, p.path) for p in problems] == [
        ("application-x.yml", 2, "_metadata.interpolation")
    ]


# --- 4. multi-document files ------------------------------------------------------


def test_spring_profiles_in_one_file_are_a_stack_of_layers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    resolution = resolve(DATA / "spring", environment="production")
    assert errors(resolution) == []
    layers = {layer.name: layer for layer in resolution.layers}
    assert [(name, layer.source, layer.line) for name, layer in layers.items()] == [
        ("application", "application.yml#1", 2),
        ("application#2", "application.yml#2", 25),
        ("application#3", "application.yml#3", 41),
        ("application-dev", "application-dev.yml", 1),
    ]
    assert [v.layer for v in resolution.verdicts if v.active] == ["application", "application#2"]
    plain = resolution.plain()
    assert plain["server"] == {"port": 80, "shutdown": "graceful"}  # merged over the main doc
    assert plain["logging"]["level"]["root"] == "WARN"
    assert "_metadata" not in plain
    assert plain["spring"]["jpa"] == {"open-in-view": False}  # the main document's keys stay
    code, out, _ = run(capsys, "-C", str(DATA / "spring"), "--env", "production", "layers")
    assert (
        "application#2    application.yml#2 (line 25)  active: environment is 'production'" in out
    )
    code, out, _ = run(
        capsys, "-C", str(DATA / "spring"), "--env", "production", "why", "server.port"
    )
    assert out.splitlines()[1:4] == [
        "  from     application#2  application.yml:37:3",
        "  beat",
        "    application application.yml:12:3  8080",
    ]
    code, out, _ = run(
        capsys, "-C", str(DATA / "spring"), "--env", "test", "layers", "--format", "json"
    )
    assert code == 0
    rows = {row["layer"]: row for row in json.loads(out)}
    assert (rows["application#3"]["document"], rows["application#3"]["line"]) == (3, 41)
    assert rows["application#3"]["active"] is True


def test_later_documents_override_earlier_ones_and_problems_stay_in_their_document(
    tmp_path: Path,
) -> None:
    (tmp_path / "base.yml").write_text(
        "a: 1\nb: &shared {x: 1}\n---\na: 2\nc: 3\n---\na: 4\nd: *shared\n"
    )
    resolution = resolve(tmp_path)
    assert resolution.plain() == {"a": 4, "b": {"x": 1}, "c": 3, "d": None}
    # anchors belong to their document, as in YAML; the error is in document 3's layer
    assert [(p.line, p.layer) for p in resolution.errors] == [(8, "base#3")]
    a = resolution.get("a")
    assert a is not None and [d.origin.line for d in a.overridden] == [1, 4]


def test_a_syntax_error_in_an_inactive_document_shows_while_the_file_is_used(
    tmp_path: Path,
) -> None:
    """It hides the documents after it, so it must not hide with its own layer."""
    (tmp_path / "base.yml").write_text(
        "a: 1\n---\n_metadata: {conditions: {environment: production}}\nb: [\n---\nc: 3\n"
    )
    resolution = resolve(tmp_path)
    assert [(p.line, p.layer, p.code) for p in resolution.errors] == [(5, "base#2", "syntax")]


def test_an_empty_or_trailing_document_makes_no_layer(tmp_path: Path) -> None:
    parsed = parse_bytes(b"---\na: 1\n---\n---\nb: 2\n---\n", "f.yml")
    assert [(d.index, d.line) for d in parsed.documents] == [(1, 1), (3, 4)]
    assert parsed.problems == []
    single = parse_bytes(b"# lead comment\n\na: 1\n---\n", "f.yml")
    assert [(d.index, d.line) for d in single.documents] == [(1, 3)]
    (tmp_path / "base.yml").write_text("a: 1\n---\n")
    resolution = resolve(tmp_path)
    assert [layer.source for layer in resolution.layers] == ["base.yml"]


# --- 5. the plaintext-secret lint knows templates and anchors ---------------------


def test_template_references_are_not_plaintext(tmp_path: Path) -> None:
    assert errors(resolve(DATA / "ansible", environment="production")) == []
    assert errors(resolve(DATA / "helm")) == []
    (tmp_path / "base.yml").write_text(
        'db_password: "{{ vault_db_password }}"\n'
        "api_token: <%= ENV['API_TOKEN'] %>\n"
        "smtp_password: ${SMTP_PASSWORD}\n"
        "jinja_secret: '{% raw %}x{% endraw %}'\n"
        "enc_password: !!str ENC[AES256_GCM,data:abc=,iv:abc=,tag:abc=,type:str]\n"
        "plain_password: hunter2\n"
    )
    (tmp_path / "confscope.toml").write_text('base = ["base.yml"]\ninterpolation = "off"\n')
    assert [(p.path, p.line) for p in resolve(tmp_path).errors] == [("plain_password", 6)]


def test_a_secret_shared_through_an_anchor_is_reported_once_at_its_own_line() -> None:
    problems = [p for p in resolve(DATA / "compose").problems if p.code == "plaintext-secret"]
    assert [(p.file, p.line, p.column, p.path) for p in problems] == [
        ("docker-compose.yml", 3, 3, "x-common-env.POSTGRES_PASSWORD")
    ]
    assert "reused as services.web.environment.POSTGRES_PASSWORD" in problems[0].message
    assert "services.db.environment.POSTGRES_PASSWORD" in problems[0].message


def test_rails_merge_keys_and_secret_key_base(capsys: pytest.CaptureFixture[str]) -> None:
    problems = resolve(DATA / "rails").errors
    assert [(p.file, p.line, p.path) for p in problems] == [
        ("database.yml", 6, "default.password"),
        ("secrets.yml", 2, "development.secret_key_base"),
    ]
    assert "(and reused as development.password, test.password)" in problems[0].message
    code, out, _ = run(capsys, "-C", str(DATA / "rails"), "validate", "--format", "json")
    assert code == 1 and len(json.loads(out)) == 2


def test_a_scalar_alias_of_a_secret_is_reported_at_its_anchor(tmp_path: Path) -> None:
    (tmp_path / "base.yml").write_text(
        "primary:\n  password: &pw s3cret\nreplica:\n  password: *pw\n"
    )
    problems = resolve(tmp_path).errors
    assert [(p.line, p.path) for p in problems] == [(2, "primary.password")]
    assert "reused as replica.password" in problems[0].message


def test_the_default_secret_keys_pattern_knows_rails_secret_key_base() -> None:
    import re

    pattern = re.compile(DEFAULT_SECRET_KEYS)
    for key in ("secret_key_base", "DB_PASSWORD", "api_key", "token"):
        assert pattern.search(key), key
    for key in ("secret_key_base_dir", "token_ttl", "password_policy", "username"):
        assert not pattern.search(key), key


# --- every set ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "context"),
    [
        ("helm", {}),
        ("kustomize", {}),
        ("spring", {}),
        ("spring", {"environment": "production"}),
        ("hydra", {"override_type": "fast"}),
        ("hydra", {"override_type": "postgres"}),
        ("ansible", {"environment": "production"}),
    ],
)
def test_every_real_world_set_validates_clean(name: str, context: dict[str, str]) -> None:
    """Nothing is broken in these sets (compose and rails hold real plaintext secrets)."""
    assert errors(resolve(DATA / name, **context)) == []


def test_an_edit_in_one_document_reloads_incrementally(tmp_path: Path) -> None:
    root = copy("spring", tmp_path)
    config = ConfigSet(root)
    context = Context.build(process_env={}, base_environment="production")
    assert config.resolve(context).plain()["server"]["port"] == 80
    path = root / "application.yml"
    path.write_text(path.read_text().replace("  port: 80\n", "  port: 8443\n"))
    port = config.resolve(context).get("server.port")
    assert port is not None and (port.value, port.layer, port.line) == (8443, "application#2", 37)
    assert config.resolve(context).plain()["logging"]["level"]["root"] == "WARN"
