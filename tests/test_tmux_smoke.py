"""One real terminal: the installed `confscope` under tmux, driven by keys.

Everything else drives the app headless; this proves the console script starts, draws
in a real terminal, reads real key presses and exits cleanly. The tmux server is a
private one (`-L`, no user config) and is killed whatever happens.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.tmux

ROOT = Path(__file__).resolve().parent.parent
CONFSCOPE = Path(sys.executable).parent / "confscope"
WIDTH, HEIGHT = 120, 40
TIMEOUT = 20.0


class Terminal:
    """A detached tmux session of a fixed size on a server of its own."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket = f"confscope-smoke-{uuid.uuid4().hex[:12]}"
        self.session = "confscope"
        self.config = tmp_path / "tmux.conf"
        self.config.write_text("")  # not the user's ~/.tmux.conf
        # Where the shell around the program writes its exit status (tmux's own
        # #{pane_dead_status} is not filled in everywhere).
        self.status = tmp_path / "status"
        self.socket_path: Path | None = None
        home = tmp_path / "home"
        home.mkdir()
        self.env = {
            "HOME": str(home),
            "PATH": os.environ.get("PATH", os.defpath),
            "TERM": "xterm-256color",
        }

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = ["tmux", "-L", self.socket, "-f", str(self.config), *args]
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=10, check=check
        )

    def start(self, command: list[str], size: tuple[int, int] = (WIDTH, HEIGHT)) -> None:
        # The program gets exactly this environment, whatever tmux would add.
        environment = [f"{name}={value}" for name, value in self.env.items()]
        program = shlex.join(["env", "-i", *environment, *command])
        shell = f"{program}; echo $? > {shlex.quote(str(self.status))}"
        geometry = ["-x", str(size[0]), "-y", str(size[1])]
        self.tmux("new-session", "-d", "-s", self.session, *geometry, "-c", str(ROOT), shell)
        found = self.tmux("display-message", "-p", "#{socket_path}", check=False).stdout.strip()
        self.socket_path = Path(found) if found else None

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session).stdout

    def send(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def wait_for(self, shows: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + TIMEOUT
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if shows(screen):
                return screen
            time.sleep(0.1)
        pytest.fail(f"no {what} after {TIMEOUT:.0f} s; the terminal showed:\n{screen}")

    def wait_for_exit(self) -> int:
        """The program's exit status, once it and its session are gone."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            status = self.status.read_text().strip() if self.status.exists() else ""
            gone = self.tmux("has-session", "-t", self.session, check=False).returncode != 0
            if status and gone:
                return int(status)
            time.sleep(0.1)
        pytest.fail(f"confscope still running {TIMEOUT:.0f} s after q:\n{self.screen()}")

    def kill(self) -> None:
        self.tmux("kill-server", check=False)
        if self.socket_path is not None:  # tmux leaves it behind
            self.socket_path.unlink(missing_ok=True)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        pytest.fail(
            "tmux is not installed: this real-terminal test needs it "
            "(.ci/run installs it with apt-get; or `apt-get install tmux`)"
        )
    if not CONFSCOPE.exists():
        pytest.fail(f"{CONFSCOPE} is missing: install the package (`make test` does)")
    session = Terminal(tmp_path)
    try:
        yield session
    finally:
        session.kill()


def test_the_installed_app_filters_and_quits_in_a_real_terminal(terminal: Terminal) -> None:
    # As `make run` starts it: the bundled samples' schema trusted for this run.
    terminal.start([str(CONFSCOPE), "-C", "sample_configs", "--trust", "--type", "docker"])
    terminal.wait_for(
        lambda screen: "merged config" in screen and "database: {" in screen, "tree drawn"
    )

    terminal.send("/")
    # As a user does: the field shows, then the typing. (Keys sent in the same write as
    # the one that opens the field are covered by Pilot tests: `press("slash", *"host")`.)
    terminal.wait_for(lambda screen: "filter: key path or value" in screen, "the filter field")
    terminal.send("max_size", literal=True)
    terminal.send("Enter")  # back to the tree, whose keys the footer then shows
    screen = terminal.wait_for(
        lambda screen: "filtered, 1 match" in screen and "Go to key" in screen,
        "filtered tree (max_size, 1 match) with the focus on it",
    )
    row = next((line for line in screen.splitlines() if "max_size: 10" in line), "")
    assert " docker " in row, f"no docker badge on the max_size row:\n{screen}"
    assert "redis: {" not in screen, f"the filter left other sections:\n{screen}"

    terminal.send("q")
    assert terminal.wait_for_exit() == 0


# As `make run` starts it: the bundled samples' schema trusted for this run.
APP = [str(CONFSCOPE), "-C", "sample_configs", "--trust", "--type", "docker"]


def tree_drawn(screen: str) -> bool:
    return "merged config" in screen and "database: {" in screen


@pytest.mark.parametrize("editor", ["vmi", "/nonexistent/editor"])
def test_a_bad_editor_comes_back_with_a_message(terminal: Terminal, editor: str) -> None:
    terminal.env["EDITOR"] = editor
    terminal.start(APP)
    terminal.wait_for(tree_drawn, "tree drawn")
    terminal.send("e")
    terminal.wait_for(
        lambda screen: "could not be started" in screen and tree_drawn(screen),
        "the app back with the editor's failure",
    )
    terminal.send("q")
    assert terminal.wait_for_exit() == 0


def test_an_editor_with_arguments_runs_and_the_app_resumes(
    terminal: Terminal, tmp_path: Path
) -> None:
    called = tmp_path / "called"
    script = tmp_path / "fake editor"  # a space in the path: the setting is quoted
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {shlex.quote(str(called))}\n')
    script.chmod(0o755)
    terminal.env["VISUAL"] = f"{shlex.quote(str(script))} --wait"
    terminal.env["EDITOR"] = "vmi"  # VISUAL comes first, as in git
    terminal.start(APP)
    terminal.wait_for(tree_drawn, "tree drawn")
    terminal.send("e")
    terminal.wait_for(lambda _screen: called.exists(), "the editor to run")
    arguments = called.read_text().splitlines()
    assert arguments[0] == "--wait" and arguments[-1].endswith("overrides/docker.yml"), arguments
    terminal.wait_for(tree_drawn, "the app back after the editor")
    terminal.send("q")
    assert terminal.wait_for_exit() == 0


def test_go_to_key_at_80x24(terminal: Terminal) -> None:
    terminal.start(APP, size=(80, 24))
    terminal.wait_for(tree_drawn, "tree drawn")
    terminal.send("g")
    terminal.wait_for(lambda screen: "Go to key" in screen, "the go-to palette")
    terminal.send("database.port", literal=True)
    # The key typed is offered first, not the longest path holding its letters.
    terminal.wait_for(lambda screen: screen.count("database.port") >= 2, "the key offered")
    terminal.send("Enter")
    screen = terminal.wait_for(
        lambda screen: "value      5432" in screen and "tree + why" in screen,
        "the why pane on database.port",
    )
    assert "│ database.port " in screen and "base.yml:70:3" in screen, screen
    terminal.send("q")
    assert terminal.wait_for_exit() == 0


def test_keys_sent_at_once_each_count_and_fields_give_the_keyboard_back(
    terminal: Terminal,
) -> None:
    terminal.start(APP, size=(80, 24))
    terminal.wait_for(lambda screen: "layers 3/11" in screen, "the tab strip")
    terminal.send("t", "t", "t")  # one write: docker → local → testing → no type
    terminal.wait_for(lambda screen: "layers 2/11" in screen, "three steps to no type")
    terminal.send("x")
    terminal.send("FOO=1", literal=True)
    terminal.send("Enter", "q")  # one write: q quits, it is not typed into the field
    assert terminal.wait_for_exit() == 0


def test_enter_and_a_key_sent_together_leave_the_filter(terminal: Terminal) -> None:
    terminal.start(APP)
    terminal.wait_for(tree_drawn, "tree drawn")
    terminal.send("/")
    terminal.send("max_size", literal=True)
    terminal.wait_for(lambda screen: "filtered, 1 match" in screen, "the filter applied")
    terminal.send("Enter", "q")  # one write: q quits, it is not typed into the filter
    assert terminal.wait_for_exit() == 0
