"""How long one Tab takes: `confscope` run the way argcomplete's shell function runs it."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFSCOPE = Path(sys.executable).parent / "confscope"


def tab_latency(root: Path, line: str, runs: int) -> tuple[list[float], float]:
    """Seconds per completion of `line` (with `-C root`), after one untimed Tab that
    fills the parser cache, and the median CPU seconds (user + system) one Tab used: on
    a busy machine the wall time mostly measures the others. The answer must offer
    something, or this raises."""
    full = f"confscope -C {root} {line}"
    with tempfile.TemporaryDirectory(prefix="confscope-tab-") as scratch:
        answer = Path(scratch) / "answer"
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env.update(
            _ARGCOMPLETE="1",
            _ARGCOMPLETE_SHELL="bash",
            _ARGCOMPLETE_IFS="\n",
            _ARGCOMPLETE_STDOUT_FILENAME=str(answer),
            COMP_LINE=full,
            COMP_POINT=str(len(full)),
            XDG_CACHE_HOME=str(Path(scratch) / "cache"),
        )
        seconds: list[float] = []
        cpu: list[float] = []
        for index in range(runs + 1):
            used = _children_cpu()
            start = time.perf_counter()
            subprocess.run([CONFSCOPE], env=env, check=True, stdin=subprocess.DEVNULL)
            if index:
                seconds.append(time.perf_counter() - start)
                cpu.append(_children_cpu() - used)
            if not answer.read_text().strip():
                raise RuntimeError(f"no completion for {line!r}")
    return seconds, sorted(cpu)[len(cpu) // 2]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
