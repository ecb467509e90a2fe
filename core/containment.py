"""Running a config set's own Python code (its schema) without letting it take over.

A trusted schema is still code someone else may have written: what it prints must
not land in confscope's output (``show --format json`` stays JSON), and whatever it
raises, `SystemExit` and `KeyboardInterrupt` included, becomes a problem instead of
ending the tool. Only Python-level output is captured here; the command line also
points file descriptor 1 elsewhere while it resolves (`cli.trust.stdout_guarded`).
"""

from __future__ import annotations

import io
import sys
import threading
from types import TracebackType
from typing import TextIO

__all__ = ["Contained"]

# `sys.stdout` is one slot for the whole process: two threads swapping it at once
# could each restore the other's buffer. One contained run at a time.
_LOCK = threading.RLock()


class Contained:
    """``with Contained() as run:`` runs the body with stdout and stderr captured.

    Any exception the body raises (any `BaseException`) is kept in `error` and not
    raised further; `output` holds what the body printed. `sys.stdout` and
    `sys.stderr` are what they were before, whatever the body did to them.
    """

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self.output = ""
        self._buffer = io.StringIO()
        self._saved: tuple[TextIO, TextIO] | None = None

    def __enter__(self) -> Contained:
        _LOCK.acquire()
        self._saved = (sys.stdout, sys.stderr)
        sys.stdout = sys.stderr = self._buffer
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        try:
            assert self._saved is not None
            sys.stdout, sys.stderr = self._saved
            self.output = self._buffer.getvalue()
            self.error = error
        finally:
            _LOCK.release()
        return True

    @property
    def first_line(self) -> str:
        """The first non-blank line printed, shortened for a message."""
        line = next((text.strip() for text in self.output.splitlines() if text.strip()), "")
        return line if len(line) <= 80 else line[:79] + "…"
