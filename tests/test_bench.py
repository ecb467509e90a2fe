"""`python -m bench --quick` runs and prints every row. Timings are never asserted here:
they belong to the benchmark, where a slow machine shows MISS instead of failing CI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ROWS = (
    "floor: libyaml events",
    "cold load",
    "reload after 1-line edit",
    "cold load + validation",
    "set one leaf (largest layer)",
    "set one leaf, file only",
    "ruamel.yaml round-trip + merge",
    "PyYAML CSafeLoader + merge",
    "OmegaConf load + merge",
    "peak memory (cold load)",
    "scaling 1×",
    "scaling 4×",
    "scaling 4×/1×",
    "sops decrypt (1,000 values)",
    "secrets decrypt (1,000 values)",
    "sops set (1,000 values)",
    "secrets set (1,000 values)",
    "TUI first frame (samples)",
    "TUI first frame (reference)",
    "TUI write → tree",
    "Tab: key paths (samples)",
    "TUI edit → tree",
)


def run_quick(*extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def table_rows(out: str) -> dict[str, list[str]]:
    """Row name -> its cells; cells are separated by two or more spaces."""
    rows = {}
    for line in out.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) > 1:
            rows[cells[0]] = cells[1:]
    return rows


def test_quick_bench_prints_every_row() -> None:
    out = run_quick()
    assert "Python" in out.splitlines()[1]
    rows = table_rows(out)
    for name in ROWS:
        assert name in rows, f"no row {name!r}:\n{out}"
        # A row may say "not installed" or "n/a (why)", but never that it crashed.
        assert rows[name][0] != "error", f"row {name!r} failed:\n{out}"


def test_profile_prints_the_hot_path_of_one_row() -> None:
    out = run_quick("--profile", "cold")
    assert "profile of one 'cold' run" in out
    assert "resolve" in out
