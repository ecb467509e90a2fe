"""A real git repository in a test's tmp_path, with authors and dates fixed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def git_env(
    author: str = "Alice Example", date: str = "2024-01-02T03:04:05+01:00"
) -> dict[str, str]:
    """The environment of one git command: no user or system config, a fixed identity."""
    email = author.split()[0].lower() + "@example.com"
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": date,
    }


def git(
    repo: Path, *args: str, author: str = "Alice Example", date: str = "2024-01-02T03:04:05+01:00"
) -> str:
    assert GIT is not None
    done = subprocess.run(
        [GIT, "-C", str(repo), *args],
        env=git_env(author, date),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def init(repo: Path) -> None:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")


def commit(repo: Path, message: str, *, author: str, date: str) -> str:
    """Stage everything and commit it; the new commit's hash."""
    git(repo, "add", "-A", author=author, date=date)
    git(repo, "commit", "-q", "-m", message, author=author, date=date)
    return git(repo, "rev-parse", "HEAD").strip()
