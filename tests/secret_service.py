"""A real Secret Service for the keyring tests: gnome-keyring on a private D-Bus session.

`SecretService.start()` runs a `dbus-daemon` of its own (a bus config with no service
directories, so nothing is activated behind the test's back: a prompt that would need a
desktop cannot be shown and counts as dismissed) and `gnome-keyring-daemon --foreground
--components=secrets` under a throwaway HOME and XDG directories, unlocked with a password
given on stdin. Both are child processes, stopped by their PIDs. Where the programs are
missing the tests skip with the reason, except under CI=true, where they fail: CI installs
them (see .ci/run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

PROGRAMS = ("dbus-daemon", "gnome-keyring-daemon")
CONFSCOPE = Path(sys.executable).parent / "confscope"
READY_WITHIN = 15.0  # seconds to wait for the daemons to come up; not an assertion

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={directory}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def skip_or_fail(reason: str) -> None:
    """Skip with the reason; under CI, where the programs are installed, fail instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run installs it, so this must not be skipped)")
    pytest.skip(reason)


def require_programs(*programs: str) -> None:
    missing = [program for program in programs if shutil.which(program) is None]
    if missing:
        skip_or_fail(f"{', '.join(missing)} not installed (apt-get install gnome-keyring dbus)")


def clean_environment(home: Path) -> dict[str, str]:
    """A hermetic environment for `confscope` subprocesses: no user keys, no user keyring
    config, no D-Bus session unless a test adds one; the venv's scripts first on PATH."""
    (home / ".config").mkdir(parents=True, exist_ok=True)
    (home / ".local" / "share").mkdir(parents=True, exist_ok=True)
    runtime = home / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime),
        "PATH": f"{CONFSCOPE.parent}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        "LANG": "C.UTF-8",
    }


def run_confscope(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    if not CONFSCOPE.exists():
        pytest.fail(f"{CONFSCOPE} is missing: install the project (make .venv/.installed)")
    return subprocess.run(
        [str(CONFSCOPE), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=env["HOME"],
    )


class SecretService:
    """gnome-keyring on a D-Bus session of its own; `env` is the environment to use it."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = clean_environment(home)
        self.bus_directory = Path(tempfile.mkdtemp(prefix="cs-bus-"))  # short socket path
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: dict[int, Path] = {}

    @property
    def address(self) -> str:
        return self.env["DBUS_SESSION_BUS_ADDRESS"]

    def start(self, *, unlock: bool = True) -> None:
        config = self.bus_directory / "bus.conf"
        config.write_text(BUS_CONFIG.format(directory=self.bus_directory))
        bus = self._spawn(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
        )
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        if not address:
            pytest.fail(f"dbus-daemon printed no address: {self._stderr(bus)}")
        self.env["DBUS_SESSION_BUS_ADDRESS"] = address
        command = ["gnome-keyring-daemon", "--foreground", "--components=secrets"]
        keyring = self._spawn(
            [*command, "--unlock"] if unlock else command,
            stdin=subprocess.PIPE if unlock else subprocess.DEVNULL,
        )
        if unlock:
            assert keyring.stdin is not None
            keyring.stdin.write(b"test password")  # the login keyring's password
            keyring.stdin.close()
        self._wait_for_service(keyring, unlock)

    def _spawn(
        self, command: list[str], stdin: int | None = None, stdout: int | None = None
    ) -> subprocess.Popen[bytes]:
        # stderr to a file, not a pipe nobody drains: a chatty daemon must not block.
        log = self.bus_directory / f"{Path(command[0]).name}.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                command,
                env=self.env,
                stderr=stderr,
                stdin=stdin,
                stdout=stdout,
                start_new_session=True,  # a Ctrl-C in the terminal goes to pytest alone
            )
        self.processes.append(process)
        self.logs[process.pid] = log
        return process

    def _wait_for_service(self, keyring: subprocess.Popen[bytes], unlock: bool) -> None:
        """Until the service answers and, when it was given the password, until the login
        collection exists unlocked: gnome-keyring owns its bus name before it has read
        stdin, and a test that came in between would meet a creation prompt instead."""
        from jeepney.io.blocking import open_dbus_connection

        deadline = time.monotonic() + READY_WITHIN
        with closing(open_dbus_connection(bus=self.address)) as connection:
            while not self._ready(connection, unlock):
                if keyring.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gnome-keyring-daemon did not start: {self._stderr(keyring)}")
                time.sleep(0.02)

    @staticmethod
    def _ready(connection: Any, unlock: bool) -> bool:
        import secretstorage
        from secretstorage.collection import DEFAULT_COLLECTION
        from secretstorage.exceptions import ItemNotFoundException

        if not secretstorage.check_service_availability(connection):
            return False
        if not unlock:
            return True
        try:  # not get_default_collection(), which would ask to create one
            return not secretstorage.Collection(connection, DEFAULT_COLLECTION).is_locked()
        except ItemNotFoundException:
            return False

    def lock(self) -> None:
        """Lock the default collection, as a screen lock or a timeout would."""
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        with closing(open_dbus_connection(bus=self.address)) as connection:
            collection = secretstorage.get_default_collection(connection)
            collection.lock()
            assert collection.is_locked()

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
        shutil.rmtree(self.bus_directory, ignore_errors=True)

    def _stderr(self, process: subprocess.Popen[bytes]) -> str:
        text = self.logs[process.pid].read_text(errors="replace").strip()
        return text or "(nothing on stderr)"

    def confscope(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return run_confscope(self.env, *args, stdin=stdin)
