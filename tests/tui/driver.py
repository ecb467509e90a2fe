"""Driving the app in tests: open it on a set, wait for what it shows, read it back."""

from __future__ import annotations

import html
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from tui.app import ConfscopeApp
from tui.screens.main import MainScreen
from tui.widgets.config_tree import ConfigTree
from tui.widgets.detail import DetailPane

SIZE = (120, 40)
SAMPLES = Path(__file__).resolve().parents[2] / "sample_configs"

BASE = """\
app:
  name: demo
  debug: false
database:
  host: db.prod
  port: ${DB_PORT:-5432}
  user: admin
servers:
  - alpha
  - beta
"""

DOCKER = """\
_metadata:
  priority: 30
  conditions:
    override_type: docker
database:
  host: db.docker
"""

LOCAL = """\
_metadata:
  priority: 20
  conditions:
    override_type: [local, docker]
database:
  host: localhost
  user: dev
"""

STAGING = """\
_metadata:
  priority: 25
  conditions:
    environment: staging
app:
  debug: true
"""


@dataclass
class Running:
    app: ConfscopeApp
    pilot: Pilot[int]
    messages: list[Message] = field(default_factory=list)

    @property
    def screen(self) -> MainScreen:
        screen = self.app.screen_stack[1] if len(self.app.screen_stack) > 1 else None
        assert isinstance(screen, MainScreen), self.app.screen_stack
        return screen

    @property
    def tree(self) -> ConfigTree:
        return self.screen.query_one(ConfigTree)

    @property
    def detail(self) -> str:
        return self.screen.query_one(DetailPane).shown

    def label(self, path: str) -> str:
        """The label shown for the tree node of `path` (dotted), opening the tree to it."""
        from core.model import parse_path

        keys = parse_path(path)
        landed = self.tree.reveal(keys)
        assert landed == keys, f"{path} is not in the tree"
        node = self.tree.cursor_node
        assert node is not None
        return str(node.label)

    async def select(self, path: str) -> str:
        """Put the cursor on `path` and wait for the detail pane to describe it."""
        label = self.label(path)
        await self.wait_for(lambda: self.detail.startswith(path + "\n"), f"the detail of {path}")
        return label

    def notices(self) -> list[str]:
        return [m.notification.message for m in self.messages if isinstance(m, Notify)]

    async def wait_for(
        self, predicate: Callable[[], Any], what: str, timeout: float = 15.0
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            await self.pilot.pause(0.05)
        raise AssertionError(f"timed out waiting for {what}")

    async def resolved(self) -> None:
        """Wait until the screen shows the result of its latest resolve."""
        await self.wait_for(lambda: self._settled(), "the resolve to finish")
        await self.pilot.pause()

    def _settled(self) -> bool:
        screen = self.screen
        view = screen.view
        return (
            view is not None
            and view.whatif == screen.whatif
            and not any(w.group == "resolve" and w.is_running for w in screen.workers)
        )


def screen_text(app: ConfscopeApp) -> list[str]:
    """The terminal as lines of plain text, as a user would read it off the screen."""
    svg = app.export_screenshot()
    rows: dict[int, list[tuple[int, str]]] = {}
    for match in _SVG_TEXT.finditer(svg):
        x, y, text = float(match[1]), float(match[2]), html.unescape(match[3])
        rows.setdefault(round((y - _SVG_TOP) / _SVG_LINE), []).append((round(x / _SVG_CELL), text))
    lines = []
    for row in range(app.size.height):
        line = ""
        for column, text in sorted(rows.get(row, [])):
            line = line.ljust(column) + text
        lines.append(line.replace("\xa0", " "))
    return lines


# Where Textual's SVG export puts each run of text: x, y in pixels.
_SVG_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>')
_SVG_TOP, _SVG_LINE, _SVG_CELL = 20.0, 24.4, 12.2


@asynccontextmanager
async def running(root: Path, **context: Any) -> AsyncIterator[Running]:
    """The app on `root`, resolved; `size=(w, h)` for a terminal other than SIZE."""
    size: tuple[int, int] = context.pop("size", SIZE)
    app = ConfscopeApp(root, **context)
    messages: list[Message] = []
    async with app.run_test(size=size, message_hook=messages.append) as pilot:
        run = Running(app, pilot, messages)
        await run.wait_for(lambda: len(app.screen_stack) > 1, "the main screen")
        await run.resolved()
        yield run
