"""core.watching: which directories are watched, which files count, what a save yields."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from watchfiles import Change

from core.watching import ConfigFileFilter, watch_changes, watch_roots


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_watch_roots_are_the_fewest_existing_directories(tmp_path: Path) -> None:
    (tmp_path / "overrides").mkdir()
    (tmp_path / "base.yml").write_text("a: 1\n")
    (tmp_path / "overrides" / "docker.yml").write_text("a: 2\n")
    elsewhere = tmp_path.parent / f"{tmp_path.name}-shared"
    elsewhere.mkdir()
    (elsewhere / "common.yml").write_text("b: 1\n")
    roots = watch_roots(
        [
            tmp_path / "overrides" / "docker.yml",
            tmp_path,
            tmp_path / "base.yml",
            elsewhere / "common.yml",  # a base file outside the set
            tmp_path / "no-such-dir" / "x.yml",
            tmp_path / "overrides" / "gone.yml",  # missing: not its parent either
        ]
    )
    assert roots == [tmp_path.resolve(), elsewhere.resolve()]
    assert watch_roots([tmp_path / "missing"]) == []


@pytest.mark.parametrize(
    ("name", "wanted"),
    [
        ("base.yml", True),
        ("base.yaml", True),
        ("confscope.toml", True),
        ("schema.py", True),
        ("notes.txt", False),
        ("base.yml~", False),
        (".base.yml.swp", False),
        ("__pycache__/schema.cpython-311.pyc", False),
        (".git/config.yml", False),
    ],
)
def test_the_filter_keeps_config_files_only(tmp_path: Path, name: str, wanted: bool) -> None:
    assert ConfigFileFilter()(Change.modified, str(tmp_path / name)) is wanted


@pytest.mark.anyio
async def test_a_save_by_rename_yields_the_saved_file_once(tmp_path: Path) -> None:
    (tmp_path / "overrides").mkdir()
    target = tmp_path / "overrides" / "docker.yml"
    target.write_text("a: 1\n")
    seen: list[set[Path]] = []

    async def consume() -> None:
        async for changed in watch_changes([tmp_path], debounce_ms=200, step_ms=50):
            seen.append(changed)
            return

    with anyio.fail_after(15):
        async with anyio.create_task_group() as group:
            group.start_soon(consume)
            # Keep saving until the watcher (started in a thread) has noticed.
            while not seen:
                await anyio.sleep(0.2)
                (tmp_path / "notes.txt").write_text("ignored\n")
                temporary = target.with_name("docker.yml.tmp~")
                temporary.write_text("a: 2\n")
                temporary.replace(target)
    assert seen[0] == {target.resolve()}


@pytest.mark.anyio
async def test_nothing_to_watch_ends_at_once(tmp_path: Path) -> None:
    with anyio.fail_after(2):
        batches = [batch async for batch in watch_changes([tmp_path / "gone", tmp_path / "x.yml"])]
    assert batches == []
