"""The `confscope` command: the TUI with no command, or one of the script commands.

Global options come before the command, as with git. Exit codes: 0 fine; 1 the config
has errors (validate) or an operation was refused; 2 bad usage or an unreadable config.
The TUI is imported only when it is opened, so script commands start fast.
"""

from __future__ import annotations

import argparse
import gc
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

from cli import completion, editcommands, editor_schema, keys, readcommands, secrets, trust
from cli.arguments import misplaced_option
from cli.resolving import UsageError, what_if

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="confscope",
        description="Layered YAML configuration: see the merged config and why each value won.",
    )
    top.add_argument("-C", dest="directory", default=".", help="the config set (default: .)")
    top.add_argument("--env", dest="environment", help="the environment (default: $ENVIRONMENT)")
    top.add_argument("--type", dest="override_type", help="the override type, e.g. docker")
    top.add_argument(
        "--set-env", action="append", default=[], metavar="K=V", help="what-if: set a variable"
    )
    top.add_argument(
        "--unset-env", action="append", default=[], metavar="K", help="what-if: unset a variable"
    )
    top.add_argument("--reveal", action="store_true", help="show decrypted secret values")
    top.add_argument(
        "--trust", action="store_true", help="run the set's schema code this once (CI)"
    )
    # An explicit prog spares argparse a help formatter now (and its shutil import).
    commands = top.add_subparsers(dest="command", metavar="COMMAND", prog="confscope")
    readcommands.add_parsers(commands)
    keys.register(commands)
    secrets.register(commands)
    editcommands.add_parsers(commands)
    trust.add_parser(commands)
    editor_schema.add_parser(commands)
    completion.add_parser(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    top = parser()
    misplaced = misplaced_option(top, sys.argv[1:] if argv is None else argv)
    if misplaced is not None:
        top.print_usage(sys.stderr)
        print(f"confscope: {misplaced}", file=sys.stderr)
        return EXIT_USAGE
    args = top.parse_args(argv)
    # A script command builds one tree and exits: the cyclic collector would only walk
    # that tree again and again. The TUI runs for hours and keeps its collector.
    collecting = gc.isenabled() and args.command is not None
    if collecting:
        gc.disable()
    try:
        return run(args)
    except UsageError as error:
        print(f"confscope: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # a bug of ours: one clear line, the trace only on request
        if os.environ.get("CONFSCOPE_DEBUG"):
            raise
        print(
            f"confscope: internal error: {type(error).__name__}: {error}"
            " (set CONFSCOPE_DEBUG=1 to see the trace, and please report it)",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    finally:
        if collecting:
            gc.enable()


def run(args: argparse.Namespace) -> int:
    if standalone := getattr(args, "standalone", None):  # needs no config set
        return int(standalone(args))
    root = Path(args.directory)
    try:
        info = os.stat(root)
    except ValueError:
        raise UsageError("-C: the directory name contains a NUL byte") from None
    except FileNotFoundError:
        raise UsageError(f"config set directory {root} does not exist") from None
    except OSError as error:
        raise UsageError(f"-C: {_short(str(root))}: {error.strerror or error}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{root} is a file; -C wants the config set's directory")
    options = what_if(args)
    if args.command is None:
        from tui.app import run as run_tui

        return run_tui(root, options, trust_schema=args.trust)
    from core.configset import ConfigSet

    config = ConfigSet(root, trust_schema=args.trust)
    if args.command == "trust":
        return trust.run(config, args)
    handler = {
        "show": readcommands.show,
        "why": readcommands.why,
        "validate": readcommands.validate,
        "layers": readcommands.layers,
        "diff": readcommands.diff,
        "set": editcommands.set_value,
        "unset": editcommands.unset_value,
        "schema": editor_schema.run,
    }[args.command]
    return handler(config, args, options)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


if __name__ == "__main__":
    sys.exit(main())
