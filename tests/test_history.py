"""History in the why: `git blame` of each definition, from a real repository."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from core.history import NOT_COMMITTED, GitHistory, parse_porcelain
from tests.gitrepo import commit, init, needs_git

pytestmark = needs_git

BASE = """\
database:
  host: db.prod
  port: 5432
"""

LOCAL = """\
_metadata:
  priority: 20
  conditions:
    override_type: local
database:
  host: localhost
"""


@pytest.fixture(autouse=True)
def no_context(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A set in a repository: base.yml by Alice, then local.yml by Bob, a day later."""
    root = tmp_path / "repo"
    init(root)
    (root / "config" / "overrides").mkdir(parents=True)
    (root / "config" / "base.yml").write_text(BASE)
    commit(root, "Base config", author="Alice Example", date="2024-01-02T03:04:05+01:00")
    (root / "config" / "overrides" / "local.yml").write_text(LOCAL)
    commit(
        root, "Local override\n\nbody text", author="Bob Builder", date="2024-01-03T10:00:00-05:00"
    )
    return root


def test_blame_names_the_commit_author_date_and_summary(repo: Path) -> None:
    history = GitHistory()
    found = history.line(repo / "config" / "overrides" / "local.yml", 6)
    assert found is not None
    assert (found.author, found.date, found.summary) == (
        "Bob Builder",
        "2024-01-03T10:00:00-05:00",
        "Local override",
    )
    assert found.committed and len(found.commit or "") == 40
    base = history.line(repo / "config" / "base.yml", 3)
    assert base is not None
    assert (base.author, base.date) == ("Alice Example", "2024-01-02T03:04:05+01:00")


def test_a_changed_line_is_not_committed_but_its_neighbours_are(repo: Path) -> None:
    base = repo / "config" / "base.yml"
    base.write_text(BASE.replace("5432", "6543"))
    history = GitHistory()
    assert history.line(base, 3) == NOT_COMMITTED
    neighbour = history.line(base, 2)
    assert neighbour is not None and neighbour.author == "Alice Example"


def test_an_untracked_file_is_not_committed(repo: Path) -> None:
    extra = repo / "config" / "overrides" / "extra.yml"
    extra.write_text("database:\n  host: x\n")
    assert GitHistory().line(extra, 2) == NOT_COMMITTED


def test_a_repository_without_commits_is_not_committed(tmp_path: Path) -> None:
    init(tmp_path / "fresh")
    (tmp_path / "fresh" / "base.yml").write_text(BASE)
    assert GitHistory().line(tmp_path / "fresh" / "base.yml", 1) == NOT_COMMITTED


def test_silent_outside_a_work_tree_and_without_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "base.yml").write_text(BASE)
    assert GitHistory().line(outside / "base.yml", 2) is None
    assert GitHistory().log(outside / "base.yml", 2) is None
    assert GitHistory(git=str(tmp_path / "no-such-git")).line(outside / "base.yml", 2) is None


def test_answers_are_kept_per_content_hash(repo: Path) -> None:
    base = repo / "config" / "base.yml"
    history = GitHistory()
    first = history.line(base, 2)
    assert first is not None and first.committed
    shutil.rmtree(repo / ".git")  # git can no longer answer: only the cache can
    assert history.line(base, 2) == first
    base.write_text(BASE + "# changed\n")  # new content: asked again, and git is gone
    assert history.line(base, 2) is None


def test_git_log_shows_every_commit_that_touched_the_line(repo: Path) -> None:
    local = repo / "config" / "overrides" / "local.yml"
    local.write_text(LOCAL.replace("localhost", "127.0.0.1"))
    commit(repo, "Use the loopback address", author="Carol Dev", date="2024-02-01T00:00:00+00:00")
    text = GitHistory().log(local, 6)
    assert text is not None
    assert "Use the loopback address" in text and "Local override" in text
    assert "-  host: localhost" in text and "+  host: 127.0.0.1" in text


def test_porcelain_of_the_working_tree_is_not_committed() -> None:
    porcelain = "0" * 40 + " 3 3 1\nauthor Not Committed Yet\nsummary Version\n\tport: 1\n"
    assert parse_porcelain(porcelain) == NOT_COMMITTED
    assert parse_porcelain("") is None


def test_why_json_has_history_for_the_winner_and_each_beaten(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["-C", str(repo / "config"), "--type", "local", "why", "database.host"]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"path", "value", "layer", "file", "line", "column", "overridden"} <= set(data)
    assert data["history"]["author"] == "Bob Builder"
    assert data["history"]["summary"] == "Local override"
    [beaten] = data["overridden"]
    assert beaten["history"] == {
        "commit": beaten["history"]["commit"],
        "author": "Alice Example",
        "date": "2024-01-02T03:04:05+01:00",
        "summary": "Base config",
        "committed": True,
    }
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "changed  " in text and "Bob Builder 2024-01-03  Local override" in text
    assert "Alice Example 2024-01-02  Base config" in text


def test_why_marks_an_uncommitted_winner(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    local = repo / "config" / "overrides" / "local.yml"
    local.write_text(LOCAL.replace("localhost", "127.0.0.1"))
    args = ["-C", str(repo / "config"), "--type", "local", "why", "database.host"]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["history"]["committed"] is False and data["history"]["commit"] is None
    assert data["overridden"][0]["history"]["author"] == "Alice Example"
    assert main(args) == 0
    assert "changed  not committed yet" in capsys.readouterr().out


def test_why_says_nothing_of_history_outside_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "base.yml").write_text(BASE)
    assert main(["-C", str(tmp_path / "set"), "why", "database.port", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["history"] is None and err == ""
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    assert main(["-C", str(tmp_path / "set"), "why", "database.port"]) == 0
    out, err = capsys.readouterr()
    assert "changed" not in out and err == ""


@needs_git
def test_git_is_asked_once_per_directory_outside_a_work_tree(tmp_path: Path) -> None:
    file = tmp_path / "base.yml"
    file.write_text("a: 1\n")
    history = GitHistory()
    calls: list[tuple[str, ...]] = []
    run = history._run

    def counted(*args: str, cwd: Path) -> Any:
        calls.append(args)
        return run(*args, cwd=cwd)

    history._run = counted  # type: ignore[method-assign]
    assert history.line(file, 1) is None
    file.write_text("a: 2\n")  # an edit: a new digest, so not the line cache
    assert history.line(file, 1) is None
    assert len(calls) == 1
