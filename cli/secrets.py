"""`confscope secrets encrypt|decrypt|set|rotate|updatekeys`: sops files from the command line.

These commands work on one file, inside a config set or not, and need no config set
loaded; the engine is imported only when a command runs, so they start fast. A file
path is taken relative to `-C DIR` when one is given, as git does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def register(commands: Any) -> None:
    """Add `secrets` to the top-level subcommands; it runs without a config set."""
    secrets = commands.add_parser("secrets", help="encrypt, decrypt and edit sops files")
    actions = secrets.add_subparsers(
        dest="secrets_command", metavar="ACTION", required=True, prog="confscope secrets"
    )

    encrypt = actions.add_parser("encrypt", help="encrypt a plain YAML file (to stdout)")
    encrypt.add_argument("file", metavar="FILE")
    encrypt.add_argument(
        "--age",
        action="append",
        default=[],
        metavar="R",
        help="an age recipient (repeatable; default: the .sops.yaml creation rule's)",
    )
    encrypt.add_argument("--in-place", action="store_true", help="rewrite FILE instead")

    decrypt = actions.add_parser("decrypt", help="decrypt a sops file (to stdout)")
    decrypt.add_argument("file", metavar="FILE")
    decrypt.add_argument(
        "--in-place", action="store_true", help="rewrite FILE as plaintext on disk"
    )

    set_ = actions.add_parser("set", help="change one value, re-encrypted with the file's key")
    set_.add_argument("file", metavar="FILE")
    set_.add_argument("key", metavar="KEY", help="dotted key path, list items as [i]")
    set_.add_argument("value", metavar="VALUE", help="a YAML scalar (as 'confscope set')")
    set_.add_argument("--string", action="store_true", help="store VALUE as a string as is")

    rotate = actions.add_parser("rotate", help="a new data key; every value re-encrypted")
    rotate.add_argument("file", metavar="FILE")

    update = actions.add_parser(
        "updatekeys", help="make the recipients those of --age or of the .sops.yaml rule"
    )
    update.add_argument("file", metavar="FILE")
    update.add_argument("--age", action="append", default=[], metavar="R")

    encrypt_value = actions.add_parser(
        "encrypt-value",
        help="encrypt the file that holds a plaintext secret KEY, per its .sops.yaml rule",
    )
    encrypt_value.add_argument("key", metavar="KEY", help="dotted key path, list items as [i]")
    encrypt_value.add_argument("--layer", help="the active layer (default: the one that won)")
    encrypt_value.add_argument(
        "--dry-run", action="store_true", help="print the diff (old values hidden); write nothing"
    )
    secrets.set_defaults(standalone=run)


def run(args: argparse.Namespace) -> int:
    from core.secrets.sopsfile import SecretsError

    if args.secrets_command == "encrypt-value":
        return _encrypt_value(args)
    file = Path(args.directory) / args.file
    try:
        return _ACTIONS[args.secrets_command](file, args)
    except SecretsError as error:
        print(f"confscope: {error}", file=sys.stderr)
        return EXIT_REFUSED


def _encrypt_value(args: argparse.Namespace) -> int:
    """The one command here that needs the config set: KEY names a value, not a file."""
    from cli.editcommands import carry_out
    from cli.resolving import UsageError, resolve, what_if
    from core.configset import ConfigSet
    from core.editing import prepare_encrypt
    from core.model import Problem

    root = Path(args.directory)
    if not root.is_dir():
        raise UsageError(f"config set directory {root} does not exist")
    config = ConfigSet(root, trust_schema=args.trust)
    plan = prepare_encrypt(config, resolve(config, what_if(args)), args.key, layer=args.layer)
    if args.dry_run and not isinstance(plan, Problem):
        sys.stdout.write(_hidden_old_lines(plan.diff()))
        return EXIT_OK
    return carry_out(plan, dry_run=False)


def _hidden_old_lines(diff: str) -> str:
    """The diff with the removed lines' values hidden: they are the plaintext secrets."""
    out = []
    for line in diff.splitlines(keepends=True):
        if line.startswith("-") and not line.startswith("---"):
            key, colon, _ = line.partition(":")
            line = f"{key}: <hidden>\n" if colon and "#" not in key else "-<hidden>\n"
        out.append(line)
    return "".join(out)


def _bytes(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError:
        return b""  # the operation itself reports the file as unreadable


def _encrypt(file: Path, args: argparse.Namespace) -> int:
    from core.secrets import operations

    before = _bytes(file)  # read first: a file that changes meanwhile is not replaced
    text = operations.encrypt(file, args.age)
    if args.in_place:
        operations.write_atomic(file, text, before)
    else:
        sys.stdout.write(text)
    if _metadata_sealed(text):
        print(
            f"confscope: warning: {file}: _metadata is encrypted too, so where no key is at"
            " hand this layer's conditions cannot be read and it stays off; to keep it"
            " readable, give the .sops.yaml rule encrypted_regex (the secrets' keys) or"
            " unencrypted_regex: ^_metadata$",
            file=sys.stderr,
        )
    return EXIT_OK


def _metadata_sealed(text: str) -> bool:
    """Whether an encrypted layer's `_metadata` holds encrypted values."""
    from core.secrets.document import read

    return any(leaf.keys[:1] == ("_metadata",) and leaf.encrypted for leaf in read(text).leaves)


def _decrypt(file: Path, args: argparse.Namespace) -> int:
    from core.secrets import operations

    before = _bytes(file)
    text = operations.decrypt(file)
    if args.in_place:
        operations.write_atomic(file, text, before)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _set(file: Path, args: argparse.Namespace) -> int:
    from core.editing.rendering import InputError, parse_input
    from core.secrets.setting import set_value

    if "[" in args.key or '"' in args.key:
        from core.model import parse_path

        path = parse_path(args.key)
    else:  # what parse_path gives for plain dotted names, without loading the model
        path = tuple(part for part in args.key.split(".") if part)
    if not path:
        print("confscope: secrets set needs a KEY", file=sys.stderr)
        return EXIT_USAGE
    try:
        value = parse_input(args.value, args.string)  # as `confscope set` reads it
    except InputError as error:
        print(f"confscope: {file}: {args.key}: {error}", file=sys.stderr)
        return EXIT_REFUSED
    changed = set_value(file, path, value)
    if not changed:
        print(f"confscope: {args.key} already has that value; {file} is unchanged", file=sys.stderr)
    return EXIT_OK


def _rotate(file: Path, args: argparse.Namespace) -> int:
    from core.secrets import operations

    operations.rotate(file)
    print(f"confscope: {file}: new data key, every value re-encrypted", file=sys.stderr)
    return EXIT_OK


def _updatekeys(file: Path, args: argparse.Namespace) -> int:
    from core.secrets import operations

    added, removed = operations.updatekeys(file, args.age)
    if not added and not removed:
        print(f"confscope: {file}: the recipients are already those", file=sys.stderr)
    for recipient in added:
        print(f"confscope: {file}: added {recipient}", file=sys.stderr)
    for recipient in removed:
        print(f"confscope: {file}: removed {recipient}", file=sys.stderr)
    return EXIT_OK


_ACTIONS = {
    "encrypt": _encrypt,
    "decrypt": _decrypt,
    "set": _set,
    "rotate": _rotate,
    "updatekeys": _updatekeys,
}
