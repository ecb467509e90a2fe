"""How a row is timed: warm-up, then the median of several runs, each after a GC.

A row is a `Timed`: the callable to time, an optional untimed step before each run
(the reload row writes a file there) and how many runs it deserves. Keeping that
shape in one place is what lets `--profile ROW` profile exactly the timed work.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class Timed:
    """One measurable piece of work and how to run it."""

    run: Callable[[], object]
    runs: int = 7
    before: Callable[[int], None] | None = None
    """Untimed, before run *i* (warm-up runs included): e.g. write the changed file."""
    warmup: int = 1
    notes: list[str] = field(default_factory=list)
    """Filled in by `after`, if given: what the work did (files re-parsed, ...)."""
    after: Callable[[], None] | None = None


def samples(timed: Timed) -> list[float]:
    """Seconds per run, warm-ups dropped; a GC first so no run pays for the last one's garbage."""
    out: list[float] = []
    for index in range(timed.warmup + timed.runs):
        if timed.before is not None:
            timed.before(index)
        gc.collect()
        start = time.perf_counter()
        timed.run()
        elapsed = time.perf_counter() - start
        if index >= timed.warmup:
            out.append(elapsed)
    if timed.after is not None:
        timed.after()
    return out


@dataclass(frozen=True, slots=True)
class Stat:
    """The median of a row's runs and how far apart the runs were."""

    median_ms: float
    low_ms: float
    high_ms: float

    @property
    def spread(self) -> str:
        """Half the min-max range as a share of the median: how much to trust a close call."""
        if self.high_ms == self.low_ms:
            return ""
        return f"±{(self.high_ms - self.low_ms) / 2 / self.median_ms:.0%}"


def stat(seconds: list[float]) -> Stat:
    runs = [value * 1000 for value in seconds]
    return Stat(statistics.median(runs), min(runs), max(runs))


def measure(timed: Timed) -> Stat:
    return stat(samples(timed))


def peak_mb(run: Callable[[], object]) -> float:
    """Peak traced allocation of one call, in MB; tracemalloc is on only around it."""
    gc.collect()
    tracemalloc.start()
    try:
        run()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def profile(timed: Timed) -> str:
    """The hot path of one timed run (after warm-up), from pyinstrument or cProfile."""
    for index in range(timed.warmup):
        if timed.before is not None:
            timed.before(index)
        timed.run()
    if timed.before is not None:
        timed.before(timed.warmup)
    try:
        from pyinstrument import Profiler
    except ImportError:
        return _cprofile(timed.run)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    timed.run()
    profiler.stop()
    return str(profiler.output_text(unicode=True, color=False))


def _cprofile(run: Callable[[], object]) -> str:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(run)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return "pyinstrument is not installed; cProfile, top 30 by cumulative time:\n" + out.getvalue()
