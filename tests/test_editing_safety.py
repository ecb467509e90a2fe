"""Writes are safe: a stale plan writes nothing, a failed write leaves the file and no
temp file, a file that does not read back as written is restored."""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.editing import EditPlan, plan_set, undo_plan, write_plan
from core.editing.checking import same
from core.loading import parse_bytes

TEXT = "# settings\nserver:\n  host: localhost  # where\n  port: 8080\nname: web\n"


def _plan(file: Path, value: Any = 9090) -> EditPlan:
    plan = plan_set(file, "a.yml", ("server", "port"), value)
    assert isinstance(plan, EditPlan), plan
    return plan


@pytest.fixture
def file(tmp_path: Path) -> Path:
    path = tmp_path / "a.yml"
    path.write_text(TEXT)
    path.chmod(0o640)
    return path


def test_a_plan_writes_its_bytes_and_keeps_the_mode(file: Path) -> None:
    result = write_plan(_plan(file))
    assert result.written and result.problem is None
    assert file.read_text() == TEXT.replace("8080", "9090")
    assert stat.S_IMODE(file.stat().st_mode) == 0o640
    assert result.stamp is not None and result.stamp.size == file.stat().st_size


def test_a_file_changed_since_the_plan_is_not_written(file: Path) -> None:
    plan = _plan(file)
    file.write_text(TEXT.replace("web", "api"))
    result = write_plan(plan)
    assert not result.written and result.problem is not None
    assert "changed on disk" in result.problem.message and "reload" in result.problem.message
    assert file.read_text() == TEXT.replace("web", "api")


def test_a_same_size_rewrite_is_caught_by_the_hash(file: Path) -> None:
    plan = _plan(file)
    info = file.stat()
    file.write_text(TEXT.replace("8080", "8081"))
    os.utime(file, ns=(info.st_atime_ns, info.st_mtime_ns))  # same size, same mtime
    result = write_plan(plan)
    assert not result.written and "changed on disk" in str(result.problem)


@pytest.mark.parametrize("step", ["write", "fchmod", "fsync", "replace"])
def test_a_write_failing_at_any_step_leaves_the_file_and_no_temp_file(
    file: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    plan = _plan(file)

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, step, fail)
    result = write_plan(plan)
    monkeypatch.undo()
    assert not result.written
    assert result.problem is not None and "No space left on device" in result.problem.message
    assert file.read_text() == TEXT
    assert sorted(p.name for p in file.parent.iterdir()) == ["a.yml"]


def test_a_file_that_does_not_read_back_as_written_is_restored(
    file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _plan(file)
    from core.editing import writing

    real = writing.current_stamp
    calls = []

    def lying(path: Path) -> Any:
        stamp, data = real(path)
        calls.append(1)
        return (stamp, data + b"#" if len(calls) == 2 and data else data)

    monkeypatch.setattr(writing, "current_stamp", lying)
    result = write_plan(plan)
    assert not result.written and "restored" in str(result.problem)
    assert file.read_text() == TEXT


def test_undo_puts_the_old_bytes_back(file: Path) -> None:
    result = write_plan(_plan(file))
    undo = undo_plan(result)
    assert undo is not None
    assert write_plan(undo).written
    assert file.read_text() == TEXT


def test_the_watcher_hears_of_our_own_writes(file: Path) -> None:
    heard = []
    result = write_plan(_plan(file), on_written=lambda path, stamp: heard.append((path, stamp)))
    assert heard == [(file, result.stamp)]


def test_an_edit_that_would_break_the_file_is_refused(file: Path) -> None:
    from core.editing.checking import Expectation, check

    broken = TEXT.replace("port: 8080", "port: [8080")
    message = check(TEXT, broken, Expectation(("server", "port"), [8080]), None, "a.yml")
    assert message is not None and "unreadable" in message


scalars = st.one_of(
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(
        st.characters(codec="utf-8", exclude_characters="\x00\ufeff"),
        max_size=40,
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=scalars, style=st.sampled_from(["8080", "'x'", '"x"', "|\n    x\n", "[1, 2]"]))
def test_any_scalar_round_trips_through_set_and_load(
    tmp_path: Path, value: Any, style: str
) -> None:
    path = tmp_path / "p.yml"
    flow = style.startswith("[")
    path.write_text(f"a:\n  b: {style}\n  c: 1  # keep\n")
    key = ("a", "b", 0) if flow else ("a", "b")
    plan = plan_set(path, "p.yml", key, value)
    assert isinstance(plan, EditPlan), plan
    assert write_plan(plan).written or not plan.changed
    parsed = parse_bytes(path.read_bytes(), "p.yml")
    assert parsed.root is not None
    node = parsed.root.plain()["a"]["b"]
    got = node[0] if flow else node
    if isinstance(value, float) and math.isnan(value):
        assert isinstance(got, float) and math.isnan(got)
    else:
        assert same(got, value)
    assert path.read_text().endswith("  c: 1  # keep\n")


def test_a_value_hook_rewrites_the_text_before_it_is_written(file: Path) -> None:
    seen = []

    def seal(path: Any, value: Any, text: str) -> str:
        seen.append((path, value, text))
        return f"ENC[{text}]"

    plan = plan_set(file, "a.yml", ("server", "port"), 9090, hook=seal)
    assert isinstance(plan, EditPlan) and "<hidden>" in plan.description
    assert write_plan(plan).written
    assert seen == [(("server", "port"), 9090, "9090")]
    assert "  port: ENC[9090]\n" in file.read_text()
    plan = plan_set(file, "a.yml", ("server", "token"), "s3cret", hook=seal)
    assert isinstance(plan, EditPlan) and write_plan(plan).written
    assert "  token: ENC[s3cret]\nname: web\n" in file.read_text()


def test_a_symlinked_layer_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real" / "a.yml"
    real.parent.mkdir()
    real.write_text(TEXT)
    link = tmp_path / "a.yml"
    link.symlink_to(real)
    assert write_plan(_plan(link)).written
    assert link.is_symlink()
    assert real.read_text() == TEXT.replace("8080", "9090")
    assert sorted(p.name for p in real.parent.iterdir()) == ["a.yml"]
