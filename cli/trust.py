"""`confscope trust [--revoke]`, and keeping a schema's own output off stdout.

Trusting records the set's path and the SHA-256 of its schema file in the user's data
directory; from then on the schema is imported, until the file changes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: `confscope keys|secrets` start without the engine
    from core.configset import ConfigSet
    from core.trust import SchemaCode

EXIT_OK, EXIT_REFUSED = 0, 1


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    trust = commands.add_parser("trust", help="trust (or stop trusting) the set's schema code")
    trust.add_argument(
        "--revoke", action="store_true", help="stop trusting the set: its schema is not run"
    )


def run(config: ConfigSet, args: argparse.Namespace) -> int:
    if args.revoke:
        try:
            was = config.trust_store.revoke(config.root)
        except OSError as error:
            return _refuse(f"cannot write {config.trust_store.file}: {error.strerror or error}")
        if was:
            print(f"{config.root} is no longer trusted: its schema code will not run")
        else:
            print(f"{config.root} was not trusted; nothing changed")
        return EXIT_OK
    code = config.schema_code()
    if code is None:
        print(f"{config.root} names no schema: there is no code to trust")
        return EXIT_OK
    if code.installed:
        print(f"the schema '{code.spec}' is an installed module: it is trusted already")
        return EXIT_OK
    if code.read_error is not None:
        return _refuse(f"the schema file {code.display} cannot be read: {code.read_error}")
    if code.file is None:
        return _refuse(f"the schema {code.display} does not exist; there is nothing to trust")
    try:
        config.trust(code)
    except OSError as error:
        return _refuse(f"cannot write {config.trust_store.file}: {error.strerror or error}")
    print(_trusted_text(config, code))
    return EXIT_OK


def _trusted_text(config: ConfigSet, code: SchemaCode) -> str:
    return (
        f"trusted {code.file} (sha256 {code.digest}) for {config.root}; it will be imported"
        " until it changes"
    )


def _refuse(message: str) -> int:
    print(f"confscope: {message}", file=sys.stderr)
    return EXIT_REFUSED


@contextlib.contextmanager
def stdout_guarded() -> Iterator[None]:
    """While the set resolves, file descriptor 1 points at stderr.

    A trusted schema runs while the set resolves; anything it writes below Python's
    `sys.stdout` (``os.write(1, ...)``, a child process) lands on stderr instead of in
    the JSON or YAML a script reads. The command line owns the process, so it may do
    this; the engine itself only captures `sys.stdout`.
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        saved = -1
    if saved >= 0:
        try:
            os.dup2(2, 1)
        except OSError:
            os.close(saved)
            saved = -1
    if saved < 0:
        yield  # no descriptor 1 or 2 to work with: nothing to guard
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
