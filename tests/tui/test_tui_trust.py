"""The TUI asks before it runs a set's schema: shows the code, trust or not now."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, TextArea

from core.trust import TrustStore
from tests.tui.driver import running
from tui.screens.trust import TrustScreen
from tui.widgets.problems import ProblemsPanel

pytestmark = pytest.mark.anyio

SCHEMA = """\
from pathlib import Path
from pydantic import BaseModel

Path(__file__).with_name("ran").write_text("the schema ran")

class Config(BaseModel):
    port: int
"""


@pytest.fixture
def untrusted_set(tmp_path: Path) -> Path:
    (tmp_path / "confscope.toml").write_text('schema = "schema.py:Config"\n')
    (tmp_path / "base.yml").write_text("port: not-a-number\n")
    (tmp_path / "schema.py").write_text(SCHEMA)
    return tmp_path


async def test_trusting_from_the_question_validates(
    untrusted_set: Path, trust_store: TrustStore
) -> None:
    async with running(untrusted_set) as run:
        await run.wait_for(lambda: isinstance(run.app.screen, TrustScreen), "the trust question")
        question = run.app.screen
        assert isinstance(question, TrustScreen)
        await run.wait_for(lambda: question.focused is not None, "the question shown")
        shown = question.query_one(TextArea)
        assert shown.read_only and shown.text == SCHEMA
        assert question.focused is question.query_one("#not-now", Button)
        assert not (untrusted_set / "ran").exists()
        problems = run.screen.query_one(ProblemsPanel).problems
        assert [p.code for p in problems] == ["untrusted-schema"]

        await run.pilot.click("#trust")
        await run.wait_for(lambda: (untrusted_set / "ran").exists(), "the schema to run")
        await run.wait_for(
            lambda: any(p.code == "schema" for p in run.screen.query_one(ProblemsPanel).problems),
            "the schema's problem",
        )
        assert trust_store.entry(untrusted_set) is not None
        await run.wait_for(
            lambda: "trusted schema.py" in " ".join(run.notices()), "the trust notice"
        )


async def test_not_now_keeps_the_code_unrun_and_does_not_nag(
    untrusted_set: Path, trust_store: TrustStore
) -> None:
    async with running(untrusted_set) as run:
        await run.wait_for(lambda: isinstance(run.app.screen, TrustScreen), "the trust question")
        await run.pilot.press("escape")
        await run.wait_for(lambda: not isinstance(run.app.screen, TrustScreen), "the answer")
        await run.pilot.press("r")  # a reload does not ask again
        await run.resolved()
        assert not isinstance(run.app.screen, TrustScreen)
        assert not (untrusted_set / "ran").exists()
        assert trust_store.entry(untrusted_set) is None

        # Choosing the warning in the problems panel asks again.
        panel = run.screen.query_one(ProblemsPanel)
        [warning] = panel.problems
        run.screen.jump_to_problem(warning)
        await run.wait_for(lambda: isinstance(run.app.screen, TrustScreen), "the question again")
        await run.wait_for(lambda: run.app.screen.query("#not-now"), "the question shown")
        await run.pilot.press("escape")


async def test_trust_for_one_run_asks_nothing(untrusted_set: Path) -> None:
    async with running(untrusted_set, trust_schema=True) as run:
        await run.wait_for(lambda: (untrusted_set / "ran").exists(), "the schema to run")
        assert not isinstance(run.app.screen, TrustScreen)
