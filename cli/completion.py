"""Shell completion for bash, zsh and fish, through argcomplete.

The shell runs `confscope` on every Tab (see cli/launch.py). To answer fast, this path
never imports cli.main: the command line's shape (commands, options, choices) is
described once from `cli.main.parser()` and kept as JSON in the user's cache directory,
described again whenever a file of the cli package changes. Key paths, override types,
environments and layer names come from the files of the set named by `-C`, parsed
without the engine's merge or schema.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

SHELLS = ("bash", "zsh", "fish")
# Commands whose first positional argument is a key path of the merged config.
KEY_COMMANDS = ("why", "set", "unset")
_CACHE_FORMAT = 1


def add_parser(commands: Any) -> None:
    completion = commands.add_parser(
        "completion", help="the shell code that makes Tab complete confscope"
    )
    completion.add_argument("shell", choices=SHELLS)
    completion.set_defaults(standalone=run)  # needs no config set


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(shell_code(args.shell))
    return 0


def shell_code(shell: str) -> str:
    import argcomplete

    return str(argcomplete.shellcode(["confscope"], shell=shell))


def complete() -> None:
    """Answer the shell that ran us with `_ARGCOMPLETE` set, then exit."""
    import argcomplete

    parser = rebuild(parser_description())
    attach_completers(parser)
    argcomplete.autocomplete(parser, always_complete_options=False)
    sys.exit(0)  # not completing after all (argcomplete returned): never run a command


# -- the command line's shape, kept between runs ---------------------------------------


def describe(parser: argparse.ArgumentParser) -> dict[str, Any]:
    """What completion needs of a parser, as JSON-ready data."""
    actions: list[dict[str, Any]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            actions.append(
                {
                    "kind": "commands",
                    "dest": action.dest,
                    "commands": {
                        name: {"help": helps.get(name), **describe(sub)}
                        for name, sub in action.choices.items()
                    },
                }
            )
        elif isinstance(action, argparse._HelpAction):
            continue  # argparse adds -h itself
        else:
            actions.append(
                {
                    "kind": "argument",
                    "options": list(action.option_strings),
                    "dest": action.dest,
                    "nargs": action.nargs,
                    "choices": [str(c) for c in action.choices] if action.choices else None,
                    "help": action.help if action.help != argparse.SUPPRESS else None,
                    "metavar": action.metavar if isinstance(action.metavar, str) else None,
                }
            )
    return {"actions": actions}


def rebuild(description: dict[str, Any], parser: argparse.ArgumentParser | None = None) -> Any:
    parser = parser or argparse.ArgumentParser(prog="confscope")
    for action in description["actions"]:
        if action["kind"] == "commands":
            commands = parser.add_subparsers(dest=action["dest"])
            for name, sub in action["commands"].items():
                help_text = {"help": sub["help"]} if sub.get("help") else {}
                rebuild(sub, commands.add_parser(name, **help_text))
            continue
        kwargs: dict[str, Any] = {"help": action["help"]}
        if action["nargs"] == 0:
            kwargs["action"] = "store_true"
        else:
            kwargs.update(nargs=action["nargs"], choices=action["choices"])
            if action["metavar"]:
                kwargs["metavar"] = action["metavar"]
        if action["options"]:
            parser.add_argument(*action["options"], dest=action["dest"], **kwargs)
        else:
            parser.add_argument(action["dest"], **kwargs)
    return parser


def parser_description() -> dict[str, Any]:
    """The described parser from the cache, or described now (and kept) on a miss."""
    cache = _cache_dir()
    name = f"parser-{_fingerprint()}.json"
    if cache is not None:
        try:
            return json.loads((cache / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        except (OSError, ValueError):
            pass
    from cli.main import parser

    description = describe(parser())
    if cache is not None:
        _keep(cache, name, json.dumps(description))
    return description


def _fingerprint() -> str:
    """Changes when any module of the cli package (where commands are declared) does."""
    digest = hashlib.sha1(f"{_CACHE_FORMAT} {sys.version}".encode())
    package = Path(__file__).resolve().parent
    for module in sorted(package.rglob("*.py")):
        stat = module.stat()
        digest.update(f"{module.name} {stat.st_mtime_ns} {stat.st_size}\n".encode())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path | None:
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("confscope")) / "completion"
    except Exception:
        return None


def _keep(folder: Path, name: str, text: str) -> None:
    """Write the cache atomically, and drop the descriptions it replaces."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".parser-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, folder / name)
        for old in folder.glob("parser-*.json"):
            if old.name != name:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # no cache: the next Tab describes the parser again


