"""The `confscope` command: the TUI with no command, or one of the script commands.

Global options come before the command, as with git. Exit codes: 0 fine; 1 the config
has errors (validate) or an operation was refused; 2 bad usage or an unreadable config.
The TUI is imported only when it is opened, so script commands start fast.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli import completion, editor_schema, keys, secrets, trust
from cli.arguments import misplaced_option

if TYPE_CHECKING:  # the engine loads on first use: `keys` and `secrets` start without it
    from core.activation import Context
    from core.configset import ConfigSet, Resolution
    from core.editing import EditPlan
    from core.model import Problem

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how confscope was called: reported in one line, exit code 2."""


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

    show = commands.add_parser("show", help="the merged config")
    show.add_argument("--format", choices=["yaml", "json", "env"], default="yaml")
    show.add_argument("--sources", action="store_true", help="with each value's layer and line")

    why = commands.add_parser("why", help="why a key has its value")
    why.add_argument("key", help="dotted key path, list items as [i]")
    why.add_argument("--format", choices=["text", "json"], default="text")

    validate = commands.add_parser("validate", help="every problem, at once")
    validate.add_argument("--all-types", action="store_true", help="every override type")
    validate.add_argument("--format", choices=["text", "json", "github"], default="text")

    layers = commands.add_parser(
        "layers", help="every layer with its verdict and reasons, in the order they apply"
    )
    layers.add_argument("--format", choices=["text", "json"], default="text")

    diff = commands.add_parser("diff", help="effective values that differ from another type")
    diff.add_argument("other_type", metavar="OTHER_TYPE")
    diff.add_argument("--other-env", help="the environment of the other side")
    diff.add_argument("--format", choices=["text", "json"], default="text")
    keys.register(commands)
    secrets.register(commands)

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


def what_if(args: argparse.Namespace) -> dict[str, Any]:
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
        "show": show,
        "why": why,
        "validate": validate,
        "layers": layers,
        "diff": diff,
        "set": set_value,
        "unset": unset_value,
        "schema": editor_schema.run,
    }[args.command]
    return handler(config, args, options)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def resolve(config: ConfigSet, options: dict[str, Any]) -> Resolution:
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


def print_json(data: Any) -> None:
    """JSON on stdout; a value JSON cannot hold (infinity, NaN) is said on stderr."""
    from cli import render

    text, odd = render.json_text(data)
    print(text)
    if odd:
        print(f"confscope: {render.non_finite_warning(odd)}", file=sys.stderr)


def report_errors(resolution: Resolution) -> None:
    """Errors go to stderr so a script reading stdout still sees them; so does a chosen
    --env/--type that no layer names (a typo must not silently show the base)."""
    for problem in resolution.warnings:
        if problem.code == "activation" and problem.file is None:
            print(f"confscope: {problem}", file=sys.stderr)
    errors = resolution.errors
    for problem in errors[:10]:
        print(f"confscope: {problem}", file=sys.stderr)
    if len(errors) > 10:
        print(
            f"confscope: … and {len(errors) - 10} more; see 'confscope validate'", file=sys.stderr
        )


def show(config: ConfigSet, args: argparse.Namespace, options: dict[str, Any]) -> int:
    from cli import render

    resolution = resolve(config, options)
    if args.format == "json":
        print_json(render.json_data(resolution, args.reveal, args.sources))
    elif args.format == "env":
        sys.stdout.write(render.to_env(resolution, args.reveal, args.sources))
    else:
        sys.stdout.write(render.to_yaml(resolution.root, args.reveal, args.sources))
    report_errors(resolution)
    return EXIT_OK


