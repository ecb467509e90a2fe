"""From the global options to the resolved config set a script command renders.

The what-if options come from `--env`, `--type`, `--set-env` and `--unset-env`; a
config set that cannot be read at all stops the command as a usage error (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from cli import trust

if TYPE_CHECKING:  # the engine loads on first use: `keys` and `secrets` start without it
    from core.configset import ConfigSet, Resolution


class UsageError(Exception):
    """A mistake in how confscope was called: reported in one line, exit code 2."""


def what_if(args: argparse.Namespace) -> dict[str, Any]:
    """The what-if options the global arguments ask for, for `ConfigSet.resolve`."""
    set_env: dict[str, str] = {}
    for item in args.set_env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--set-env wants NAME=VALUE, not {item!r}")
        set_env[name] = value
    for name in args.unset_env:
        if not name or "=" in name:
            raise UsageError(f"--unset-env wants a variable NAME, not {name!r}")
    # --env and --type choose what to look at: the baseline, not a what-if.
    return {
        "base_environment": args.environment,
        "base_override_type": args.override_type,
        "set_env": set_env,
        "unset_env": list(args.unset_env),
    }


def resolve(config: ConfigSet, options: dict[str, Any]) -> Resolution:
    """The set resolved with `options`; a manifest error that stops it is a usage error."""
    with trust.stdout_guarded():
        resolution = config.resolve(what_if=options)
    fatal = [p for p in resolution.problems if p.code == "manifest" and p.severity == "error"]
    if fatal and resolution.manifest.file is None:  # no manifest to blame: say what is missing
        raise UsageError("; ".join(problem.message for problem in fatal))
    if fatal:
        for problem in fatal:
            print(f"confscope: {problem}", file=sys.stderr)
        name = resolution.manifest.file.name if resolution.manifest.file else "the manifest"
        raise UsageError(f"the config set cannot be read; fix {name} first")
    return resolution
