"""Real-world layouts in the TUI: path-derived layer names and documents as layers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.tui.driver import running
from tui.widgets.layers import LayerTable

pytestmark = pytest.mark.anyio

DATA = Path(__file__).resolve().parents[1] / "data" / "realworld"


async def test_same_named_files_show_their_path_names(tmp_path: Path) -> None:
    root = tmp_path / "kustomize"
    shutil.copytree(DATA / "kustomize", root)
    async with running(root) as run:
        table = run.screen.query_one(LayerTable)
        names = [str(table.get_row_at(i)[0]).strip() for i in range(table.row_count)]
        assert names == [
            "base/deployment",
            "overlays/prod/deployment",
            "overlays/staging/deployment",
        ]
        assert " overlays/staging/deployment " in run.label("spec.replicas")
        assert run.screen.view is not None
        assert not run.screen.view.resolution.errors


async def test_a_document_layer_says_which_document_and_line(tmp_path: Path) -> None:
    root = tmp_path / "spring"
    shutil.copytree(DATA / "spring", root)
    async with running(root, environment="production") as run:
        assert " application#2 " in run.label("server.port")
        await run.pilot.press("l")
        table = run.screen.query_one(LayerTable)
        table.move_cursor(row=table.layer_names.index("application#2"))
        await run.pilot.pause()
        await run.wait_for(
            lambda: "file       application.yml#2 (line 25)" in run.detail, "the layer's detail"
        )
