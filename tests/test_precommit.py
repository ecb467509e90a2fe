"""The pre-commit hooks, run for real: `pre-commit try-repo` on repositories holding a set.

try-repo installs this project into a fresh environment of its own on every run, which
takes most of the test's time: the clean and the leaky repository run side by side.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.gitrepo import GIT, commit, git_env, init, needs_git

PROJECT = Path(__file__).resolve().parent.parent
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"

pytestmark = needs_git

MANIFEST = """\
base = ["base.yml"]
overrides = ["overrides/*.yml"]
secret_keys = '(?i)(password|secret|token)$'
"""
BASE = """\
database:
  host: db.internal
  password: ${DB_PASSWORD:-}
"""
PRODUCTION = """\
_metadata:
  priority: 50
  conditions:
    environment: production
database:
  host: db.prod
"""


def a_repository(root: Path, production: str) -> Path:
    """A project repository with its config set in config/, committed."""
    init(root)
    (root / "config" / "overrides").mkdir(parents=True)
    (root / "config" / "confscope.toml").write_text(MANIFEST)
    (root / "config" / "base.yml").write_text(BASE)
    (root / "config" / "overrides" / "production.yml").write_text(production)
    commit(root, "config", author="Alice Example", date="2024-01-02T03:04:05+00:00")
    return root


def is_git_checkout(path: Path) -> bool:
    assert GIT is not None
    done = subprocess.run(
        [GIT, "-C", str(path), "rev-parse", "--show-toplevel"], capture_output=True, text=True
    )
    return done.returncode == 0 and Path(done.stdout.strip()).resolve() == path


def test_the_hook_manifest_is_what_pre_commit_expects() -> None:
    hooks = YAML(typ="safe").load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    by_id = {hook["id"]: hook for hook in hooks}
    assert set(by_id) == {"confscope-validate", "confscope-no-plaintext-secrets"}
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["entry"].startswith("confscope-hook ") and hook["files"]
    assert "--all-types" not in by_id["confscope-validate"]["entry"]  # the front adds it
    # and pre-commit's own schema for a hooks manifest agrees
    check = subprocess.run(
        [str(PRE_COMMIT), "validate-manifest", str(PROJECT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_pre_commit_try_repo_passes_a_clean_set_and_stops_a_plaintext_secret(
    tmp_path: Path,
) -> None:
    if not is_git_checkout(PROJECT):
        pytest.skip(f"{PROJECT} is not a git checkout: pre-commit try-repo needs one")
    clean = a_repository(tmp_path / "clean", PRODUCTION)
    # The leak sits in a layer that is inactive here: the secrets hook still sees it.
    leaky = a_repository(tmp_path / "leaky", PRODUCTION + "  password: hunter2\n")
    env = {**git_env(), "PRE_COMMIT_COLOR": "never", "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env.pop("ENVIRONMENT", None)
    runs = {
        repo: subprocess.Popen(
            [str(PRE_COMMIT), "try-repo", str(PROJECT), "--all-files"],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for repo in (clean, leaky)
    }
    out = {repo: run.communicate(timeout=600)[0] for repo, run in runs.items()}
    codes = {repo: run.returncode for repo, run in runs.items()}

    assert codes[clean] == 0, out[clean]
    assert "confscope validate (every override type)" in out[clean]
    assert out[clean].count("Passed") == 2, out[clean]

    assert codes[leaky] == 1, out[leaky]
    assert "confscope no plaintext secrets" in out[leaky]
    assert "Failed" in out[leaky]
    assert (
        "overrides/production.yml:7:3: error: database.password: database.password is stored"
        " in plain text" in out[leaky]
    ), out[leaky]
    assert "hunter2" not in out[leaky]


def test_the_hook_front_finds_every_tracked_set(tmp_path: Path) -> None:
    from cli.hook import discover_sets

    repo = a_repository(tmp_path / "repo", PRODUCTION)
    (repo / "services" / "api").mkdir(parents=True)
    (repo / "services" / "api" / "confscope.toml").write_text(MANIFEST)
    commit(repo, "api", author="Alice Example", date="2024-01-03T00:00:00+00:00")
    (repo / "untracked").mkdir()
    (repo / "untracked" / "confscope.toml").write_text(MANIFEST)
    assert discover_sets(repo) == [repo / "config", repo / "services" / "api"]
    assert discover_sets(tmp_path) == [tmp_path]  # no repository: the directory itself


def test_the_hook_front_passes_global_options_and_checks_inactive_layers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli.hook import main as hook

    for name in ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE"):
        monkeypatch.delenv(name, raising=False)

    repo = a_repository(tmp_path / "repo", PRODUCTION + "  password: hunter2\n")
    config = str(repo / "config")
    # validate sees the leak only where the layer is active: --env is passed on
    assert hook(["validate", "-C", config]) == 0
    assert hook(["validate", "-C", config, "--env", "production"]) == 1
    assert "plain text" in capsys.readouterr().out
    assert hook(["no-plaintext-secrets", "-C", config]) == 1
    out = capsys.readouterr().out
    assert "overrides/production.yml:7:3" in out and "hunter2" not in out
    assert hook(["no-plaintext-secrets", "-C", str(tmp_path / "nowhere")]) == 2