def why(config: ConfigSet, args: argparse.Namespace, options: dict[str, Any]) -> int:
    import difflib

    from cli import render
    from core.history import GitHistory, node_history
    from core.merging import removal_covering
    from core.model import format_path, parse_path
    from core.secrets.layers import secret_state

    path = parse_path(args.key)
    if not path:
        raise UsageError("why wants a key, like database.port or servers[0].host")
    resolution = resolve(config, options)
    node = resolution.get(path)
    if node is None:
        covering = removal_covering(resolution.removals, path)
        if covering is not None:
            removed_at, removal = covering
            names = resolution.secret_keys
            if args.format == "json":
                answer = render.removal_json(path, removed_at, removal, args.reveal, names)
                print(json.dumps(answer, indent=2, default=str))
            else:
                text = render.removal_text(path, removed_at, removal, args.reveal, names)
                sys.stdout.write(text)
            return EXIT_OK
        known = [format_path(p) for p, _ in resolution.root.walk()]
        close = difflib.get_close_matches(args.key, known, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        print(f"confscope: no key {args.key} in the merged config{hint}", file=sys.stderr)
        return EXIT_REFUSED
    problems = resolution.problems_at(path)
    history = node_history(GitHistory(), resolution, node)
    sealed = secret_state(node, resolution.secrets)
    if args.format == "json":
        print_json(render.why_json(path, node, args.reveal, history, sealed))
    else:
        sys.stdout.write(render.why_text(path, node, problems, args.reveal, history, sealed))
    # The value explained is wrong: a script must not take it as good.
    return EXIT_REFUSED if any(p.severity == "error" for p in problems) else EXIT_OK


def validate(config: ConfigSet, args: argparse.Namespace, options: dict[str, Any]) -> int:
    from cli import render
    from core.context import NO_TYPE

    runs: list[tuple[str | None, Resolution]] = []
    if args.all_types:
        runs.append((None, resolve(config, {**options, "override_type": NO_TYPE})))
        for type_name in config.override_types():
            options_for_type = {**options, "base_override_type": type_name}
            runs.append((type_name, resolve(config, options_for_type)))
    else:
        resolution = resolve(config, options)
        runs.append((resolution.context.override_type, resolution))
    seen: set[Problem] = set()
    rows: list[tuple[str | None, Problem]] = []
    for name, resolution in runs:
        for problem in resolution.problems:
            if problem not in seen:
                seen.add(problem)
                rows.append((name, problem))
    if args.format == "json":
        objects = [
            {**p.to_dict(), **({"override_type": name} if args.all_types else {})}
            for name, p in rows
        ]
        print(json.dumps(objects, indent=2))
    elif args.format == "github":
        for _name, problem in rows:
            print(render.github_annotation(problem))
    else:
        for name, problem in rows:
            prefix = f"[{name or 'no type'}] " if args.all_types else ""
            print(f"{prefix}{problem}")
        errors = sum(1 for _, p in rows if p.severity == "error")
        warnings = len(rows) - errors
        scope = ", ".join(n or "no type" for n, _ in runs)
        verdict = (
            "clean" if not rows else f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
        )
        print(f"{verdict} ({scope})", file=sys.stderr if rows else sys.stdout)
    return EXIT_REFUSED if any(p.severity == "error" for _, p in rows) else EXIT_OK


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def layers(config: ConfigSet, args: argparse.Namespace, options: dict[str, Any]) -> int:
    from cli import render

    resolution = resolve(config, options)
    if args.format == "json":
        rows = []
        for verdict in resolution.verdicts:
            layer = resolution.layer(verdict.layer)
            rows.append(
                {
                    **verdict.to_dict(),
                    "document": layer.document if layer else 0,
                    "line": layer.line if layer else None,
                    "description": layer.description if layer else "",
                }
            )
        print(json.dumps(rows, indent=2))
    else:
        sys.stdout.write(render.layers_text(resolution))
    return EXIT_OK


def diff(config: ConfigSet, args: argparse.Namespace, options: dict[str, Any]) -> int:
    from cli import render
    from core.compare import differences

    mine = resolve(config, options)
    other_options = {**options, "base_override_type": args.other_type}
    if args.other_env:
        other_options["base_environment"] = args.other_env
    theirs = resolve(config, other_options)
    found = differences([mine.root, theirs.root])
    names = (_side_name(mine.context), _side_name(theirs.context))
    if args.format == "json":
        rows = [
            {
                "path": d.dotted,
                "this": {"side": names[0], **d.sides[0].to_dict(args.reveal)},
                "other": {"side": names[1], **d.sides[1].to_dict(args.reveal)},
            }
            for d in found
        ]
        print_json(rows)
    else:
        sys.stdout.write(render.diff_text(found, names, args.reveal))
    return EXIT_OK


def set_value(config: ConfigSet, args: argparse.Namespace, options: dict[str, Any]) -> int:
    from core.editing import prepare_set

    resolution = resolve(config, options)
    plan = prepare_set(
        config, resolution, args.key, args.value, layer=args.layer, as_string=args.string
    )
    return _carry_out(plan, args.dry_run)


def unset_value(config: ConfigSet, args: argparse.Namespace, options: dict[str, Any]) -> int:
    from core.editing import prepare_unset

    resolution = resolve(config, options)
    plan = prepare_unset(config, resolution, args.key, layer=args.layer, directive=args.directive)
    return _carry_out(plan, args.dry_run)


def _carry_out(plan: EditPlan | Problem, dry_run: bool) -> int:
    """Print the diff (dry run) or write the plan; refusals go to stderr, exit 1."""
    from core.editing import write_plan
    from core.model import Problem

    if isinstance(plan, Problem):
        print(f"confscope: {plan}", file=sys.stderr)
        return EXIT_REFUSED
    if dry_run:
        sys.stdout.write(plan.diff())
        return EXIT_OK
    result = write_plan(plan)
    if result.problem is not None:
        print(f"confscope: {result.problem}", file=sys.stderr)
        return EXIT_REFUSED
    print(plan.description if plan.changed else f"{plan.description}: already so")
    return EXIT_OK


def _side_name(context: Context) -> str:
    return f"{context.override_type or 'no type'}@{context.environment}"


if __name__ == "__main__":
    sys.exit(main())
