"""`confscope-hook`: the commands `.pre-commit-hooks.yaml` runs.

pre-commit appends a hook's `args` after its entry, but confscope's global options come
before the command; so the hooks have this small front of their own:

    confscope-hook validate [-C DIR]... [global options]
    confscope-hook no-plaintext-secrets [-C DIR]... [global options]

With no `-C`, every directory holding a `confscope.toml` that git tracks is a set (or
the repository root, if none). Anything else (`--trust`, `--env NAME`) is passed to
confscope as a global option.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    hook = argparse.ArgumentParser(
        prog="confscope-hook", description="confscope's pre-commit hooks."
    )
    hook.add_argument(
        "check",
        choices=["validate", "no-plaintext-secrets"],
        help="validate: every problem under every override type; no-plaintext-secrets:"
        " secret-named keys written in the clear in any layer file, active or not",
    )
    hook.add_argument(
        "-C",
        dest="sets",
        action="append",
        default=[],
        metavar="DIR",
        help="a config set (repeatable; default: every tracked confscope.toml's directory)",
    )
    return hook


def main(argv: Sequence[str] | None = None) -> int:
    args, global_options = parser().parse_known_args(argv)
    sets = [Path(d) for d in args.sets] or discover_sets(Path.cwd())
    worst = EXIT_OK
    for root in sets:
        if len(sets) > 1:
            print(f"== {root}", flush=True)
        if args.check == "validate":
            code = _validate(root, global_options)
        else:
            code = no_plaintext_secrets(root)
        worst = max(worst, code)
    return worst


def _validate(root: Path, global_options: list[str]) -> int:
    from cli.main import main as confscope

    return confscope([*global_options, "-C", str(root), "validate", "--all-types"])


def discover_sets(top: Path) -> list[Path]:
    """The directories of the `confscope.toml` files git tracks under `top`; else `top`."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "-z", "--", "confscope.toml", "*/confscope.toml"],
            cwd=top,
            capture_output=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except OSError:
        return [top]
    names = [n for n in done.stdout.decode("utf-8", "replace").split("\0") if n]
    found = sorted({(top / name).parent for name in names})
    return found or [top]


def no_plaintext_secrets(root: Path) -> int:
    """Secret-named keys written in the clear, in every layer file whatever its conditions.

    Each file is checked alone, interpolated against an empty environment: a value is
    in the clear if the file holds its text, a `${VAR:-default}` default included.
    """
    from core.configset import ConfigSet
    from core.expanding import expand_and_lint
    from core.merging import merge_layers
    from core.secrets.policy import SecretKeys

    if not root.is_dir():
        print(f"confscope-hook: config set directory {root} does not exist", file=sys.stderr)
        return EXIT_USAGE
    manifest, layers, set_problems, _layer_problems = ConfigSet(root).load_layers()
    fatal = [p for p in set_problems if p.code == "manifest" and p.severity == "error"]
    for problem in fatal:
        print(f"confscope-hook: {problem}", file=sys.stderr)
    if fatal:
        return EXIT_USAGE
    found = []
    is_secret = SecretKeys(manifest.secret_pattern)
    for layer in layers:
        tree = merge_layers([layer]).root
        found += expand_and_lint(tree, {}, is_secret)[1]
    for problem in sorted(set(found), key=lambda p: p.sort_key()):
        print(problem)
    if found:
        print(f"{len(found)} plaintext secret{'s' if len(found) != 1 else ''} in {root}")
    return EXIT_FOUND if found else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