# -- what a set offers -----------------------------------------------------------------


class SetWords:
    """Key paths and condition values from the layer files of the set in `-C`."""

    def __init__(self, root: Path) -> None:
        from core.layerfiles import layer_files
        from core.loading import read_file
        from core.manifest import display_path, load_manifest
        from core.model import MAPPING

        self.paths: list[str] = []
        self.layers: list[str] = []
        self.conditions: dict[str, list[str]] = {}
        manifest, _ = load_manifest(root)
        files, _ = layer_files(manifest)
        seen: set[str] = set()
        for path, _is_base in files:
            tree = read_file(path, display_path(path, manifest.root)).root
            if tree is None or tree.kind != MAPPING:
                continue
            # The metadata as written (the engine's reading of it is not needed to offer
            # words, and costs imports on every Tab).
            metadata = _plain(tree.value.get("_metadata"))
            name = metadata.get("name") if isinstance(metadata, dict) else None
            self.layers.append(name if isinstance(name, str) else path.stem)
            conditions = metadata.get("conditions") if isinstance(metadata, dict) else None
            for key, wanted in (conditions if isinstance(conditions, dict) else {}).items():
                values = [wanted] if isinstance(wanted, str) else wanted
                if isinstance(values, list):
                    known = self.conditions.setdefault(key, [])
                    known.extend(v for v in values if isinstance(v, str) and v not in known)
            for text in _key_paths(tree):
                if text not in seen:
                    seen.add(text)
                    self.paths.append(text)


def _plain(node: Any) -> Any:
    return node.plain() if node is not None else None


def _key_paths(root: Any) -> Iterable[str]:
    from core.model import MAPPING, SEQUENCE, format_path

    stack: list[tuple[tuple[str | int, ...], Any]] = [((), root)]
    while stack:
        path, node = stack.pop()
        if path:
            yield format_path(path)
        if node.kind == MAPPING:
            for key, child in node.value.items():
                if path or key != "_metadata":
                    stack.append(((*path, key), child))
        elif node.kind == SEQUENCE:
            stack.extend(((*path, i), child) for i, child in enumerate(node.value))


def next_steps(paths: Iterable[str], prefix: str) -> list[str]:
    """Paths one step deeper than `prefix`: `db` offers `db`, `db.host`, `db.pool` and
    `db.pool.` (a mapping, to go on typing), not everything below."""
    found: dict[str, None] = {}
    for path in paths:
        if not path.startswith(prefix):
            continue
        start = len(prefix) + 1
        cut = min((i for i in (path.find(".", start), path.find("[", start)) if i > 0), default=-1)
        if cut < 0:
            found[path] = None
        else:
            found[path[:cut]] = None
            found[path[: cut + 1]] = None
    return list(found)


def _words(parsed_args: argparse.Namespace) -> SetWords | None:
    root = Path(getattr(parsed_args, "directory", None) or ".")
    try:
        return SetWords(root)
    except Exception:  # a broken set completes nothing; it never prints a trace at Tab
        return None


def _completer(pick: Callable[[SetWords, str], list[str]]) -> Callable[..., list[str]]:
    def complete_words(prefix: str, parsed_args: argparse.Namespace, **_kwargs: Any) -> list[str]:
        words = _words(parsed_args)
        return pick(words, prefix) if words is not None else []

    return complete_words


key_completer = _completer(lambda words, prefix: next_steps(words.paths, prefix))
type_completer = _completer(lambda words, _p: words.conditions.get("override_type", []))
environment_completer = _completer(lambda words, _p: words.conditions.get("environment", []))
layer_completer = _completer(lambda words, _p: words.layers)


def attach_completers(parser: argparse.ArgumentParser, *, top: bool = True) -> None:
    """Completers by what an argument means, so commands added later are covered by
    their names and dests. Key paths only for the top-level `why`/`set`/`unset`
    (`secrets set FILE KEY VALUE` starts with a file)."""
    from argcomplete.completers import DirectoriesCompleter

    by_dest: dict[str, Any] = {
        "directory": DirectoriesCompleter(),
        "override_type": type_completer,
        "other_type": type_completer,
        "environment": environment_completer,
        "other_env": environment_completer,
        "layer": layer_completer,
    }
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                attach_completers(sub, top=False)
                positionals = [a for a in sub._actions if not a.option_strings]
                if top and name in KEY_COMMANDS and positionals:
                    positionals[0].completer = key_completer
        elif action.dest in by_dest and not action.choices:
            action.completer = by_dest[action.dest]  # type: ignore[attr-defined]
