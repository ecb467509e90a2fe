"""The engine lives inside other programs: it leaves their garbage collector alone."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

from core.configset import ConfigSet

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"


class _HostObject:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_a_host_cycle_made_before_a_resolve_is_still_collected() -> None:
    thresholds = gc.get_threshold()
    gc.set_threshold(10**9)  # no collection of its own before the resolve
    try:
        host = _HostObject()
        alive = weakref.ref(host)
        del host
        config = ConfigSet(SAMPLES)
        config.resolve(config.context(base_override_type="docker"), schema=False)
    finally:
        gc.set_threshold(*thresholds)
    assert gc.isenabled()
    gc.collect()
    assert alive() is None


def test_the_collector_is_left_as_it_was_found() -> None:
    config = ConfigSet(SAMPLES)
    gc.disable()
    try:
        config.resolve(schema=False)
        assert not gc.isenabled()
    finally:
        gc.enable()
    config.resolve(schema=False)
    assert gc.isenabled()
    assert not gc.get_freeze_count()


def test_memory_stays_flat_over_many_fresh_resolves() -> None:
    # In a clean interpreter, so nothing else the suite has loaded moves the figure.
    script = textwrap.dedent(
        f"""
        import gc, resource, sys
        from core.configset import ConfigSet

        def rss_mb():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * resource.getpagesize() / 2**20

        def round_():
            config = ConfigSet({str(SAMPLES)!r})
            config.resolve(config.context(base_override_type="docker"), schema=False)

        for _ in range(40):
            round_()
        gc.collect()
        before = rss_mb()
        for _ in range(300):
            round_()
        gc.collect()
        print(before, rss_mb(), gc.get_freeze_count())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    before, after, frozen = result.stdout.split()
    assert int(frozen) == 0
    # 300 more resolves that each keep their tree alive would add hundreds of MB.
    assert float(after) - float(before) < 15, (before, after)
