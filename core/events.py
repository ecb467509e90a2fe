"""libyaml's event stream with lighter event objects.

`ruamel.yaml.clib`'s parser builds every event by calling the classes of
`ruamel.yaml.events`, whose constructors run three chained Python `__init__`s; that
is more than a quarter of what iterating the stream costs. The parser looks those
classes up as globals of its module, so while confscope reads a file it hands the
parser one-`__init__` classes with the same positional signatures and the attributes
the loader reads (`value`, `ctag`/`tag`, `style`, `anchor`, `start_mark`).

The swap is held under a lock and undone in a `finally`, so no other reader of
`_ruamel_yaml` sees it. A probe at import checks that the installed parser calls the
classes as expected; if it does not (another clib version), the stock classes are
used and nothing is swapped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import _ruamel_yaml
from ruamel.yaml import events as stock


class _Node:
    __slots__ = ("anchor", "ctag", "start_mark")
    anchor: Any
    ctag: Any
    start_mark: Any

    @property
    def tag(self) -> str | None:
        return None if self.ctag is None else str(self.ctag)


class LightScalarEvent(_Node):
    __slots__ = ("value", "style", "implicit")

    def __init__(
        self,
        anchor: Any,
        tag: Any,
        implicit: Any,
        value: str,
        start_mark: Any,
        end_mark: Any,
        style: Any = None,
    ) -> None:
        self.anchor = anchor
        self.ctag = tag
        self.implicit = implicit
        self.value = value
        self.start_mark = start_mark
        self.style = style


class _LightCollectionStart(_Node):
    __slots__ = ()

    def __init__(
        self, anchor: Any, tag: Any, implicit: Any, start_mark: Any, end_mark: Any, flow: Any
    ) -> None:
        self.anchor = anchor
        self.ctag = tag
        self.start_mark = start_mark


class LightMappingStartEvent(_LightCollectionStart):
    __slots__ = ()


class LightSequenceStartEvent(_LightCollectionStart):
    __slots__ = ()


class _LightEnd:
    __slots__ = ("start_mark",)

    def __init__(self, start_mark: Any, end_mark: Any) -> None:
        self.start_mark = start_mark


class LightMappingEndEvent(_LightEnd):
    __slots__ = ()


class LightSequenceEndEvent(_LightEnd):
    __slots__ = ()


class EventKinds(NamedTuple):
    """The classes events come as: compare `type(event)` against these."""

    scalar: type
    mapping_start: type
    sequence_start: type
    mapping_end: type
    sequence_end: type


STOCK = EventKinds(
    stock.ScalarEvent,
    stock.MappingStartEvent,
    stock.SequenceStartEvent,
    stock.MappingEndEvent,
    stock.SequenceEndEvent,
)
LIGHT = EventKinds(
    LightScalarEvent,
    LightMappingStartEvent,
    LightSequenceStartEvent,
    LightMappingEndEvent,
    LightSequenceEndEvent,
)
_NAMES = (
    "ScalarEvent",
    "MappingStartEvent",
    "SequenceStartEvent",
    "MappingEndEvent",
    "SequenceEndEvent",
)
_lock = threading.Lock()


def _install(kinds: EventKinds) -> None:
    for name, cls in zip(_NAMES, kinds, strict=True):
        setattr(_ruamel_yaml, name, cls)


@contextmanager
def _swapped() -> Iterator[None]:
    with _lock:
        _install(LIGHT)
        try:
            yield
        finally:
            _install(STOCK)


def _probe() -> bool:
    """Whether the installed parser builds the light events as expected."""
    if not all(
        getattr(_ruamel_yaml, name, None) is cls for name, cls in zip(_NAMES, STOCK, strict=True)
    ):
        return False
    try:
        with _swapped():
            parser = _ruamel_yaml.CParser("a: &x !t 'v'\nb: [1, {c: d}]\n")
            seen = []
            while (event := parser.get_event()) is not None:
                seen.append(event)
    except Exception:
        return False
    kinds = {type(event) for event in seen}
    scalars = [event for event in seen if type(event) is LightScalarEvent]
    return (
        set(LIGHT) <= kinds
        and scalars[0].value == "a"
        and scalars[1].anchor == "x"
        and scalars[1].tag == "!t"
        and scalars[1].style == "'"
        and scalars[1].start_mark.line == 0
    )


ENABLED = _probe()


@contextmanager
def event_stream(text: str | bytes) -> Iterator[tuple[Callable[[], Any], EventKinds]]:
    """`get_event` for `text`, and the classes its events come as."""
    if not ENABLED:
        yield _ruamel_yaml.CParser(text).get_event, STOCK
        return
    with _swapped():
        yield _ruamel_yaml.CParser(text).get_event, LIGHT
