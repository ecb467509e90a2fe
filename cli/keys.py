"""`confscope keys …`: age keys in the OS keyring, for confscope and for the real sops.

No config set is needed. Identities go to stdout only when asked for (`export`, and
`identities` for sops' SOPS_AGE_KEY_CMD); every other output names recipients only.
Exit codes: 0 fine, 1 refused (no keyring, a locked one, a bad key), 2 bad usage or an
unreadable key file.
"""

from __future__ import annotations

import argparse
from typing import Any

SOPS_ENV = "export SOPS_AGE_KEY_CMD='confscope keys identities'"


def register(commands: Any) -> None:
    """Add `keys` to the top-level subcommands (argparse's private action type)."""
    keys = commands.add_parser("keys", help="age keys in the OS keyring, for confscope and sops")
    actions = keys.add_subparsers(dest="keys_action", metavar="ACTION", required=True)
    actions.add_parser("new", help="create an age key in the keyring; print its recipient")
    importing = actions.add_parser("import", help="store the keys of an age key file")
    importing.add_argument("file", metavar="FILE", help="an age key file, or - for stdin")
    actions.add_parser("list", help="recipients with an identity here (keyring or sops' variables)")
    export = actions.add_parser("export", help="print one recipient's identity as a key file")
    export.add_argument("recipient", metavar="RECIPIENT", help="age1…, as 'keys list' shows")
    delete = actions.add_parser("delete", help="remove one recipient's identity from the keyring")
    delete.add_argument("recipient", metavar="RECIPIENT", help="age1…, as 'keys list' shows")
    actions.add_parser("identities", help="every identity here, for SOPS_AGE_KEY_CMD")
    actions.add_parser("sops-env", help="the shell line that lets sops use these keys")
    keys.set_defaults(standalone=run)


def run(args: argparse.Namespace) -> int:
    action = args.keys_action
    if action == "sops-env":
        print(SOPS_ENV)
        return 0
    from cli import keycommands  # loads keyring and pyrage: only for `keys` commands

    return keycommands.run(action, args)
