"""The `confscope` executable: shell completion on a lean path, everything else in cli.main.

A shell asks for completions by running `confscope` with `_ARGCOMPLETE` set, on every
Tab: that path must not import the engine's heavy half (pydantic, the merge), so it is
decided here before cli.main is imported.
"""

from __future__ import annotations

import os


def main() -> int:
    if "_ARGCOMPLETE" in os.environ:
        from cli.completion import complete

        complete()  # answers the shell and exits
    from cli.main import main as run

    return run()
