"""Tests for core.manifest: defaults, the manifest's keys, globs, sops config and problems."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from core.layerfiles import layer_files
from core.manifest import (
    DEFAULT_OVERRIDES,
    DEFAULT_SECRET_KEYS,
    Manifest,
    display_path,
    find_sops_config,
    load_manifest,
)
from core.model import Problem


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("a: 1\n")


def write_manifest(root: Path, text: str) -> None:
    (root / "confscope.toml").write_text(dedent(text).lstrip("\n"))


def relative(files: list[tuple[Path, bool]], root: Path) -> list[tuple[str, bool]]:
    return [(path.relative_to(root).as_posix(), is_base) for path, is_base in files]


def messages(problems: list[Problem]) -> list[tuple[str, str, int | None]]:
    return [(p.severity, p.message, p.line) for p in problems]


# --- without a manifest --------------------------------------------------------


def test_defaults_without_manifest(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "base.yml",
        "overrides/b.yaml",
        "overrides/a.yml",
        "overrides/c.yml",
        "overrides/notes.txt",
        "overrides/deeper/x.yml",
    )
    manifest, problems = load_manifest(tmp_path)
    assert problems == []
    assert manifest == Manifest(
        tmp_path.resolve(),
        None,
        ("base.yml",),
        DEFAULT_OVERRIDES,
        None,
        DEFAULT_SECRET_KEYS,
        {},
        find_sops_config(tmp_path),
    )
    files, problems = layer_files(manifest)
    assert problems == []
    assert relative(files, tmp_path.resolve()) == [
        ("base.yml", True),
        ("overrides/a.yml", False),
        ("overrides/b.yaml", False),
        ("overrides/c.yml", False),
    ]
    assert all(path.is_absolute() for path, _ in files)


def test_default_base_is_the_first_that_exists(tmp_path: Path) -> None:
    touch(tmp_path, "config.yml")
    assert load_manifest(tmp_path)[0].base == ("config.yml",)
    touch(tmp_path, "base.yaml")
    assert load_manifest(tmp_path)[0].base == ("base.yaml",)
    touch(tmp_path, "base.yml")
    assert load_manifest(tmp_path)[0].base == ("base.yml",)


def test_no_base_file_without_manifest_is_an_error(tmp_path: Path) -> None:
    touch(tmp_path, "overrides/a.yml")
    manifest, problems = load_manifest(tmp_path)
    root = tmp_path.resolve().as_posix()
    assert messages(problems) == [
        (
            "error",
            f"no base file found in {root}: expected base.yml, base.yaml or config.yml,"
            " or a confscope.toml listing the base files",
            None,
        )
    ]
    assert problems[0].code == "manifest"
    assert manifest.base == ()
    files, more = layer_files(manifest)
    assert relative(files, tmp_path.resolve()) == [("overrides/a.yml", False)]
    assert more == []


def test_default_globs_do_not_warn_when_empty(tmp_path: Path) -> None:
    touch(tmp_path, "base.yml")
    manifest, problems = load_manifest(tmp_path)
    files, more = layer_files(manifest)
    assert problems == [] and more == []
    assert relative(files, tmp_path.resolve()) == [("base.yml", True)]


def test_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    manifest, problems = load_manifest(missing)
    assert [(p.severity, p.message, p.code) for p in problems] == [
        ("error", f"config set directory {missing.resolve().as_posix()} does not exist", "manifest")
    ]
    assert manifest.root == missing.resolve()
    assert manifest.base == ()
    assert layer_files(manifest) == ([], [])


def test_a_file_is_not_a_set_directory(tmp_path: Path) -> None:
    touch(tmp_path, "base.yml")
    _, problems = load_manifest(tmp_path / "base.yml")
    assert [p.message for p in problems] == [
        f"config set {(tmp_path / 'base.yml').resolve().as_posix()} is a file, not a directory"
    ]


# --- with a manifest -----------------------------------------------------------


def test_full_manifest(tmp_path: Path) -> None:
    touch(
        tmp_path,
        "common.yml",
        "base.yml",
        "overrides/z.yml",
        "overrides/a.yml",
        "extra/deep/m.yml",
        "extra/b.yml",
    )
    write_manifest(
        tmp_path,
        """
        base = ["common.yml", "base.yml"]
        overrides = ["overrides/*.yml", "extra/**/*.yml"]
        schema = "schema.py:AppConfig"
        secret_keys = '(?i)pass$'
        [context]
        environment = "staging"
        override_type = "docker"
        """,
    )
    manifest, problems = load_manifest(tmp_path)
    assert problems == []
    assert manifest.file == tmp_path.resolve() / "confscope.toml"
    assert manifest.base == ("common.yml", "base.yml")
    assert manifest.overrides == ("overrides/*.yml", "extra/**/*.yml")
    assert manifest.schema == "schema.py:AppConfig"
    assert manifest.secret_keys == "(?i)pass$"
    assert manifest.context == {"environment": "staging", "override_type": "docker"}
    files, problems = layer_files(manifest)
    assert problems == []
    # bases in listed order, then each glob's files in path order, globs as listed
    assert relative(files, tmp_path.resolve()) == [
        ("common.yml", True),
        ("base.yml", True),
        ("overrides/a.yml", False),
        ("overrides/z.yml", False),
        ("extra/b.yml", False),
        ("extra/deep/m.yml", False),
    ]


def test_no_duplicates_and_base_wins_over_glob(tmp_path: Path) -> None:
    touch(tmp_path, "base.yml", "layers/a.yml", "layers/b.yml")
    write_manifest(
        tmp_path,
        """
        base = ["base.yml", "layers/a.yml", "./base.yml"]
        overrides = ["layers/*.yml", "layers/a*.yml", "*.yml"]
        """,
    )
    manifest, problems = load_manifest(tmp_path)
    assert problems == []
    files, problems = layer_files(manifest)
    assert relative(files, tmp_path.resolve()) == [
        ("base.yml", True),
        ("layers/a.yml", True),
        ("layers/b.yml", False),
    ]
    assert [(p.severity, p.message, p.path, p.file) for p in problems] == [
        ("warning", "base file base.yml is listed more than once", "base", "confscope.toml")
    ]


def test_missing_base_and_empty_glob(tmp_path: Path) -> None:
    touch(tmp_path, "base.yml")
    write_manifest(
        tmp_path,
        """
        base = ["base.yml", "missing.yml"]
        overrides = ["nothing/*.yml"]
        """,
    )
    manifest, problems = load_manifest(tmp_path)
    assert problems == []
    files, problems = layer_files(manifest)
    assert relative(files, tmp_path.resolve()) == [("base.yml", True)]
    assert [(p.severity, p.message, p.code) for p in problems] == [
        ("error", "base file missing.yml does not exist", "manifest"),
        ("warning", "override pattern 'nothing/*.yml' matches no file", "manifest"),
    ]


def test_a_single_string_is_a_list_of_one(tmp_path: Path) -> None:
    touch(tmp_path, "main.yml")
    write_manifest(tmp_path, 'base = "main.yml"\noverrides = "ov/*.yml"\n')
    manifest, problems = load_manifest(tmp_path)
    assert problems == []
    assert manifest.base == ("main.yml",)
    assert manifest.overrides == ("ov/*.yml",)


def test_manifest_without_base_uses_the_default_base(tmp_path: Path) -> None:
    touch(tmp_path, "config.yml")
    write_manifest(tmp_path, 'schema = "s.py:M"\n')
    manifest, problems = load_manifest(tmp_path)
    assert problems == []
    assert manifest.base == ("config.yml",)
    assert manifest.overrides == DEFAULT_OVERRIDES
    assert manifest.secret_keys == DEFAULT_SECRET_KEYS


def test_toml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    touch(tmp_path, "base.yml")
    write_manifest(
        tmp_path,
        """
        base = ["base.yml"]
        overrides = [
          "x",
          = 3
        ]
        """,
    )
    manifest, problems = load_manifest(tmp_path)
    assert [(p.message, p.file, p.line, p.column, p.code) for p in problems] == [
        ("TOML syntax error: invalid value", "confscope.toml", 4, 3, "manifest")
    ]
    # the set is still usable with the defaults
    assert manifest.base == ("base.yml",)
    assert manifest.overrides == DEFAULT_OVERRIDES


def test_toml_error_at_end_of_document(tmp_path: Path) -> None:
    touch(tmp_path, "base.yml")
    write_manifest(tmp_path, "base = [\n")
    _, problems = load_manifest(tmp_path)
    assert len(problems) == 1
    assert problems[0].message.startswith("TOML syntax error: ")
    assert "(at " not in problems[0].message
    assert (problems[0].line, problems[0].column) == (1, 9)


def test_wrong_types_are_reported_at_their_lines(tmp_path: Path) -> None:
    touch(tmp_path, "base.yml")
    write_manifest(
        tmp_path,
        """
        # the set
        base = 3
        overrides = ["a/*.yml", 4]
        schema = 5
        secret_keys = "(unclosed"

        [context]
        environment = 7
        envirnment = "x"
        """,
    )
    manifest, problems = load_manifest(tmp_path)
    assert [(p.severity, p.message, p.path, p.line) for p in problems] == [
        ("error", "'base' must be a list of file names, not the number 3; the default is used",
         "base", 2),
        ("error", "'overrides' must list file names as strings, but it holds the number 4;"
         " the default is used", "overrides", 3),
        ("error", "'schema' must be a string like 'schema.py:AppConfig', not the number 5",
         "schema", 4),
        ("error", "'secret_keys' is not a valid regular expression (missing ), unterminated"
         " subpattern at position 0); the default is used", "secret_keys", 5),
        ("error", "context 'environment' must be a non-empty string, not the number 7",
         "context.environment", 8),
        ("error", "unknown context key 'envirnment' (did you mean 'environment'?); the context"
         " has environment and override_type", "context.envirnment", 9),
    ]  # fmt: skip
    assert all(p.code == "manifest" and p.file == "confscope.toml" for p in problems)
    assert manifest.base == ("base.yml",)
    assert manifest.overrides == DEFAULT_OVERRIDES
    assert manifest.schema is None
    assert manifest.secret_keys == DEFAULT_SECRET_KEYS
    assert manifest.context == {}


def test_unknown_key_and_bad_schema_form(tmp_path: Path) -> None:
    touch(tmp_path, "base.yml")
    write_manifest(tmp_path, 'overides = ["x/*.yml"]\nschema = "schema.py"\ncontext = "prod"\n')
    _, problems = load_manifest(tmp_path)
    assert [(p.message, p.line) for p in problems] == [
        ("unknown manifest key 'overides' (did you mean 'overrides'?); it is ignored", 1),
        (
            "'schema' must name a file or module and a class, like 'schema.py:AppConfig',"
            " not 'schema.py'",
            2,
        ),
        ("'context' must be a table of names and values, not the string 'prod'", 3),
    ]


def test_dotted_module_schema_is_accepted(tmp_path: Path) -> None:
    touch(tmp_path, "base.yml")
    write_manifest(tmp_path, 'schema = "myapp.settings:Config"\n')
    manifest, problems = load_manifest(tmp_path)
    assert problems == []
    assert manifest.schema == "myapp.settings:Config"


# --- sops config and display paths ---------------------------------------------


def test_sops_config_in_a_parent_directory(tmp_path: Path) -> None:
    (tmp_path / ".sops.yaml").write_text("creation_rules: []\n")
    root = tmp_path / "repo" / "config"
    touch(root, "base.yml")
    manifest, problems = load_manifest(root)
    assert problems == []
    assert manifest.sops_config == (tmp_path / ".sops.yaml").resolve()
    # the nearest one wins, as in sops
    (root / ".sops.yaml").write_text("creation_rules: []\n")
    assert load_manifest(root)[0].sops_config == (root / ".sops.yaml").resolve()


def test_no_sops_config(tmp_path: Path) -> None:
    touch(tmp_path, "base.yml")
    assert load_manifest(tmp_path)[0].sops_config is None


def test_sops_yml_is_ignored_like_sops_does(tmp_path: Path) -> None:
    touch(tmp_path, "base.yml")
    (tmp_path / ".sops.yml").write_text("creation_rules: []\n")
    manifest, problems = load_manifest(tmp_path)
    assert manifest.sops_config is None
    assert [(p.severity, p.message) for p in problems] == [
        ("warning", ".sops.yml is ignored: sops only reads a config file named .sops.yaml")
    ]


def test_display_path(tmp_path: Path) -> None:
    root = tmp_path / "set"
    assert display_path(root / "overrides" / "a.yml", root) == "overrides/a.yml"
    assert display_path(root / "overrides" / ".." / "base.yml", root) == "base.yml"
    outside = tmp_path / "elsewhere.yml"
    assert display_path(outside, root) == outside.as_posix()
    assert Path(display_path(outside, root)).is_absolute()
