"""Fixtures for the sops tests (the helpers live in sops_tools)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sops.sops_tools import AgeKey, Tools, new_key


@pytest.fixture
def age_key(tmp_path: Path) -> AgeKey:
    keys = tmp_path / "keys"
    keys.mkdir()
    return new_key(keys)


@pytest.fixture
def other_key(tmp_path: Path) -> AgeKey:
    keys = tmp_path / "other-keys"
    keys.mkdir()
    return new_key(keys)


@pytest.fixture
def tools(tmp_path: Path, age_key: AgeKey, monkeypatch: pytest.MonkeyPatch) -> Tools:
    work = tmp_path / "work"
    home = tmp_path / "home"
    temp = tmp_path / "tmp"
    for directory in (work, home, temp):
        directory.mkdir()
    return Tools(age_key, work, home, temp, monkeypatch)
