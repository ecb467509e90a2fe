"""Regenerate `docs/tui.svg`, the README's picture of the TUI.

    .venv/bin/python docs/screenshot.py

Runs the app headless on `sample_configs/` with the docker type, puts the cursor on a
key that one layer overrode (so the "why this value" pane has something to say) and
saves an SVG. The environment is pinned (HOME and PATH only, linux) so the picture does
not depend on the machine that made it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "tui.svg"
SIZE = (120, 36)
KEY = ("database", "pool", "max_size")
TIMEOUT = 20.0


def pin_the_machine() -> None:
    os.environ.clear()
    os.environ.update(HOME="/home/user", PATH="/usr/local/bin:/usr/bin:/bin")
    sys.platform = "linux"


async def until(pilot: Any, ready: Any, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshot: timed out waiting for {what}")
        await pilot.pause(0.05)


async def shoot(pilot: Any) -> None:
    from tui.screens.main import MainScreen

    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
    screen = app.screen
    await until(pilot, lambda: screen.view is not None, "the config to resolve")
    screen.config_tree.reveal(KEY)
    await until(pilot, lambda: screen.config_tree.cursor_path == KEY, "the cursor")
    # Until two shots a moment apart agree: tables measure their columns when idle.
    shots = [""]

    def steady() -> bool:
        shots.append(app.export_screenshot())
        return shots[-1] == shots[-2]

    await until(pilot, steady, "the screen to settle")
    OUTPUT.write_text(shots[-1], encoding="utf-8")
    app.exit()


def main() -> int:
    pin_the_machine()
    sys.path.insert(0, str(ROOT))
    from tui.app import ConfscopeApp

    app = ConfscopeApp(ROOT / "sample_configs", base_override_type="docker")
    app.run(headless=True, size=SIZE, auto_pilot=shoot)
    if not OUTPUT.exists():
        return 1
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
