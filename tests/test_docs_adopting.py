"""docs/adopting.md shows the real-world sets as they are and confscope's real output."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "realworld"
SECTIONS = {
    "Helm": "helm",
    "Spring Boot": "spring",
    "Hydra": "hydra",
    "Docker Compose": "compose",
    "Ansible": "ansible",
}
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def sections() -> dict[str, str]:
    text = (ROOT / "docs" / "adopting.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def sessions(body: str) -> list[tuple[list[str], str]]:
    """Each `$ confscope ...` command in the section's shell blocks, and its output."""
    found: list[tuple[list[str], str]] = []
    for language, block in _BLOCK.findall(body):
        if language or not block.startswith("$ "):
            continue
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            found.append((shlex.split(command)[1:], output))
    return found


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "CONFIG_OVERRIDE_TYPE", "CI", "DB_PORT"):
        monkeypatch.delenv(name, raising=False)
    # The sets are committed here: `why` would name commits that move with every commit.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(DATA))


def test_the_page_covers_every_tool() -> None:
    assert set(SECTIONS) <= set(sections())


@pytest.mark.parametrize("heading", list(SECTIONS))
def test_each_manifest_shown_is_the_sets_own(heading: str) -> None:
    manifests = [b for lang, b in _BLOCK.findall(sections()[heading]) if lang == "toml"]
    assert manifests == [(DATA / SECTIONS[heading] / "confscope.toml").read_text()]


@pytest.mark.parametrize("heading", list(SECTIONS))
def test_each_output_shown_is_what_confscope_prints(
    heading: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = sessions(sections()[heading])
    assert shown, f"no confscope session in the {heading} section"
    for args, output in shown:
        main(["-C", str(DATA / SECTIONS[heading]), *args])
        assert capsys.readouterr().out == output, args
