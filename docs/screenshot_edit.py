"""Regenerate `docs/tui-edit.svg`, the picture of the edit dialog in docs/editing.md.

    .venv/bin/python docs/screenshot_edit.py

Runs the app headless on `sample_configs/` with the docker type (the schema trusted,
as `--trust` does), opens the edit dialog on a key that one layer overrode, with the
layer list showing each layer's definition, types a new value and shows the diff.
The machine is pinned as in `docs/screenshot.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "tui-edit.svg"
SIZE = (120, 36)
KEY = ("database", "pool", "max_size")
NEW_VALUE = "50"


async def shoot(pilot: Any) -> None:
    from screenshot import until  # docs/screenshot.py, beside this file
    from textual.widgets import Input

    from tui.screens.edit import EditScreen
    from tui.screens.main import MainScreen

    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, MainScreen), "the main screen")
    screen = app.screen
    await until(pilot, lambda: screen.view is not None, "the config to resolve")
    screen.config_tree.reveal(KEY)
    await until(pilot, lambda: screen.config_tree.cursor_path == KEY, "the cursor")
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, EditScreen), "the edit dialog")
    dialog = app.screen
    dialog.query_one("#edit-value", Input).value = NEW_VALUE
    await pilot.press("ctrl+t")
    await until(pilot, lambda: "+" in str(dialog.query_one("#edit-diff").render()), "the diff")
    shots = [""]

    def steady() -> bool:
        shots.append(app.export_screenshot())
        return shots[-1] == shots[-2]

    await until(pilot, steady, "the screen to settle")
    OUTPUT.write_text(shots[-1], encoding="utf-8")
    app.exit()


def main() -> int:
    sys.path.insert(0, str(ROOT / "docs"))
    sys.path.insert(0, str(ROOT))
    from screenshot import pin_the_machine

    from tui.app import ConfscopeApp

    pin_the_machine()
    OUTPUT.unlink(missing_ok=True)
    app = ConfscopeApp(ROOT / "sample_configs", base_override_type="docker", trust_schema=True)
    app.run(headless=True, size=SIZE, auto_pilot=shoot)
    if not OUTPUT.exists():
        return 1
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
