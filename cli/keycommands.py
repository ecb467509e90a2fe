"""The actions of `confscope keys`; cli/keys.py parses the arguments and imports this
only when a `keys` command runs, so other commands do not pay for loading keyring."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.secrets.agekeys import (
    AgeKey,
    environment_keys,
    is_recipient,
    key_file_text,
    parse_key_file,
)
from core.secrets.keystore import Keystore, KeystoreError, list_keys

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def run(action: str, args: argparse.Namespace) -> int:
    try:
        if action in ("export", "delete") and not is_recipient(args.recipient):
            return fail(f"{args.recipient!r} is not an age recipient (age1…)", EXIT_USAGE)
        handler = {
            "new": new,
            "import": import_file,
            "list": list_recipients,
            "export": export,
            "delete": delete,
            "identities": identities,
        }[action]
        return handler(args)
    except KeystoreError as error:
        return fail(str(error), EXIT_REFUSED)


def fail(message: str, code: int) -> int:
    print(f"confscope: {message}", file=sys.stderr)
    return code


def note(message: str) -> None:
    print(message, file=sys.stderr)


def new(args: argparse.Namespace) -> int:
    store = Keystore.open()
    key = store.create()
    print(key.recipient)
    note(f"stored a new age identity in the keyring ({store.name});")
    note(f"encrypt for it with: confscope secrets encrypt FILE --age {key.recipient}")
    return EXIT_OK


def import_file(args: argparse.Namespace) -> int:
    source = "stdin" if args.file == "-" else args.file
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        return fail(f"cannot read the key file {source}: {reason}", EXIT_USAGE)
    keys = parse_key_file(text, source)
    if not keys:
        return fail(f"{source} holds no age identity (AGE-SECRET-KEY-1…)", EXIT_REFUSED)
    imported = Keystore.open().import_keys(keys)
    for key, already in imported:
        print(key.recipient)
        if already:
            note(f"{key.recipient} was already in the keyring; its identity is unchanged")
    note(f"imported {_count(len(imported), 'identity', 'identities')} into the keyring")
    return EXIT_OK


def list_recipients(args: argparse.Namespace) -> int:
    listings, problem = list_keys()
    width = max((len(listing.recipient) for listing in listings), default=0)
    for listing in listings:
        where = ", ".join(listing.sources) or "missing: the keyring lists it but holds no identity"
        print(f"{listing.recipient:<{width}}  {where}")
    if problem is not None:
        return fail(str(problem), EXIT_REFUSED)
    if not listings:
        note("no age keys here: create one with 'confscope keys new' or 'keys import FILE'")
    return EXIT_OK


def export(args: argparse.Namespace) -> int:
    identity = Keystore.open().identity(args.recipient)
    if identity is None:
        return fail(f"the keyring holds no identity for {args.recipient}", EXIT_REFUSED)
    sys.stdout.write(key_file_text(AgeKey(recipient=args.recipient, identity=identity)))
    return EXIT_OK


def delete(args: argparse.Namespace) -> int:
    if not Keystore.open().delete(args.recipient):
        return fail(f"the keyring holds no identity for {args.recipient}", EXIT_REFUSED)
    note(f"deleted the identity for {args.recipient} from the keyring")
    return EXIT_OK


def identities(args: argparse.Namespace) -> int:
    """For sops: every identity at hand, one a line. A keyring that cannot be read is an
    error only when nothing else gave a key, since sops reads its own variables too."""
    problem: KeystoreError | None = None
    found: list[str] = []
    try:
        found = [key.identity for key in Keystore.open().stored_keys()]
    except KeystoreError as error:
        problem = error
    found += [entry.key.identity for entry in environment_keys()]
    for identity in dict.fromkeys(found):
        print(identity)
    if problem is not None:
        if not found:
            return fail(str(problem), EXIT_REFUSED)
        note(f"confscope: warning: {problem}")
    return EXIT_OK


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
