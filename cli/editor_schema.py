"""`confscope schema`: the JSON Schema of the set's pydantic model, for editors.

By default the schema of the merged config, exactly as pydantic writes it; `--layer`
gives the one for layer files (nothing required: a layer is partial). The model is
loaded the way validation loads it (`ConfigSet.schema`), so whatever a set must do
before its schema code runs applies here too.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine loads when the command runs, not when the CLI starts
    from core.configset import ConfigSet

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def add_parser(commands: Any) -> None:
    schema = commands.add_parser("schema", help="the JSON Schema of the set's model, for editors")
    schema.add_argument(
        "--layer",
        action="store_true",
        help="the schema of one layer file: no key required, ${VAR} and ENC[...] accepted",
    )
    schema.add_argument("--format", choices=["json"], default="json")


def run(config: ConfigSet, args: argparse.Namespace, options: dict[str, Any]) -> int:
    from pydantic.errors import PydanticUserError

    from core.layerschema import layer_schema, model_schema
    from core.manifest import load_manifest

    manifest, problems = load_manifest(config.root)
    fatal = [p for p in problems if p.severity == "error"]
    if fatal:
        for problem in fatal:
            print(f"confscope: {problem}", file=sys.stderr)
        print("confscope: the config set cannot be read; fix the manifest first", file=sys.stderr)
        return EXIT_USAGE
    if manifest.schema is None:
        print(
            'confscope: the config set names no schema; add schema = "schema.py:Model"'
            " to its confscope.toml",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    model, problems = config.schema(manifest)
    if model is None:
        for problem in problems or ():
            print(f"confscope: {problem}", file=sys.stderr)
        if not problems:
            print(f"confscope: the schema {manifest.schema} did not load", file=sys.stderr)
        return EXIT_REFUSED
    try:
        schema = layer_schema(model) if args.layer else model_schema(model)
    except (PydanticUserError, TypeError, ValueError) as error:
        print(
            f"confscope: the model {manifest.schema} has no JSON Schema: {error}", file=sys.stderr
        )
        return EXIT_REFUSED
    print(json.dumps(schema, indent=2, ensure_ascii=False, default=str))
    return EXIT_OK
