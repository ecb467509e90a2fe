"""Options on the wrong side of the command, said plainly.

Global options come before the command, as with git; a command's own options after
it. argparse reports `confscope --format json show` as an unknown command 'json' and
`confscope layers --type docker` as unrecognized arguments: true, but not what
happened. This finds the misplaced option and names the right place for it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def _option_name(token: str) -> str:
    """`--format=json` → `--format`; `-Cdir` → `-C`."""
    if token.startswith("--"):
        return token.split("=", 1)[0]
    return token[:2]


def _takes_value(action: argparse.Action, token: str) -> bool:
    """Whether `token` (an option of `action`) consumes the next argument."""
    attached = "=" in token if token.startswith("--") else len(token) > 2
    return action.nargs != 0 and not attached


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps its subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def misplaced_option(parser: argparse.ArgumentParser, argv: Sequence[str]) -> str | None:
    """A sentence about the first option on the wrong side of the command, or None."""
    global_options = parser._option_string_actions
    commands = _commands(parser)
    command: str | None = None
    index = 0
    while index < len(argv):
        token = argv[index]
        index += 1
        if token == "--":
            return None
        if command is None and token in commands:
            command = token
            continue
        if not token.startswith("-") or token == "-":
            continue
        name = _option_name(token)
        if command is None:
            action = global_options.get(name)
            if action is not None:
                index += 1 if _takes_value(action, token) else 0
                continue
            owners = [c for c, sub in commands.items() if name in sub._option_string_actions]
            typed = next((t for t in argv[index:] if t in owners), None)
            if typed is not None:
                owners.insert(0, typed)
            if owners:
                action = commands[owners[0]]._option_string_actions[name]
                takes = _takes_value(action, token) and index < len(argv)
                example = f"{token} {argv[index]}" if takes else token
                return (
                    f"{name} goes after the command, as in `confscope {owners[0]} {example}`;"
                    " only global options come before it"
                )
        else:
            own = commands[command]._option_string_actions
            action = global_options.get(name)
            if action is not None and name not in own:
                value = argv[index] if _takes_value(action, token) and index < len(argv) else ""
                shown = f"{token} {value}".strip()
                return (
                    f"{name} is a global option and goes before the command,"
                    f" as in `confscope {shown} {command} …`"
                )
    return None
