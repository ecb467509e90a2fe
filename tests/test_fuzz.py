"""A bounded fuzz test: mutated sample files and manifests never break the tool.

Each example takes the bundled sample set, mutates one of its layer files or its
manifest (flipped and deleted bytes, hostile tokens spliced in: anchors, tags, huge
numbers, NULs, deep nesting, catastrophic regexes, globs that leave the set), then
asserts that no exception escapes the engine and that the command line's JSON output
still parses. schema.py is never mutated: `--trust` runs it.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import main
from core.activation import Context
from core.configset import ConfigSet

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"
TARGETS = sorted(
    [p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.yml")] + ["confscope.toml"]
)

HOSTILE = [
    "&a ",
    "*a",
    "<<: *a\n",
    "! ",
    "!!int ",
    "!replace ",
    "!unset",
    "!append ",
    "9" * 5000,
    "0x" + "f" * 5000,
    "${X:-" + "9" * 5000 + "}",
    ".inf",
    "-.nan",
    "\x00",
    "\ufeff",
    "[" * 300,
    "{a: " * 50,
    "- " * 40,
    "\n  ",
    "\t",
    ":",
    '"',
    "'",
    "${",
    "}",
    "$$",
    "~",
    "yes",
    "0755",
    "_metadata:\n  conditions:\n    environmnet: x\n",
    "_metadata:\n  priority: " + "9" * 5000 + "\n",
    "_metadata:\n  conditions:\n    env:\n      X: {regex: '^(a+)+$'}\n",
    "_metadata:\n  conditions:\n    requires: [a, a]\n",
    "secret_keys = '(?=a)'\n",
    'overrides = ["/**/*.yml", "../*.yml", "overrides/**/*.yml"]\n',
    'base = ["base.yml", "\\u0000"]\n',
    "a = " + "[" * 2000 + "]" * 2000 + "\n",
    "[context]\nenvironment = 1\n",
]

# Scalars put in place of a value, where they are read as one.
VALUES = [
    ".inf",
    "-.inf",
    ".nan",
    "9" * 5000,
    "0x" + "f" * 5000,
    "${X:-" + "9" * 5000 + "}",
    "! 12",
    "&k v",
    "*k",
    "!unset",
    "!replace {}",
    "[1, .inf]",
    "'(?=a)'",
    "{regex: '^(a+)+$'}",
    "[]",
    "{a: b}",
    "'\\x00'",
]
_ENTRY = re.compile(rb"^(\s*(?:- )?[^#\s][^:\n]*:) +\S.*$", re.MULTILINE)

mutation = st.one_of(
    st.tuples(st.just("value"), st.floats(0, 1), st.sampled_from(VALUES)),
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 40)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(HOSTILE)),
)


def mutate(data: bytes, steps: list[tuple[str, float, object]]) -> bytes:
    for kind, where, what in steps:
        at = int(where * len(data))
        if kind == "value":
            assert isinstance(what, str)
            entries = list(_ENTRY.finditer(data))
            if entries:
                entry = entries[min(int(where * len(entries)), len(entries) - 1)]
                line = entry.group(1) + b" " + what.encode()
                data = data[: entry.start()] + line + data[entry.end() :]
        elif kind == "flip":
            assert isinstance(what, int)
            data = data[:at] + bytes([what]) + data[at + 1 :]
        elif kind == "delete":
            assert isinstance(what, int)
            data = data[:at] + data[at + what :]
        else:
            assert isinstance(what, str)
            data = data[:at] + what.encode("utf-8", "surrogatepass") + data[at:]
    return data


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "set"
    shutil.copytree(SAMPLES, root)
    return root


def strict_json(text: str) -> object:
    """Parse as JSON does: Python's own reader would take NaN and Infinity."""

    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(target=st.sampled_from(TARGETS), steps=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_sets_never_break_the_engine_or_the_json(
    playground: Path,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    steps: list[tuple[str, float, object]],
) -> None:
    monkeypatch.setenv("X", "a" * 40 + "!")
    path = playground / target
    original = (SAMPLES / target).read_bytes()
    path.write_bytes(mutate(original, steps))
    try:
        config = ConfigSet(playground, trust_schema=True)
        for override_type in (None, "docker", "broken"):
            resolution = config.resolve(Context.build(base_override_type=override_type))
            json.dumps([p.to_dict() for p in resolution.problems])
        directory = str(playground)
        code, out, err = run_cli("-C", directory, "--trust", "show", "--format", "json")
        assert "internal error" not in err and "Traceback" not in err
        assert code in (0, 2)
        if code == 0:
            strict_json(out)
        code, out, err = run_cli("-C", directory, "--trust", "validate", "--format", "json")
        assert "internal error" not in err
        assert code in (0, 1, 2)
        if code != 2:
            assert isinstance(strict_json(out), list)
        code, out, err = run_cli("-C", directory, "--type", "docker", "layers", "--format", "json")
        assert "internal error" not in err
        if code == 0:
            strict_json(out)
    finally:
        path.write_bytes(original)
