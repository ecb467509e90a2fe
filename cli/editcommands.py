"""`confscope set|unset`: change one value in a layer file, byte-exact.

The engine plans the edit (`core.editing`); this prints its diff on `--dry-run` or
writes it, and turns a refusal into one line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from cli.resolving import UsageError, resolve

if TYPE_CHECKING:  # the engine loads when a command runs, not when the CLI starts
    from core.configset import ConfigSet
    from core.editing import EditPlan
    from core.model import Problem

EXIT_OK, EXIT_REFUSED = 0, 1


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    set_ = commands.add_parser("set", help="set a value in a layer file, byte-exact")
    set_.add_argument("key", help="dotted key path, list items as [i]")
    set_.add_argument("value", help="a YAML 1.2 scalar (8080, true, null, text)")
    set_.add_argument("--layer", help="the active layer to write to (default: the one that won)")
    set_.add_argument("--string", action="store_true", help="take VALUE as text, never a number")
    set_.add_argument("--dry-run", action="store_true", help="print the diff; write nothing")

    unset = commands.add_parser("unset", help="remove a key's definition from a layer file")
    unset.add_argument("key", help="dotted key path, list items as [i]")
    unset.add_argument("--layer", help="the active layer to edit (default: the one that won)")
    unset.add_argument(
        "--directive", action="store_true", help="write 'key: !unset' instead of removing"
    )
    unset.add_argument("--dry-run", action="store_true", help="print the diff; write nothing")


def set_value(config: ConfigSet, args: argparse.Namespace, options: dict[str, Any]) -> int:
    from core.editing import prepare_set

    _need_key(args)
    resolution = resolve(config, options)
    plan = prepare_set(
        config, resolution, args.key, args.value, layer=args.layer, as_string=args.string
    )
    return carry_out(plan, args.dry_run)


def unset_value(config: ConfigSet, args: argparse.Namespace, options: dict[str, Any]) -> int:
    from core.editing import prepare_unset

    _need_key(args)
    resolution = resolve(config, options)
    plan = prepare_unset(config, resolution, args.key, layer=args.layer, directive=args.directive)
    return carry_out(plan, args.dry_run)


def _need_key(args: argparse.Namespace) -> None:
    from core.model import parse_path

    if not parse_path(args.key):
        raise UsageError(f"{args.command} wants a key, like database.port or servers[0].host")


def carry_out(plan: EditPlan | Problem, dry_run: bool) -> int:
    """Print the diff (dry run) or write the plan; refusals go to stderr, exit 1."""
    from core.editing import write_plan
    from core.model import Problem

    if isinstance(plan, Problem):
        print(f"confscope: {_once(plan)}", file=sys.stderr)
        return EXIT_REFUSED
    for note in plan.notes:
        print(f"confscope: warning: {note}", file=sys.stderr)
    if dry_run:
        sys.stdout.write(plan.diff())
        return EXIT_OK
    result = write_plan(plan)
    if result.problem is not None:
        print(f"confscope: {result.problem}", file=sys.stderr)
        return EXIT_REFUSED
    print(plan.description if plan.changed else f"{plan.description}: already so")
    return EXIT_OK


def _once(problem: Problem) -> Problem:
    """The problem without its key in front when its sentence starts with that key."""
    import dataclasses

    if problem.path and problem.message.startswith(problem.path + " "):
        return dataclasses.replace(problem, path="")
    return problem
