"""Fixtures for the TUI tests: a small config set on tmp_path, a clean context."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.tui.driver import BASE, DOCKER, LOCAL, STAGING

# Variables the real environment may hold that would change which layers activate.
_CONTEXT_VARIABLES = ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE", "DB_PORT", "EDITOR", "VISUAL")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def real_context(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _CONTEXT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def machine_free(monkeypatch: pytest.MonkeyPatch) -> None:
    """A context that is the same on every machine: HOME and PATH only, on linux.

    What the screen shows of `sample_configs/` must not depend on who runs the tests:
    `CI`, `NVIDIA_VISIBLE_DEVICES`, `API_PORT` or a macOS laptop all change values.
    pytest's own variables stay (xdist and the snapshot plugin read theirs).
    """
    for name in list(os.environ):
        if not name.startswith("PYTEST_") and name not in (
            "TEXTUAL_SNAPSHOT_TEMPDIR",
            "XDG_DATA_HOME",
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", "/home/user")
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
    monkeypatch.setattr(sys, "platform", "linux")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    root = tmp_path / "set"
    (root / "overrides").mkdir(parents=True)
    (root / "base.yml").write_text(BASE)
    (root / "overrides" / "docker.yml").write_text(DOCKER)
    (root / "overrides" / "local.yml").write_text(LOCAL)
    (root / "overrides" / "staging.yml").write_text(STAGING)
    return root
