"""Regenerate the pictures of the TUI in docs/ (the README and docs/tui.md show them).

    .venv/bin/python docs/screenshot.py

Runs the app headless on `sample_configs/` with the docker type and saves one SVG per
main screen:

- `tui.svg`: the tree and the why pane, the cursor on a key that one layer overrode;
- `tui-whatif.svg`: the layers panel after a what-if (a variable set in the app), the
  cursor on the layer it switched on;
- `tui-matrix.svg`: every key that differs between the override types;
- `keys.svg`: the keys screen (docs/keys.md), with the samples' demo key in
  SOPS_AGE_KEY_FILE as `make run` has it, and keyring's fail backend, so no keyring of
  the machine shows.

The environment is pinned (HOME and PATH only, linux) so the pictures do not depend on
the machine that made them.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SIZE = (120, 36)
KEYS_SIZE = (120, 16)
DEMO_KEY = ROOT / "sample_configs" / "demo-age-key.txt"
KEY = ("database", "pool", "max_size")
WHAT_IF = "NVIDIA_VISIBLE_DEVICES=all"
SWITCHED_ON = "docker-gpu"
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


async def settled(pilot: Any) -> str:
    """A screenshot once two taken a moment apart agree (tables measure when idle)."""
    shots = [""]

    def steady() -> bool:
        shots.append(pilot.app.export_screenshot())
        return shots[-1] == shots[-2]

    await until(pilot, steady, "the screen to settle")
    return shots[-1]


async def shoot(pilot: Any) -> None:
    from tui.screens.main import MainScreen
    from tui.screens.matrix import MatrixScreen
    from tui.widgets.layers import LayerTable

    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
    screen = app.screen
    await until(pilot, lambda: screen.view is not None, "the config to resolve")
    screen.config_tree.reveal(KEY)
    await until(pilot, lambda: screen.config_tree.cursor_path == KEY, "the cursor")
    (DOCS / "tui.svg").write_text(await settled(pilot), encoding="utf-8")

    await pilot.press("x", *WHAT_IF, "enter")
    await until(
        pilot,
        lambda: screen.whatif.set_env and screen.view.whatif == screen.whatif,
        "the what-if",
    )
    await pilot.press("l")
    table = screen.query_one(LayerTable)
    await until(pilot, lambda: table.has_focus, "the layers panel")
    while table.cursor_layer != SWITCHED_ON and table.cursor_row < table.row_count - 1:
        await pilot.press("down")
    (DOCS / "tui-whatif.svg").write_text(await settled(pilot), encoding="utf-8")

    await pilot.press("R", "c", "m")
    await until(
        pilot,
        lambda: isinstance(app.screen, MatrixScreen) and app.screen.matrix is not None,
        "the matrix",
    )
    (DOCS / "tui-matrix.svg").write_text(await settled(pilot), encoding="utf-8")
    app.exit()


async def shoot_keys(pilot: Any) -> None:
    from tui.screens.keys import KeysScreen
    from tui.screens.main import MainScreen

    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
    screen = app.screen
    await until(pilot, lambda: screen.view is not None, "the config to resolve")
    await pilot.press("k")
    await until(
        pilot,
        lambda: isinstance(app.screen, KeysScreen) and app.screen.listings is not None,
        "the keys screen",
    )
    (DOCS / "keys.svg").write_text(await settled(pilot), encoding="utf-8")
    app.exit()


def main() -> int:
    pin_the_machine()
    sys.path.insert(0, str(ROOT))
    from tui.app import ConfscopeApp

    names = ("tui.svg", "tui-whatif.svg", "tui-matrix.svg", "keys.svg")
    for name in names:
        (DOCS / name).unlink(missing_ok=True)
    # As `make run` opens it: the bundled samples' schema trusted for this run.
    app = ConfscopeApp(
        ROOT / "sample_configs", trust_schema=True, history=False, base_override_type="docker"
    )
    app.run(headless=True, size=SIZE, auto_pilot=shoot)
    os.environ.update(
        SOPS_AGE_KEY_FILE=str(DEMO_KEY), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"
    )
    app = ConfscopeApp(
        ROOT / "sample_configs", trust_schema=True, history=False, base_override_type="docker"
    )
    app.run(headless=True, size=KEYS_SIZE, auto_pilot=shoot_keys)
    missing = [name for name in names if not (DOCS / name).exists()]
    if missing:
        print(f"screenshot: not written: {', '.join(missing)}", file=sys.stderr)
        return 1
    for name in names:
        print(f"wrote docs/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
