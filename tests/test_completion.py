"""Shell completion: bash driven for real through argcomplete's shell function."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli.completion import SetWords, next_steps

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"
BIN = Path(sys.executable).parent
BASH = shutil.which("bash")

DRIVER = r"""
source "$2"
line="$1"
COMP_LINE="$line"; COMP_POINT=${#line}
read -ra COMP_WORDS <<< "$line"
[[ "$line" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMPREPLY=()
_python_argcomplete confscope "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """confscope on PATH, a cache directory of the tests' own, and the bash script."""
    folder = tmp_path_factory.mktemp("completion")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "XDG_CACHE_HOME": str(folder / "cache"),
    }
    script = subprocess.run(
        [BIN / "confscope", "completion", "bash"], env=env, capture_output=True, check=True
    )
    (folder / "confscope.bash").write_bytes(script.stdout)
    return {**env, "TEST_SCRIPT": str(folder / "confscope.bash")}


def complete(line: str, env: dict[str, str], cwd: Path = SAMPLES.parent) -> list[str]:
    """What bash offers for Tab at the end of `line`."""
    assert BASH is not None
    done = subprocess.run(
        [BASH, "-c", DRIVER, "driver", line, env["TEST_SCRIPT"]],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [word.strip() for word in done.stdout.splitlines() if word.strip()]


needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


@needs_bash
def test_bash_completes_commands_and_options(env: dict[str, str]) -> None:
    commands = complete("confscope ", env)
    assert {"show", "why", "validate", "layers", "diff", "schema", "completion"} <= set(commands)
    assert "--reveal" not in commands  # options only once a dash is typed
    assert {"--env", "--type", "--set-env", "--reveal"} <= set(complete("confscope --", env))
    assert complete("confscope show --format ", env) == ["yaml", "json", "env"]
    assert complete("confscope va", env) == ["validate"]
    assert "--all-types" in complete("confscope validate --", env)


@needs_bash
def test_bash_completes_key_paths_of_the_set_named_by_C(env: dict[str, str]) -> None:
    assert complete("confscope -C sample_configs why databa", env)[:2] == [
        "database",
        "database.",
    ]
    offered = complete("confscope -C sample_configs why database.p", env)
    assert {"database.port", "database.password", "database.pool", "database.pool."} <= set(offered)
    assert all(word.startswith("database.p") for word in offered)
    assert "_metadata" not in complete("confscope -C sample_configs why ", env)
    for command in ("set", "unset"):
        assert "database.port" in complete(
            f"confscope -C sample_configs {command} database.po", env
        )
    assert {"base", "docker", "local"} <= set(
        complete("confscope -C sample_configs unset --layer ", env)
    )
    # from any directory, with the set named by -C
    assert "database.pool.max_size" in complete(
        "confscope -C sample_configs why database.pool.m", env
    )


@needs_bash
def test_bash_completes_override_types_and_environments(env: dict[str, str]) -> None:
    types = complete("confscope -C sample_configs --type ", env)
    assert {"docker", "local", "testing"} <= set(types)
    assert set(complete("confscope -C sample_configs diff ", env)) == set(types)
    # the environments the set's conditions name: any other is warned about anyway
    assert complete("confscope -C sample_configs --env ", env) == ["development", "staging"]


@needs_bash
def test_a_missing_set_completes_nothing_and_says_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert complete(f"confscope -C {tmp_path / 'nowhere'} why a", env) == []


def test_each_shell_gets_its_script(env: dict[str, str]) -> None:
    scripts = {}
    for shell in ("bash", "zsh", "fish"):
        done = subprocess.run(
            [BIN / "confscope", "completion", shell], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        scripts[shell] = done.stdout
    assert "complete " in scripts["bash"] and "_python_argcomplete" in scripts["bash"]
    assert scripts["zsh"].startswith("#compdef confscope")
    assert "complete --command confscope" in scripts["fish"]
    for shell in ("zsh", "fish"):
        binary = shutil.which(shell)
        if binary is None:
            print(f"{shell} is not installed: its script's syntax is not checked")
            continue
        check = subprocess.run([binary, "-n"], input=scripts[shell], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_completion_stays_off_the_engines_heavy_imports(tmp_path: Path) -> None:
    """The Tab path: the cached parser, the set's words; no pydantic, no merge, no TUI."""
    probe = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from cli import completion\n"
        "completion.parser_description()\n"  # the first Tab describes the parser...
        "for name in [m for m in sys.modules if m.startswith(('cli.', 'core', 'pydantic'))]:\n"
        "    del sys.modules[name]\n"
        "from cli import completion\n"
        "parser = completion.rebuild(completion.parser_description())\n"  # ...later ones read it
        "completion.attach_completers(parser)\n"
        f"completion.SetWords(Path({str(SAMPLES)!r}))\n"
        "heavy = ('pydantic', 'core.configset', 'core.merging', 'textual', 'rich', 'cli.main')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == []
    assert list((tmp_path / "confscope" / "completion").glob("parser-*.json"))


def test_next_steps_go_one_level_deeper() -> None:
    paths = ["db", "db.host", "db.pool", "db.pool.size", "servers", "servers[0]", "dbx"]
    assert next_steps(paths, "db") == ["db", "db.host", "db.pool", "db.pool.", "dbx"]
    assert next_steps(paths, "db.pool.") == ["db.pool.size"]
    assert next_steps(paths, "serv") == ["servers", "servers["]
    assert next_steps(paths, "servers[") == ["servers[0]"]


def test_set_words_read_keys_layers_and_conditions() -> None:
    words = SetWords(SAMPLES)
    assert "database.pool.max_size" in words.paths and "_metadata" not in words.paths
    assert "docker" in words.conditions["override_type"] and "base" in words.layers


def test_key_paths_only_for_the_top_level_key_commands() -> None:
    import argparse

    from cli.completion import attach_completers, key_completer

    top = argparse.ArgumentParser()
    commands = top.add_subparsers(dest="command")
    commands.add_parser("why").add_argument("key")
    secrets = commands.add_parser("secrets").add_subparsers(dest="action")
    secret_set = secrets.add_parser("set")
    secret_set.add_argument("file")
    attach_completers(top)
    why_key = commands.choices["why"]._actions[-1]
    assert getattr(why_key, "completer", None) is key_completer
    assert getattr(secret_set._actions[-1], "completer", None) is None


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_key_paths_and_describes_commands(env: dict[str, str]) -> None:
    fish = shutil.which("fish")
    assert fish is not None
    script = subprocess.run(
        [BIN / "confscope", "completion", "fish"], env=env, capture_output=True, check=True
    ).stdout.decode()

    def complete_fish(line: str) -> list[str]:
        done = subprocess.run(
            [fish, "--no-config", "-c", f"{script}\ncomplete -C {json.dumps(line)}"],
            env=env,
            cwd=SAMPLES.parent,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()

    keys = complete_fish("confscope -C sample_configs why database.p")
    assert {"database.port", "database.password", "database.pool"} <= set(keys)
    commands = dict(line.split("\t", 1) for line in complete_fish("confscope ") if "\t" in line)
    assert commands["why"] == "why a key has its value"


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_registers_the_completion_after_compinit(env: dict[str, str]) -> None:
    """What the docs tell zsh users to put in ~/.zshrc."""
    zsh = shutil.which("zsh")
    assert zsh is not None
    rc = 'autoload -U compinit; compinit -u -D; eval "$(confscope completion zsh)"\n'
    done = subprocess.run(
        [zsh, "-f", "-c", rc + 'print -r -- "${_comps[confscope]}"'],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "_python_argcomplete"
