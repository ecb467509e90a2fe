"""`confscope show|why|validate|layers|diff`: the commands that read the merged config.

Each resolves the set once and renders the answer (`cli.render`); none writes a file.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from cli.resolving import UsageError, resolve

if TYPE_CHECKING:  # the engine loads when a command runs, not when the CLI starts
    from core.activation import Context
    from core.configset import ConfigSet, Resolution
    from core.model import Problem

EXIT_OK, EXIT_REFUSED = 0, 1


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


def _side_name(context: Context) -> str:
    return f"{context.override_type or 'no type'}@{context.environment}"
