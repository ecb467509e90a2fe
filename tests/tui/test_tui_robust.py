"""The app opens on anything: a missing directory, broken files, a huge tree."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify

from core.configset import ConfigSet
from tests.tui.driver import SIZE, running
from tui.app import ConfscopeApp
from tui.widgets.config_tree import ConfigTree
from tui.widgets.key_tree import CHUNK
from tui.widgets.problems import ProblemsPanel

pytestmark = pytest.mark.anyio

SAMPLES = Path(__file__).resolve().parents[2] / "sample_configs"


async def test_a_missing_directory_opens_and_says_what_is_wrong(tmp_path: Path) -> None:
    async with running(tmp_path / "nowhere") as run:
        panel = run.screen.query_one(ProblemsPanel)
        assert panel.problems, "a missing set must be reported, not shown as empty"
        assert any(p.severity == "error" for p in panel.problems)
        assert len(run.screen.query_one(ConfigTree).root.children) == 0
        assert "empty" in run.detail
        assert run.app.is_running


async def test_an_empty_and_a_garbage_file_open(tmp_path: Path) -> None:
    (tmp_path / "overrides").mkdir()
    (tmp_path / "base.yml").write_text("")
    (tmp_path / "overrides" / "x.yml").write_bytes(b"\xff\xfe: [\n\t- {")
    async with running(tmp_path) as run:
        await run.pilot.press("o", "e", "slash", *"zzz", "escape", "question_mark", "escape")
        await run.pilot.press("n", "t", "f", "right_square_bracket", "g", "escape")
        await run.resolved()
        assert run.app.is_running


async def test_an_engine_failure_is_shown_not_raised(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(ConfigSet, "resolve", explode)
    app = ConfscopeApp(config_dir)
    messages: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        for _ in range(100):
            if any(isinstance(m, Notify) for m in messages):
                break
            await pilot.pause(0.05)
        notices = [m.notification for m in messages if isinstance(m, Notify)]
        assert [n.message for n in notices] == ["RuntimeError: the engine fell over"]
        assert notices[0].severity == "error"
        assert "resolving the config set failed" in notices[0].title
        assert app.is_running
        await pilot.press("o", "t", "n", "slash", "x", "escape")
        assert app.is_running


async def test_names_that_look_like_markup_are_shown_as_text(tmp_path: Path) -> None:
    (tmp_path / "overrides").mkdir()
    (tmp_path / "base.yml").write_text('"key[/]": "[b]value[/b]"\n')
    (tmp_path / "overrides" / "odd.yml").write_text(
        '_metadata:\n  name: "odd[/]layer"\n  conditions:\n'
        '    environment: ["[/]env"]\n    override_type: "[red]t"\n"key[/]": x\n'
    )
    async with running(tmp_path) as run:
        tree = run.screen.query_one(ConfigTree)
        assert str(tree.root.children[0].label).startswith("key[/]: [b]value[/b]")
        await run.pilot.press("ctrl+p", *"odd")
        await run.pilot.pause(0.3)
        await run.pilot.press("enter")  # force the odd layer on from the palette
        await run.wait_for(lambda: run.screen.whatif.force_on == ("odd[/]layer",), "forcing")
        await run.resolved()
        assert str(tree.root.children[0].label).startswith("key[/]: x")
        await run.pilot.press("n", "t", "l", "f")
        await run.resolved()
        assert run.app.is_running


@pytest.mark.skipif(not (SAMPLES / "base.yml").exists(), reason="sample_configs not there")
async def test_the_broken_sample_layers_show_every_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/test")
    async with running(SAMPLES, override_type="broken") as run:
        panel = run.screen.query_one(ProblemsPanel)
        assert len(panel.problems) >= 5
        assert any(p.code == "syntax" for p in panel.problems)
        # The tree is there despite the broken files, with problem marks on it.
        tree = run.screen.query_one(ConfigTree)
        assert tree.root.children
        assert any("✖" in str(node.label) for node in tree.root.children)


def big_set(root: Path, sections: int = 300, keys: int = 200) -> Path:
    (root / "overrides").mkdir(parents=True)
    lines: list[str] = []
    for section in range(sections):
        lines.append(f"section_{section}:")
        lines.extend(f"  key_{key}: value {section} {key}" for key in range(keys))
    (root / "base.yml").write_text("\n".join(lines) + "\n")
    wide = ["wide:"] + [f"  k{i}: {i}" for i in range(1000)]
    (root / "overrides" / "wide.yml").write_text("\n".join(wide) + "\n")
    return root


async def test_sixty_thousand_values_open_lazily(tmp_path: Path) -> None:
    root = big_set(tmp_path / "big")
    started = time.monotonic()
    async with running(root) as run:
        opened = time.monotonic() - started
        tree = run.screen.query_one(ConfigTree)
        assert len(run.screen.view.index) > 61_000  # type: ignore[union-attr]
        # Only the top level exists as tree nodes until something is expanded.
        assert len(tree.root.children) == 301
        assert sum(1 for _ in tree._by_path) < 400
        assert opened < 15, f"opening took {opened:.1f}s"
        # A wide mapping loads a chunk at a time; the "more" leaf loads the next.
        run.label("wide.k0")
        wide = tree._by_path[("wide",)]
        assert len(wide.children) == CHUNK + 1
        assert "600 more" in str(wide.children[-1].label)
        run.label(f"wide.k{CHUNK - 1}")
        await run.pilot.press("down")
        assert tree.cursor_node is wide.children[-1]
        await run.pilot.press("enter")
        await run.wait_for(lambda: len(wide.children) == 2 * CHUNK + 1, "the next chunk")
        assert tree.cursor_path == ("wide", f"k{CHUNK}")
        # Going to a key deep in a big section works without loading the others.
        assert run.label("section_299.key_199").startswith("key_199: value 299 199")
        assert sum(1 for _ in tree._by_path) < 2_000
