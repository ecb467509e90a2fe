"""`python -m bench` (or `make bench`): confscope against its floor, its peers and its targets.

Every figure is measured in this one process on the same generated files, and every
engine figure is also shown as a ratio to the floor (libyaml's event stream) measured
in the same run, so the ratios hold from one machine to another even where the
milliseconds do not. Progress goes to stderr; stdout is the header and one table.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from bench import completion, engine, tui
from bench import secrets as secrets_bench
from bench.generate import GeneratedSet, generate
from bench.peers import PEERS
from bench.table import Row, markdown, ms, text, times
from bench.timing import Stat, Timed, measure, peak_mb, profile, stat

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"

# The targets of the brief; a row meets its target or prints MISS.
COLD_MAX_FLOOR = 3.0
RELOAD_MAX_FLOOR = 0.5
EDIT_MAX_FLOOR = 0.3
PEER_MIN_SPEEDUP = {"ruamel": 20.0, "omegaconf": 40.0}
SCALING_SLACK = 18 / 16  # 16× the data in at most 18× the time
PEAK_MAX_MB = 60.0
TUI_FIRST_FRAME_SAMPLES_S = 1.0
TUI_FIRST_FRAME_REFERENCE_S = 2.0
TUI_WRITE_TO_TREE_S = 0.3
TAB_COMPLETION_S = 0.3
TUI_EDIT_TO_TREE_S = 0.15


@dataclass(frozen=True, slots=True)
class Plan:
    """How big and how often: the full run, or `--quick` for the test suite."""

    keys: int = 10_000
    layers: int = 10
    seed: int = 1
    fast_runs: int = 7
    slow_runs: int = 3
    scales: tuple[int, ...] = (1, 4, 16)
    tui_runs: int = 3
    tui_edit_runs: int = 9  # short and noisy: more runs


QUICK = Plan(
    keys=600, layers=3, fast_runs=2, slow_runs=1, scales=(1, 4), tui_runs=1, tui_edit_runs=1
)


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def header(plan: Plan, gset: GeneratedSet, *, runs: bool = True) -> list[str]:
    """Date, interpreter and machine: what a reader needs to compare two tables."""
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    python = f"{platform.python_implementation()} {platform.python_version()}"
    machine = f"{platform.platform()}, {os.cpu_count()} CPUs"
    return [
        f"confscope benchmark, {now}",
        f"{python} on {machine}",
        f"set: K={gset.keys:,} keys four deep, N={gset.layers} overrides (~20% of keys each),"
        f" {len(gset.files)} files, {gset.total_bytes / 1e6:.2f} MB, seed {plan.seed}"
        + (
            f"; medians of {plan.fast_runs} runs ({plan.slow_runs} for peers and scaling,"
            f" {plan.tui_runs} for the TUI's first frames, {plan.tui_edit_runs} for its"
            " write and edit rows), spread = half the min-max range"
            if runs
            else ""
        ),
    ]


def guarded(name: str, build: Callable[[], list[Row]]) -> list[Row]:
    """The rows `build` makes, or one row saying why it failed: one broken row never
    hides the rest of the table (the engine is edited while this runs)."""
    progress(name)
    try:
        return build()
    except ImportError as error:
        return [Row(name, "not installed", notes=first_line(error))]
    except Exception as error:
        return [Row(name, "error", notes=f"{type(error).__name__}: {first_line(error)}")]


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [""])[0]


def timed_row(name: str, value: Stat, **fields: Any) -> Row:
    return Row(name, ms(value.median_ms), value.spread, **fields)


class Bench:
    """Measures the rows in order; later rows read earlier figures (floor, cold load)."""

    def __init__(self, plan: Plan, gset: GeneratedSet, scratch: Path) -> None:
        self.plan = plan
        self.gset = gset
        self.scratch = scratch
        self.floor_ms = float("nan")
        self.cold_ms = float("nan")
        self.cold_stat: Stat | None = None

    def rows(self) -> list[Row]:
        rows: list[Row] = []
        rows += guarded("floor: libyaml events", self.floor)
        rows += guarded("cold load", self.cold)
        rows += guarded("reload after 1-line edit", self.reload)
        rows += guarded("cold load + validation", self.validation)
        rows += guarded("set one leaf (largest layer)", self.edit)
        rows += guarded("set one leaf, file only", self.edit_file_only)
        for key, (name, _build) in PEERS.items():
            rows += guarded(name, partial(self.peer, key, name))
        rows += guarded("peak memory (cold load)", self.memory)
        rows += guarded("scaling", self.scaling)
        rows += guarded("secrets decrypt (1,000 values)", self.secrets)
        rows += self.tui_rows()
        rows += guarded("Tab: key paths (samples)", self.tab)
        return rows

    def tab(self) -> list[Row]:
        runs = self.plan.fast_runs
        seconds, cpu = completion.tab_latency(SAMPLES, "why database.p", runs)
        notes = (
            f"CPU {cpu * 1000:.0f} ms; confscope as bash's completion runs it, whole process,"
            " parser cache warm"
        )
        return tui_row("Tab: key paths (samples)", lambda: seconds, TAB_COMPLETION_S, notes)

    def vs_floor(self, value: Stat) -> str:
        return times(value.median_ms / self.floor_ms)

    def floor(self) -> list[Row]:
        value = measure(engine.floor(self.gset, self.plan.fast_runs))
        self.floor_ms = value.median_ms
        notes = "CParser(bytes).get_event() over every file, bytes read beforehand"
        return [timed_row("floor: libyaml events", value, ratio="1.00×", notes=notes)]

    def floor_target(self, name: str, value: Stat, limit: float, notes: str) -> list[Row]:
        """A row held to at most `limit` times the floor of this run."""
        ratio = value.median_ms / self.floor_ms
        return [
            timed_row(
                name,
                value,
                ratio=times(ratio),
                target=f"≤ {limit:g}× floor",
                passed=ratio <= limit,
                notes=notes,
            )
        ]

    def cold(self) -> list[Row]:
        value = measure(engine.cold_load(self.gset.root, self.gset.env, self.plan.fast_runs))
        self.cold_ms, self.cold_stat = value.median_ms, value
        notes = "fresh ConfigSet, cache off: parse, activation, merge, provenance, ${...}"
        return self.floor_target("cold load", value, COLD_MAX_FLOOR, notes)

    def reload(self) -> list[Row]:
        timed = engine.reload(self.gset, self.plan.fast_runs)
        notes = "; ".join([*timed.notes, "cache on, plain write (mtime now)"])
        return self.floor_target(
            "reload after 1-line edit", measure(timed), RELOAD_MAX_FLOOR, notes
        )

    def validation(self) -> list[Row]:
        value = measure(engine.validation(self.gset, self.plan.fast_runs))
        extra = value.median_ms - self.cold_ms
        notes = f"fresh ConfigSet + generated pydantic model; {extra:+,.0f} ms vs cold load"
        return [timed_row("cold load + validation", value, ratio=self.vs_floor(value), notes=notes)]

    def edit(self) -> list[Row]:
        value = measure(engine.edit_leaf(self.gset, self.scratch, self.plan.fast_runs))
        notes = (
            "an int leaf halfway down a copy of base.yml, given the loaded layer (as CLI/TUI):"
            " locate in its top-level entry, re-parse its lines, fsync, rename, read back"
        )
        return self.floor_target("set one leaf (largest layer)", value, EDIT_MAX_FLOOR, notes)

    def edit_file_only(self) -> list[Row]:
        timed = engine.edit_leaf(self.gset, self.scratch, self.plan.fast_runs, loaded=False)
        value = measure(timed)
        notes = "the same without a loaded layer: events read from the top of the file"
        return [
            timed_row("set one leaf, file only", value, ratio=self.vs_floor(value), notes=notes)
        ]

    def peer(self, key: str, name: str) -> list[Row]:
        _name, build = PEERS[key]
        value = measure(build(self.gset, self.plan.slow_runs))
        speedup = value.median_ms / self.cold_ms
        notes = f"{times(speedup)} the cold load's time; no positions, provenance, ${{...}}"
        wanted = PEER_MIN_SPEEDUP.get(key)
        return [
            timed_row(
                name,
                value,
                ratio=self.vs_floor(value),
                target=f"cold load ≥ {wanted:g}× faster" if wanted else "",
                passed=speedup >= wanted if wanted else None,
                notes=notes,
            )
        ]

    def memory(self) -> list[Row]:
        peak = peak_mb(lambda: engine.resolve_once(self.gset))
        notes = "tracemalloc peak during one cold load (file bytes included)"
        return [
            Row(
                "peak memory (cold load)",
                f"{peak:.1f} MB",
                target=f"≤ {PEAK_MAX_MB:g} MB",
                passed=peak <= PEAK_MAX_MB,
                notes=notes,
            )
        ]

    def scaling(self) -> list[Row]:
        """Floor and cold load at each factor of the reference size; the reference is reused."""
        rows: list[Row] = []
        cold_at: dict[int, float] = {}
        for factor in self.plan.scales:
            floor_ms, cold, gset = self.at_scale(factor)
            cold_at[factor] = cold.median_ms
            size = f"K={gset.keys:,}, {gset.total_bytes / 1e6:.1f} MB"
            rows.append(
                timed_row(
                    f"scaling {factor}×",
                    cold,
                    ratio=times(cold.median_ms / floor_ms),
                    notes=f"cold load; {size}; floor {ms(floor_ms)}",
                )
            )
        low, high = min(self.plan.scales), max(self.plan.scales)
        if high > low:
            ratio = cold_at[high] / cold_at[low]
            allowed = (high / low) * SCALING_SLACK
            rows.append(
                Row(
                    f"scaling {high}×/{low}×",
                    times(ratio),
                    target=f"≤ {allowed:g}× time for {high // low}× data",
                    passed=ratio <= allowed,
                    notes="cold-load time ratio",
                )
            )
        return rows

    def at_scale(self, factor: int) -> tuple[float, Stat, GeneratedSet]:
        """(floor ms, cold load, set) at `factor`× the reference keys; that set is deleted."""
        if factor == 1 and self.cold_stat is not None:
            return self.floor_ms, self.cold_stat, self.gset
        progress(f"scaling {factor}×")
        directory = self.scratch / f"scale-{factor}"
        directory.mkdir()
        try:
            gset = generate(directory, self.plan.keys * factor, self.plan.layers, self.plan.seed)
            runs = self.plan.slow_runs
            floor_ms = measure(engine.floor(gset, runs)).median_ms
            cold = measure(engine.cold_load(gset.root, gset.env, runs))
        finally:
            shutil.rmtree(directory)
        return floor_ms, cold, gset

    def secrets(self) -> list[Row]:
        return secrets_bench.rows(self.scratch, self.plan.fast_runs, self.plan.seed)

    def tui_rows(self) -> list[Row]:
        """First frame on the samples and the reference set; a save to the new tree."""
        runs = self.plan.tui_runs
        checks: list[tuple[str, Callable[[], list[float]], float, str]] = [
            (
                "TUI first frame (samples)",
                lambda: tui.first_frame(SAMPLES, runs),
                TUI_FIRST_FRAME_SAMPLES_S,
                "sample_configs/, headless 120×40, app constructed → tree has nodes",
            ),
            (
                "TUI first frame (reference)",
                lambda: tui.first_frame(self.gset.root, runs),
                TUI_FIRST_FRAME_REFERENCE_S,
                "the reference set, same measure",
            ),
            (
                "TUI write → tree",
                lambda: tui.write_to_tree(SAMPLES, self.plan.tui_edit_runs),
                TUI_WRITE_TO_TREE_S,
                "copy of sample_configs/; includes the watcher's debounce",
            ),
            (
                "TUI edit → tree",
                lambda: tui.edit_to_tree(SAMPLES, self.plan.tui_edit_runs),
                TUI_EDIT_TO_TREE_S,
                "copy of sample_configs/: Enter in the edit dialog → plan, write, resolve,"
                " tree shows the value with the cursor on it",
            ),
        ]
        reason = tui.unavailable()
        if reason is not None:
            return [Row(name, f"n/a ({reason})") for name, *_rest in checks]
        rows: list[Row] = []
        for name, run, limit, notes in checks:
            rows += guarded(name, partial(tui_row, name, run, limit, notes))
        return rows


def tui_row(name: str, run: Callable[[], list[float]], limit: float, notes: str) -> list[Row]:
    value = stat(run())
    target = f"≤ {limit * 1000:g} ms" if limit < 1 else f"≤ {limit:g} s"
    passed = value.median_ms <= limit * 1000
    return [timed_row(name, value, target=target, passed=passed, notes=notes)]


PROFILED: dict[str, Callable[[GeneratedSet, int], Timed]] = {
    "floor": engine.floor,
    "cold": lambda gset, runs: engine.cold_load(gset.root, gset.env, runs),
    "reload": engine.reload,
    "validation": engine.validation,
    "edit": lambda gset, runs: engine.edit_leaf(gset, gset.root.parent, runs),
    **{key: build for key, (_name, build) in PEERS.items()},
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small set, few runs, no 16× (for the test)"
    )
    parser.add_argument(
        "--scale", type=factors, help="comma-separated size factors (default 1,4,16)"
    )
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILED),
        metavar="ROW",
        help=f"profile one row: {', '.join(sorted(PROFILED))}",
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--keys", type=int, help="override K (base keys)")
    parser.add_argument("--seed", type=int, help="generator seed")
    return parser.parse_args(argv)


def factors(text: str) -> tuple[int, ...]:
    """`--scale 1,4,16`: positive whole factors of the reference size."""
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"want factors like 1,4,16, not {text!r}")
    return tuple(sorted(set(values)))


def make_plan(args: argparse.Namespace) -> Plan:
    plan = QUICK if args.quick else Plan()
    if args.scale:
        plan = replace(plan, scales=args.scale)
    if args.keys:
        plan = replace(plan, keys=args.keys)
    if args.seed is not None:
        plan = replace(plan, seed=args.seed)
    return plan


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = make_plan(args)
    with tempfile.TemporaryDirectory(prefix="confscope-bench-") as scratch:
        directory = Path(scratch) / "reference"
        directory.mkdir()
        progress(f"generating K={plan.keys:,}, N={plan.layers} under {scratch}")
        gset = generate(directory, plan.keys, plan.layers, plan.seed)
        if args.profile:
            print("\n".join(header(plan, gset, runs=False)))
            print(f"profile of one '{args.profile}' run (after warm-up):\n")
            print(profile(PROFILED[args.profile](gset, 1)))
            return 0
        rows = Bench(plan, gset, Path(scratch)).rows()
        lines = header(plan, gset)
    if args.markdown:
        print("\n".join(f"{line}  " for line in lines) + "\n")
        print(markdown(rows))
    else:
        print("\n".join(lines) + "\n")
        print(text(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
